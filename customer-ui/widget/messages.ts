// The chat log: messages (with attachments and the read mark), join notes, the typing line, the queue status line.
import { el } from './dom.js';
import type { VisitorMessage } from './api.js';
import type { Widget } from './widget.js';

export function renderMessages(w: Widget) {
  const { s, ui, cfg } = w;
  ui.log.replaceChildren();
  for (const n of s.notes) ui.log.append(el('div', { class: 'note' }, n));
  const lastVisitor = [...s.messages].reverse().find((m) => m.from === 'visitor');
  for (const m of s.messages) {
    const node = el('div', { class: `msg ${m.from}`, 'data-id': String(m.id) });
    if (m.from === 'agent') node.append(el('span', { class: 'who' }, m.name ?? ''));
    if (m.text) node.append(m.text);
    for (const a of m.attachments) {
      const href = `${cfg.hub}${a.url}?token=${encodeURIComponent(s.token ?? '')}`;
      if (/^image\//.test(a.contentType)) node.append(el('img', { src: href, alt: a.filename }));
      node.append(el('span', { class: 'meta' }, el('a', { href, target: '_blank', rel: 'noopener' }, a.filename)));
    }
    if (m === lastVisitor && m.id > 0 && s.readUpTo >= m.id) node.append(el('span', { class: 'meta read' }, `✓✓ ${cfg.t.read}`));
    ui.log.append(node);
  }
  ui.log.scrollTop = ui.log.scrollHeight;
  ui.typingLine.textContent = s.agentTyping === false ? '' : cfg.t.typing(s.agentTyping);
  markRead(w);
}

export function renderStatus({ s, ui, cfg: { t } }: Widget) {
  if (s.view !== 'chat' || !s.queue) return void (ui.statusBar.textContent = '');
  if (s.queue.state === 'waiting' && s.queue.position) ui.statusBar.textContent = t.waiting(s.queue.position, s.queue.estimatedWaitSeconds);
  else if (s.queue.state === 'offered') ui.statusBar.textContent = t.connecting;
  else ui.statusBar.textContent = '';
}

/** Tells the agent how far the visitor has read: only while the panel is open. */
export function markRead({ s, ui }: Widget) {
  if (ui.panel.hidden || !s.socket) return;
  const lastAgent = [...s.messages].reverse().find((m) => m.from === 'agent');
  if (lastAgent && lastAgent.id > s.readSent) {
    s.readSent = lastAgent.id;
    s.socket.emit('read', { upToId: lastAgent.id });
  }
}

/** Adds a message or replaces the one it confirms (same id, or the same clientId as the one shown while sending). */
export function upsert(w: Widget, m: VisitorMessage) {
  const { messages } = w.s;
  const i = messages.findIndex((x) => x.id === m.id || (m.clientId && x.clientId === m.clientId));
  if (i >= 0) messages[i] = m;
  else messages.push(m);
  w.renderMessages();
}
