import { computed, onMounted, ref, watch, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { ApiError } from '../../api/http';
import type { CaseView, Channel, ReplyConflict } from '../../api/types';
import { useCaseViewStore } from '../../stores/case-view';
import { useNotificationsStore } from '../../stores/notifications';
import type { DraftFile } from './useAttachments';

/**
 * The draft of a reply or note on one case and sending it: the email's to/cc/subject defaults per case, the
 * collision check (what was newest on screen when the draft began; the server answers 409 when someone wrote
 * since, and the agent sends anyway or reviews first), and keeping what was typed while a send was in flight.
 */
export function useReplyDraft(o: { c: () => CaseView; mode: Ref<'reply' | 'note'>; editor: Ref<HTMLDivElement | null>; files: Ref<DraftFile[]>; editorText: () => string }) {
  const { t } = useI18n();
  const view = useCaseViewStore();
  const notifications = useNotificationsStore();
  const text = ref('');
  const to = ref('');
  const cc = ref('');
  const subject = ref('');
  const sending = ref(false);
  const draftSeen = ref<number | null>(null);
  const conflict = ref<ReplyConflict | null>(null);

  // a call is answered by text message
  const replyChannel = computed<Channel>(() => (o.c().channel === 'voice' ? 'sms' : o.c().channel));
  const isEmail = computed(() => o.mode.value === 'reply' && replyChannel.value === 'email');
  const disabled = computed(() => o.c().status === 'closed' || !!o.c().mergedIntoId);

  function noteDraftStart() {
    if (draftSeen.value === null) draftSeen.value = view.newestSeenId();
  }

  function resetForCase() {
    const c = o.c();
    text.value = '';
    draftSeen.value = null;
    conflict.value = null;
    o.files.value = [];
    cc.value = '';
    const lastIn = [...view.items].reverse().find((i) => i.caseId === c.id && i.direction === 'inbound' && i.channel === 'email' && i.from);
    to.value = lastIn?.from ?? view.customer?.identities.find((i) => i.kind === 'email')?.value ?? '';
    subject.value = c.subject ? (/^re:/i.test(c.subject) ? c.subject : `Re: ${c.subject}`) : '';
    if (o.editor.value) o.editor.value.innerHTML = '';
  }
  watch(() => o.c().id, resetForCase);
  watch(() => view.customer?.id, () => !to.value && resetForCase());
  watch(() => view.loading, (l) => !l && resetForCase());
  onMounted(resetForCase);

  async function send(confirmed = false) {
    if (sending.value || disabled.value) return;
    const body = isEmail.value ? o.editorText() : text.value.trim();
    if (!body) {
      notifications.toast(t('composer.empty'), 'error');
      return;
    }
    sending.value = true;
    // What goes out now; anything typed while the request is in flight must survive it.
    const sentText = text.value;
    const sentHtml = o.editor.value?.innerHTML;
    const sentFiles = o.files.value;
    try {
      if (o.mode.value === 'note') {
        await view.reply({ internal: true, text: body });
        notifications.toast(t('composer.noteAdded'), 'success');
      } else {
        await view.reply({
          channel: replyChannel.value,
          text: body,
          seenUpToId: draftSeen.value ?? view.newestSeenId(),
          ...(confirmed ? { confirm: true } : {}),
          ...(isEmail.value
            ? {
                html: o.editor.value?.innerHTML,
                subject: subject.value || undefined,
                to: to.value || undefined,
                cc: cc.value.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean),
                attachments: o.files.value.map(({ filename, contentType, contentBase64 }) => ({ filename, contentType, contentBase64 })),
              }
            : {}),
        });
        view.sendTyping(false);
        notifications.toast(t('composer.sent'), 'success');
      }
      conflict.value = null;
      draftSeen.value = null;
      if (text.value === sentText) text.value = '';
      o.files.value = o.files.value.filter((f) => !sentFiles.includes(f));
      if (o.editor.value && o.editor.value.innerHTML === sentHtml) o.editor.value.innerHTML = '';
    } catch (err) {
      // someone wrote on the case since the draft began: show what, and let the agent decide
      if (err instanceof ApiError && err.status === 409 && (err.details as ReplyConflict | undefined)?.reason === 'case_changed') conflict.value = err.details as ReplyConflict;
      else notifications.toast(t('app.error', { message: (err as Error).message }), 'error');
    } finally {
      sending.value = false;
    }
  }

  /** "Review first": the new messages are on screen now, so the draft has seen them. */
  function review() {
    conflict.value = null;
    draftSeen.value = view.newestSeenId();
    void view.refreshNewest();
  }

  return { text, to, cc, subject, sending, draftSeen, conflict, replyChannel, isEmail, disabled, noteDraftStart, send, review };
}
