// Embeddable chat widget: <script src="https://hub.example/widget.js" data-lang="fa" data-prechat="optional" async></script>
import { io, type Socket } from 'socket.io-client';
import type { VisitorClientEvents, VisitorServerEvents } from '../../server/src/contracts/visitor';
import { strings, type Strings } from './i18n.js';
import { css } from './styles.js';
import { hubApi, type QueueStatus, type TranscriptAck, type VisitorMessage } from './api.js';

type View = 'prechat' | 'offline' | 'offline-done' | 'chat' | 'end-confirm' | 'rating' | 'thanks';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  // text is always added as text nodes: customer or agent text never becomes markup
  for (const c of children) e.append(c);
  return e;
}

function boot(script: HTMLScriptElement | null) {
  const data = script?.dataset ?? {};
  const hub = (data.hub ?? (script?.src ? new URL(script.src).origin : location.origin)).replace(/\/$/, '');
  const lang: 'en' | 'fa' = data.lang === 'fa' ? 'fa' : 'en';
  const prechat = (data.prechat ?? 'optional') as 'optional' | 'required' | 'off';
  const t: Strings = strings[lang];
  const storageKey = `contact-hub:visitor:${hub}`;
  let token: string | null = localStorage.getItem(storageKey);
  const api = hubApi(hub, () => token);

  const host = el('div', { id: 'contact-hub-widget' });
  document.body.append(host);
  const root = host.attachShadow({ mode: 'open' });
  root.append(el('style', {}, css(data.color ?? '#0b5fff')));
  const launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': t.open, part: 'launcher' }, data.title ?? t.open);
  const panel = el('section', { class: 'panel', role: 'dialog', 'aria-label': data.title ?? t.title, dir: lang === 'fa' ? 'rtl' : 'ltr', lang });
  panel.hidden = true;
  root.append(launcher, panel);

  const endBtn = el('button', { type: 'button', class: 'end' }, t.end);
  const closeBtn = el('button', { type: 'button', class: 'close', 'aria-label': t.close }, '×');
  const header = el('header', {}, el('h2', {}, data.title ?? t.title), endBtn, closeBtn);
  const statusBar = el('div', { class: 'status', role: 'status' });
  const body = el('div', { class: 'body' });
  body.style.cssText = 'flex:1;display:flex;flex-direction:column;min-height:0';
  panel.append(header, statusBar, body);

  let view: View = 'chat';
  let messages: VisitorMessage[] = [];
  let socket: Socket<VisitorServerEvents, VisitorClientEvents> | null = null;
  let maxBytes = 5 * 1024 * 1024;
  let readUpTo = 0; // agent has read visitor messages up to this id
  let agentTyping: string | null | false = false;
  let queue: QueueStatus | null = null;
  let queueTimer: number | undefined;
  let rating = 0;
  let transcriptNote = '';
  let notes: string[] = [];

  const log = el('div', { class: 'log', 'aria-live': 'polite' });
  const typingLine = el('div', { class: 'typing' });
  const textarea = el('textarea', { 'aria-label': t.placeholder, placeholder: t.placeholder, rows: '1' });
  const fileInput = el('input', { type: 'file', 'aria-label': t.attach });
  const errorLine = el('div', { class: 'error', role: 'alert' });
  const composer = el('form', { class: 'composer' }, el('label', { class: 'file', title: t.attach }, '📎', fileInput), textarea, el('button', { class: 'primary', type: 'submit' }, t.send));

  function renderMessages() {
    log.replaceChildren();
    for (const n of notes) log.append(el('div', { class: 'note' }, n));
    const lastVisitor = [...messages].reverse().find((m) => m.from === 'visitor');
    for (const m of messages) {
      const node = el('div', { class: `msg ${m.from}`, 'data-id': String(m.id) });
      if (m.from === 'agent') node.append(el('span', { class: 'who' }, m.name ?? ''));
      if (m.text) node.append(m.text);
      for (const a of m.attachments) {
        const href = `${hub}${a.url}?token=${encodeURIComponent(token ?? '')}`;
        if (/^image\//.test(a.contentType)) node.append(el('img', { src: href, alt: a.filename }));
        node.append(el('span', { class: 'meta' }, el('a', { href, target: '_blank', rel: 'noopener' }, a.filename)));
      }
      if (m === lastVisitor && m.id > 0 && readUpTo >= m.id) node.append(el('span', { class: 'meta read' }, `✓✓ ${t.read}`));
      log.append(node);
    }
    log.scrollTop = log.scrollHeight;
    typingLine.textContent = agentTyping === false ? '' : t.typing(agentTyping);
    markRead();
  }

  function renderStatus() {
    if (view !== 'chat' || !queue) return void (statusBar.textContent = '');
    if (queue.state === 'waiting' && queue.position) statusBar.textContent = t.waiting(queue.position, queue.estimatedWaitSeconds);
    else if (queue.state === 'offered') statusBar.textContent = t.connecting;
    else statusBar.textContent = '';
  }

  let readSent = 0;
  function markRead() {
    if (panel.hidden || !socket) return;
    const lastAgent = [...messages].reverse().find((m) => m.from === 'agent');
    if (lastAgent && lastAgent.id > readSent) {
      readSent = lastAgent.id;
      socket.emit('read', { upToId: lastAgent.id });
    }
  }

  function upsert(m: VisitorMessage) {
    const i = messages.findIndex((x) => x.id === m.id || (m.clientId && x.clientId === m.clientId));
    if (i >= 0) messages[i] = m;
    else messages.push(m);
    renderMessages();
  }

  function show(v: View) {
    view = v;
    endBtn.hidden = v !== 'chat' || !messages.length;
    body.replaceChildren();
    if (v === 'chat') {
      body.append(log, typingLine, errorLine, composer);
      renderMessages();
      textarea.focus();
    } else if (v === 'prechat') {
      const name = el('input', { type: 'text', name: 'name', 'aria-label': t.name, placeholder: t.name, autocomplete: 'name' });
      const email = el('input', { type: 'email', name: 'email', 'aria-label': t.email, placeholder: t.email, autocomplete: 'email' });
      if (prechat === 'required') {
        name.required = true;
        email.required = true;
      }
      const f = el('form', { class: 'form prechat' }, el('p', {}, prechat === 'required' ? t.prechatIntroRequired : t.prechatIntro), name, email, errorLine, el('button', { class: 'primary', type: 'submit' }, t.start));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        void startVisitor({ name: name.value.trim() || undefined, email: email.value.trim() || undefined });
      });
      body.append(f);
    } else if (v === 'offline') {
      const name = el('input', { type: 'text', name: 'name', 'aria-label': t.name, placeholder: t.name });
      const email = el('input', { type: 'email', name: 'email', 'aria-label': t.email, placeholder: t.email, required: '' });
      const text = el('textarea', { name: 'message', 'aria-label': t.message, placeholder: t.message, required: '' });
      const f = el('form', { class: 'form offline' }, el('p', {}, offlineReason === 'closed' ? t.offlineClosed : t.offlineIntro), name, email, text, errorLine, el('button', { class: 'primary', type: 'submit' }, t.leave));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        api
          .offline({ name: name.value.trim() || undefined, email: email.value.trim(), text: text.value, language: lang })
          .then((r) => {
            offlineRef = r.caseNumber;
            show('offline-done');
          })
          .catch((err: Error) => (errorLine.textContent = err.message || t.failed));
      });
      body.append(f);
    } else if (v === 'offline-done') {
      body.append(el('div', { class: 'form done' }, el('p', {}, t.left(offlineRef))));
    } else if (v === 'end-confirm') {
      const wants = el('input', { type: 'checkbox', name: 'transcript' });
      const email = el('input', { type: 'email', name: 'email', 'aria-label': t.email, placeholder: t.email });
      const f = el('form', { class: 'form end-confirm' }, el('p', {}, t.endConfirm), el('label', {}, wants, ' ', t.transcript), email, errorLine,
        el('button', { class: 'primary', type: 'submit' }, t.confirmEnd));
      const cancel = el('button', { class: 'secondary', type: 'button' }, t.cancel);
      cancel.addEventListener('click', () => show('chat'));
      f.append(cancel);
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        socket?.emit('end', { transcript: wants.checked, email: email.value.trim() || undefined }, (r: { ok: boolean; reason?: string; transcript?: TranscriptAck }) => {
          if (!r.ok) return void (errorLine.textContent = r.reason ?? t.failed);
          // The hub says what became of the transcript: sent, a confirmation link mailed, or why not.
          transcriptNote = r.transcript ? (r.transcript.ok ? r.transcript.message : r.transcript.reason) : '';
          show('rating');
        });
      });
      body.append(f);
    } else if (v === 'rating') {
      const stars = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': t.rate });
      const drawStars = () => stars.querySelectorAll('button').forEach((b, i) => b.classList.toggle('on', i < rating));
      for (let i = 1; i <= 5; i++) {
        const b = el('button', { type: 'button', 'aria-label': `${i}`, 'data-rating': String(i) }, '★');
        b.addEventListener('click', () => ((rating = i), drawStars()));
        stars.append(b);
      }
      const comment = el('textarea', { name: 'comment', 'aria-label': t.comment, placeholder: t.comment });
      const f = el('form', { class: 'form rating' }, el('p', {}, t.ended), el('p', {}, t.rate), stars, comment, errorLine, el('button', { class: 'primary', type: 'submit' }, t.submitRating));
      const again = el('button', { class: 'secondary', type: 'button' }, t.newChat);
      again.addEventListener('click', () => ((messages = []), (notes = []), show('chat')));
      const mailTo = el('input', { type: 'email', name: 'transcript-email', 'aria-label': t.email, placeholder: t.email });
      const mailBtn = el('button', { class: 'secondary transcript', type: 'button' }, t.transcript);
      mailBtn.addEventListener('click', () => {
        socket?.emit('transcript', { email: mailTo.value.trim() || undefined }, (r: TranscriptAck) => {
          if (r.ok) mailBtn.replaceWith(el('p', { class: 'note transcript-sent' }, r.message || t.transcriptSent));
          else errorLine.textContent = r.reason ?? t.failed;
        });
      });
      if (transcriptNote) f.append(el('p', { class: 'note transcript-note', role: 'status' }, transcriptNote));
      f.append(again, el('div', { class: 'transcript-box' }, mailTo, mailBtn));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!rating) return;
        socket?.emit('rate', { rating, comment: comment.value }, (r: { ok: boolean; reason?: string }) => (r.ok ? show('thanks') : (errorLine.textContent = r.reason ?? t.failed)));
      });
      body.append(f);
    } else if (v === 'thanks') {
      const again = el('button', { class: 'secondary', type: 'button' }, t.newChat);
      again.addEventListener('click', () => ((messages = []), (notes = []), show('chat')));
      body.append(el('div', { class: 'form thanks' }, el('p', {}, t.thanks), again));
    }
    renderStatus();
  }
  let offlineReason = 'no_agents';
  let offlineRef = 0;

  function connect() {
    if (socket || !token) return;
    socket = io(`${hub}/visitor`, { auth: { token }, transports: ['websocket', 'polling'] });
    socket.on('message', (m: VisitorMessage) => {
      if (m.from === 'agent') agentTyping = false;
      upsert(m);
      if (view === 'chat') endBtn.hidden = false;
    });
    socket.on('typing', (p: { name: string | null; typing: boolean }) => {
      agentTyping = p.typing ? p.name : false;
      renderMessages();
    });
    socket.on('agent:joined', (p: { name: string }) => {
      if (notes.at(-1) !== t.joined(p.name)) notes.push(t.joined(p.name));
      queue = null;
      renderStatus();
      renderMessages();
    });
    socket.on('read', (p: { upToId: number }) => {
      readUpTo = Math.max(readUpTo, p.upToId);
      renderMessages();
    });
    socket.on('conversation:closed', () => {
      if (view === 'chat') show('rating');
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') {
        // the hub no longer knows this visitor: start over
        localStorage.removeItem(storageKey);
        token = null;
        socket?.close();
        socket = null;
      }
    });
    pollQueue();
  }

  function pollQueue() {
    window.clearTimeout(queueTimer);
    if (!socket) return;
    const caseId = messages.find((m) => m.caseId > 0)?.caseId;
    socket.emit('queue:status', { caseId }, (r: { ok: boolean; status?: QueueStatus }) => {
      if (r.ok && r.status) {
        queue = r.status;
        renderStatus();
        // the agent closed the conversation: offer the rating
        if (r.status.state === 'closed' && view === 'chat' && messages.length) show('rating');
      }
    });
    queueTimer = window.setTimeout(pollQueue, 5000);
  }

  async function startVisitor(o: { name?: string; email?: string }) {
    try {
      const v = await api.createVisitor({ ...o, language: lang });
      token = v.token;
      localStorage.setItem(storageKey, token);
      connect();
      show('chat');
    } catch (err) {
      errorLine.textContent = (err as Error).message || t.failed;
    }
  }

  async function ensureVisitor(): Promise<boolean> {
    if (token) return true;
    await startVisitor({});
    return Boolean(token);
  }

  let clientSeq = 0;
  const newClientId = () => `w${Date.now().toString(36)}${(clientSeq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    void sendCurrent();
  });
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void sendCurrent();
    }
  });
  let typingTimer: number | undefined;
  let typingSent = false;
  textarea.addEventListener('input', () => {
    if (!typingSent) socket?.emit('typing', { typing: true });
    typingSent = true;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      typingSent = false;
      socket?.emit('typing', { typing: false });
    }, 2000);
  });

  async function sendCurrent() {
    const text = textarea.value.trim();
    const file = fileInput.files?.[0];
    if (!text && !file) return;
    errorLine.textContent = '';
    if (file && file.size > maxBytes) return void (errorLine.textContent = t.tooBig(maxBytes));
    if (!(await ensureVisitor())) return;
    const clientId = newClientId();
    textarea.value = '';
    typingSent = false;
    socket?.emit('typing', { typing: false });
    try {
      if (file) {
        const contentBase64 = await fileToBase64(file);
        fileInput.value = '';
        upsert(await api.sendWithFiles({ text, clientId, attachments: [{ filename: file.name, contentType: file.type || 'application/octet-stream', contentBase64 }] }));
      } else {
        upsert({ id: -Date.now(), caseId: 0, from: 'visitor', name: null, text, createdAt: new Date().toISOString(), status: 'sending', attachments: [], clientId });
        const r = await socket!.timeout(10_000).emitWithAck('message', { text, clientId });
        if (!r.ok) throw new Error(r.reason);
        upsert(r.message);
      }
      endBtn.hidden = false;
      pollQueue();
    } catch {
      errorLine.textContent = t.failed;
    }
  }

  launcher.addEventListener('click', () => void toggle());
  closeBtn.addEventListener('click', () => void toggle());
  endBtn.addEventListener('click', () => show('end-confirm'));

  let loaded = false;
  async function toggle() {
    panel.hidden = !panel.hidden;
    launcher.setAttribute('aria-expanded', String(!panel.hidden));
    if (panel.hidden || loaded) return void markRead();
    loaded = true;
    const status = await api.status().catch(() => ({ online: false, reason: 'no_agents', maxAttachmentBytes: maxBytes }));
    maxBytes = status.maxAttachmentBytes;
    let ongoing = false;
    if (token) {
      try {
        const c = await api.conversation();
        messages = c.messages;
        queue = c.status;
        ongoing = c.caseId !== null;
        connect();
      } catch (err) {
        if ((err as { status?: number }).status === 401) {
          localStorage.removeItem(storageKey);
          token = null;
        }
      }
    }
    if (ongoing) return show('chat');
    if (!status.online) {
      offlineReason = status.reason;
      return show('offline');
    }
    if (!token && prechat !== 'off') return show('prechat');
    show('chat');
  }
}

function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

const current = document.currentScript as HTMLScriptElement | null;
if (document.body) boot(current);
else document.addEventListener('DOMContentLoaded', () => boot(current));
