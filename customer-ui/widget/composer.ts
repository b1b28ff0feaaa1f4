// The chat composer: Enter sends, Shift+Enter breaks the line; typing is signalled to the agent (off after 2 s
// idle); a text goes over the socket (shown at once as "sending"), a file over HTTP.
import { fileToBase64 } from './dom.js';
import type { Widget } from './widget.js';

export function wireComposer(w: Widget) {
  const { ui, s, cfg: { t } } = w;
  let clientSeq = 0;
  const newClientId = () => `w${Date.now().toString(36)}${(clientSeq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let typingTimer: number | undefined;
  let typingSent = false;

  ui.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    void sendCurrent();
  });
  ui.textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void sendCurrent();
    }
  });
  ui.textarea.addEventListener('input', () => {
    if (!typingSent) s.socket?.emit('typing', { typing: true });
    typingSent = true;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      typingSent = false;
      s.socket?.emit('typing', { typing: false });
    }, 2000);
  });

  async function sendCurrent() {
    const text = ui.textarea.value.trim();
    const file = ui.fileInput.files?.[0];
    if (!text && !file) return;
    ui.errorLine.textContent = '';
    if (file && file.size > s.maxBytes) return void (ui.errorLine.textContent = t.tooBig(s.maxBytes));
    if (!(await w.ensureVisitor())) return;
    const clientId = newClientId();
    ui.textarea.value = '';
    typingSent = false;
    s.socket?.emit('typing', { typing: false });
    try {
      if (file) {
        const contentBase64 = await fileToBase64(file);
        ui.fileInput.value = '';
        w.upsert(await w.api.sendWithFiles({ text, clientId, attachments: [{ filename: file.name, contentType: file.type || 'application/octet-stream', contentBase64 }] }));
      } else {
        w.upsert({ id: -Date.now(), caseId: 0, from: 'visitor', name: null, text, createdAt: new Date().toISOString(), status: 'sending', attachments: [], clientId });
        const r = await s.socket!.timeout(10_000).emitWithAck('message', { text, clientId });
        if (!r.ok) throw new Error(r.reason);
        w.upsert(r.message);
      }
      ui.endBtn.hidden = false;
      w.pollQueue();
    } catch {
      ui.errorLine.textContent = t.failed;
    }
  }
}
