import type { Ref } from 'vue';
import { useI18n } from 'vue-i18n';

/** The email reply's rich-text editor (a contenteditable div): formatting, links, text inserted at the caret. */
export function useRichEditor(editor: Ref<HTMLDivElement | null>) {
  const { t } = useI18n();
  function exec(cmd: string, arg?: string) {
    editor.value?.focus();
    document.execCommand(cmd, false, arg);
  }
  function addLink() {
    const url = prompt(t('composer.linkPrompt'), 'https://');
    if (url && /^(https?:|mailto:)/i.test(url)) exec('createLink', url);
  }
  /** Replaces the n characters before the caret (the "/query") with plain text. */
  function replaceBeforeCaret(n: number, insert: string) {
    const sel = window.getSelection();
    const node = sel?.anchorNode;
    if (!sel || !node || node.nodeType !== Node.TEXT_NODE) return;
    const range = document.createRange();
    range.setStart(node, Math.max(0, sel.anchorOffset - n));
    range.setEnd(node, sel.anchorOffset);
    range.deleteContents();
    const tn = document.createTextNode(insert);
    range.insertNode(tn);
    range.setStartAfter(tn);
    range.collapse(true);
    sel.removeAllRanges();
    sel.addRange(range);
  }
  /** The text of the caret's line and the caret in it, when the caret is in text (else null). */
  function caretText(): { value: string; caret: number } | null {
    const sel = window.getSelection();
    const node = sel?.anchorNode;
    return node && node.nodeType === Node.TEXT_NODE ? { value: node.textContent ?? '', caret: sel!.anchorOffset } : null;
  }
  /** The plain-text part of the email (what the server stores as the reply's text). */
  function plainText(): string {
    return (editor.value?.innerText ?? '').replace(/\n{3,}/g, '\n\n').trim();
  }
  return { exec, addLink, replaceBeforeCaret, caretText, plainText };
}
