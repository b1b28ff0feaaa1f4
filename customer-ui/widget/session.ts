// The visitor's session with the hub: the token (kept in localStorage), the /visitor socket and its events, and
// the queue status asked every few seconds while the conversation waits.
import { io } from 'socket.io-client';
import type { QueueStatus, VisitorMessage } from './api.js';
import type { Widget } from './widget.js';

/** The hub no longer knows this visitor: the next message starts over. */
export function forgetVisitor({ s, cfg }: Widget) {
  localStorage.removeItem(cfg.storageKey);
  s.token = null;
}

export function connect(w: Widget) {
  const { s, cfg, ui } = w;
  if (s.socket || !s.token) return;
  const socket = io(`${cfg.hub}/visitor`, { auth: { token: s.token }, transports: ['websocket', 'polling'] });
  s.socket = socket;
  socket.on('message', (m: VisitorMessage) => {
    if (m.from === 'agent') s.agentTyping = false;
    w.upsert(m);
    if (s.view === 'chat') ui.endBtn.hidden = false;
  });
  socket.on('typing', (p: { name: string | null; typing: boolean }) => {
    s.agentTyping = p.typing ? p.name : false;
    w.renderMessages();
  });
  socket.on('agent:joined', (p: { name: string }) => {
    if (s.notes.at(-1) !== cfg.t.joined(p.name)) s.notes.push(cfg.t.joined(p.name));
    s.queue = null;
    w.renderStatus();
    w.renderMessages();
  });
  socket.on('read', (p: { upToId: number }) => {
    s.readUpTo = Math.max(s.readUpTo, p.upToId);
    w.renderMessages();
  });
  socket.on('conversation:closed', () => {
    if (s.view === 'chat') w.show('rating');
  });
  socket.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      forgetVisitor(w);
      s.socket?.close();
      s.socket = null;
    }
  });
  w.pollQueue();
}

export function pollQueue(w: Widget) {
  const { s } = w;
  window.clearTimeout(s.queueTimer);
  if (!s.socket) return;
  const caseId = s.messages.find((m) => m.caseId > 0)?.caseId;
  s.socket.emit('queue:status', { caseId }, (r: { ok: boolean; status?: QueueStatus }) => {
    if (r.ok && r.status) {
      s.queue = r.status;
      w.renderStatus();
      // the agent closed the conversation: offer the rating
      if (r.status.state === 'closed' && s.view === 'chat' && s.messages.length) w.show('rating');
    }
  });
  s.queueTimer = window.setTimeout(() => pollQueue(w), 5000);
}

export async function startVisitor(w: Widget, o: { name?: string; email?: string }) {
  try {
    const v = await w.api.createVisitor({ ...o, language: w.cfg.lang });
    w.s.token = v.token;
    localStorage.setItem(w.cfg.storageKey, v.token);
    w.connect();
    w.show('chat');
  } catch (err) {
    w.ui.errorLine.textContent = (err as Error).message || w.cfg.t.failed;
  }
}

/** A visitor who writes without the pre-chat form gets a token on their first message. */
export async function ensureVisitor(w: Widget): Promise<boolean> {
  if (w.s.token) return true;
  await w.startVisitor({});
  return Boolean(w.s.token);
}

/** Opening the panel the first time: the chat status and any conversation in progress decide the first view. */
export async function openFirstTime(w: Widget) {
  const { s, cfg } = w;
  s.loaded = true;
  const status = await w.api.status().catch(() => ({ online: false, reason: 'no_agents', maxAttachmentBytes: s.maxBytes }));
  s.maxBytes = status.maxAttachmentBytes;
  let ongoing = false;
  if (s.token) {
    try {
      const c = await w.api.conversation();
      s.messages = c.messages;
      s.queue = c.status;
      ongoing = c.caseId !== null;
      w.connect();
    } catch (err) {
      if ((err as { status?: number }).status === 401) forgetVisitor(w);
    }
  }
  if (ongoing) return w.show('chat');
  if (!status.online) {
    s.offlineReason = status.reason;
    return w.show('offline');
  }
  if (!s.token && cfg.prechat !== 'off') return w.show('prechat');
  w.show('chat');
}
