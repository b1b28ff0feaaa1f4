// The panel's views: the chat, the pre-chat and offline forms, ending (with a transcript), rating and thanks.
// `show` swaps the body's content; the chat's parts live in the shell so a view change keeps the conversation.
import { el } from './dom.js';
import type { TranscriptAck } from './api.js';
import type { View, Widget } from './widget.js';

export function show(w: Widget, v: View) {
  const { s, ui } = w;
  s.view = v;
  ui.endBtn.hidden = v !== 'chat' || !s.messages.length;
  ui.body.replaceChildren();
  if (v === 'chat') {
    ui.body.append(ui.log, ui.typingLine, ui.errorLine, ui.composer);
    w.renderMessages();
    ui.textarea.focus();
  } else {
    ui.body.append(VIEWS[v](w));
  }
  w.renderStatus();
}

const VIEWS: Record<Exclude<View, 'chat'>, (w: Widget) => HTMLElement> = {
  prechat: prechatView,
  offline: offlineView,
  'offline-done': ({ s, cfg }) => el('div', { class: 'form done' }, el('p', {}, cfg.t.left(s.offlineRef))),
  'end-confirm': endConfirmView,
  rating: ratingView,
  thanks: (w) => el('div', { class: 'form thanks' }, el('p', {}, w.cfg.t.thanks), newChatButton(w)),
};

function prechatView(w: Widget) {
  const { t, prechat } = w.cfg;
  const name = el('input', { type: 'text', name: 'name', 'aria-label': t.name, placeholder: t.name, autocomplete: 'name' });
  const email = el('input', { type: 'email', name: 'email', 'aria-label': t.email, placeholder: t.email, autocomplete: 'email' });
  if (prechat === 'required') {
    name.required = true;
    email.required = true;
  }
  const f = el('form', { class: 'form prechat' }, el('p', {}, prechat === 'required' ? t.prechatIntroRequired : t.prechatIntro), name, email, w.ui.errorLine, el('button', { class: 'primary', type: 'submit' }, t.start));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    void w.startVisitor({ name: name.value.trim() || undefined, email: email.value.trim() || undefined });
  });
  return f;
}

function offlineView(w: Widget) {
  const { t, lang } = w.cfg;
  const { errorLine } = w.ui;
  const name = el('input', { type: 'text', name: 'name', 'aria-label': t.name, placeholder: t.name });
  const email = el('input', { type: 'email', name: 'email', 'aria-label': t.email, placeholder: t.email, required: '' });
  const text = el('textarea', { name: 'message', 'aria-label': t.message, placeholder: t.message, required: '' });
  const f = el('form', { class: 'form offline' }, el('p', {}, w.s.offlineReason === 'closed' ? t.offlineClosed : t.offlineIntro), name, email, text, errorLine, el('button', { class: 'primary', type: 'submit' }, t.leave));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    w.api
      .offline({ name: name.value.trim() || undefined, email: email.value.trim(), text: text.value, language: lang })
      .then((r) => {
        w.s.offlineRef = r.caseNumber;
        w.show('offline-done');
      })
      .catch((err: Error) => (errorLine.textContent = err.message || t.failed));
  });
  return f;
}

function endConfirmView(w: Widget) {
  const { t } = w.cfg;
  const { errorLine } = w.ui;
  const wants = el('input', { type: 'checkbox', name: 'transcript' });
  const email = el('input', { type: 'email', name: 'email', 'aria-label': t.email, placeholder: t.email });
  const f = el('form', { class: 'form end-confirm' }, el('p', {}, t.endConfirm), el('label', {}, wants, ' ', t.transcript), email, errorLine,
    el('button', { class: 'primary', type: 'submit' }, t.confirmEnd));
  const cancel = el('button', { class: 'secondary', type: 'button' }, t.cancel);
  cancel.addEventListener('click', () => w.show('chat'));
  f.append(cancel);
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    w.s.socket?.emit('end', { transcript: wants.checked, email: email.value.trim() || undefined }, (r: { ok: boolean; reason?: string; transcript?: TranscriptAck }) => {
      if (!r.ok) return void (errorLine.textContent = r.reason ?? t.failed);
      // The hub says what became of the transcript: sent, a confirmation link mailed, or why not.
      w.s.transcriptNote = r.transcript ? (r.transcript.ok ? r.transcript.message : r.transcript.reason) : '';
      w.show('rating');
    });
  });
  return f;
}

function ratingView(w: Widget) {
  const { s } = w;
  const { t } = w.cfg;
  const { errorLine } = w.ui;
  const stars = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': t.rate });
  const drawStars = () => stars.querySelectorAll('button').forEach((b, i) => b.classList.toggle('on', i < s.rating));
  for (let i = 1; i <= 5; i++) {
    const b = el('button', { type: 'button', 'aria-label': `${i}`, 'data-rating': String(i) }, '★');
    b.addEventListener('click', () => ((s.rating = i), drawStars()));
    stars.append(b);
  }
  const comment = el('textarea', { name: 'comment', 'aria-label': t.comment, placeholder: t.comment });
  const f = el('form', { class: 'form rating' }, el('p', {}, t.ended), el('p', {}, t.rate), stars, comment, errorLine, el('button', { class: 'primary', type: 'submit' }, t.submitRating));
  const mailTo = el('input', { type: 'email', name: 'transcript-email', 'aria-label': t.email, placeholder: t.email });
  const mailBtn = el('button', { class: 'secondary transcript', type: 'button' }, t.transcript);
  mailBtn.addEventListener('click', () => {
    s.socket?.emit('transcript', { email: mailTo.value.trim() || undefined }, (r: TranscriptAck) => {
      if (r.ok) mailBtn.replaceWith(el('p', { class: 'note transcript-sent' }, r.message || t.transcriptSent));
      else errorLine.textContent = r.reason ?? t.failed;
    });
  });
  if (s.transcriptNote) f.append(el('p', { class: 'note transcript-note', role: 'status' }, s.transcriptNote));
  f.append(newChatButton(w), el('div', { class: 'transcript-box' }, mailTo, mailBtn));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!s.rating) return;
    s.socket?.emit('rate', { rating: s.rating, comment: comment.value }, (r: { ok: boolean; reason?: string }) => (r.ok ? w.show('thanks') : (errorLine.textContent = r.reason ?? t.failed)));
  });
  return f;
}

/** After a conversation: an empty chat again (the visitor keeps their token). */
function newChatButton(w: Widget) {
  const again = el('button', { class: 'secondary', type: 'button' }, w.cfg.t.newChat);
  again.addEventListener('click', () => ((w.s.messages = []), (w.s.notes = []), w.show('chat')));
  return again;
}
