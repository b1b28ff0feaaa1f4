// The widget's elements: the launcher and, in a shadow root (the page's styles do not reach it), the panel with its
// header, status line, body, and the chat view's parts (log, typing line, composer) that outlive view changes.
import { el } from './dom.js';
import { css } from './styles.js';
import type { WidgetConfig } from './widget.js';

export function buildShell(cfg: WidgetConfig) {
  const { t, lang } = cfg;
  const host = el('div', { id: 'contact-hub-widget' });
  document.body.append(host);
  const root = host.attachShadow({ mode: 'open' });
  root.append(el('style', {}, css(cfg.colour)));
  const launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': t.open, part: 'launcher' }, cfg.title ?? t.open);
  const panel = el('section', { class: 'panel', role: 'dialog', 'aria-label': cfg.title ?? t.title, dir: lang === 'fa' ? 'rtl' : 'ltr', lang });
  panel.hidden = true;
  root.append(launcher, panel);

  const endBtn = el('button', { type: 'button', class: 'end' }, t.end);
  const closeBtn = el('button', { type: 'button', class: 'close', 'aria-label': t.close }, '×');
  const header = el('header', {}, el('h2', {}, cfg.title ?? t.title), endBtn, closeBtn);
  const statusBar = el('div', { class: 'status', role: 'status' });
  const body = el('div', { class: 'body' });
  body.style.cssText = 'flex:1;display:flex;flex-direction:column;min-height:0';
  panel.append(header, statusBar, body);

  const log = el('div', { class: 'log', 'aria-live': 'polite' });
  const typingLine = el('div', { class: 'typing' });
  const textarea = el('textarea', { 'aria-label': t.placeholder, placeholder: t.placeholder, rows: '1' });
  const fileInput = el('input', { type: 'file', 'aria-label': t.attach });
  const errorLine = el('div', { class: 'error', role: 'alert' });
  const composer = el('form', { class: 'composer' }, el('label', { class: 'file', title: t.attach }, '📎', fileInput), textarea, el('button', { class: 'primary', type: 'submit' }, t.send));
  return { launcher, panel, endBtn, closeBtn, statusBar, body, log, typingLine, textarea, fileInput, errorLine, composer };
}
export type Shell = ReturnType<typeof buildShell>;
