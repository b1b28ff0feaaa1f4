import { escapeHtml } from '../../customer-messages/html.js';
import { lang, t } from '../../customer-messages/messages.js';

const STYLE = `<style>body{font-family:system-ui,Tahoma,sans-serif;background:#f6f7f9;display:flex;justify-content:center;padding-top:12vh}
main{background:#fff;padding:28px;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.1);max-width:26rem}
button{background:#0b5fff;color:#fff;border:0;border-radius:8px;padding:10px 18px;font:inherit;cursor:pointer}</style>`;

function page(language: string, title: string, body: string): string {
  const l = lang(language);
  return `<!doctype html>
<html lang="${l}" dir="${l === 'fa' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>${STYLE}</head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** The page a transcript confirmation link opens: one button spends it (no script, so mail scanners cannot). */
export function transcriptConfirmPage(language: string, email: string, token: string): string {
  const m = t(language);
  return page(
    language,
    m.transcriptConfirmTitle,
    `<p>${escapeHtml(m.transcriptConfirmAs)} <b dir="ltr">${escapeHtml(email)}</b></p>
<form method="post" action="/widget/transcripts/confirm"><input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${escapeHtml(m.transcriptConfirmButton)}</button></form>`,
  );
}

export function transcriptResultPage(language: string, status: 'sent' | 'already_sent' | 'invalid'): string {
  const m = t(language);
  const text = status === 'sent' ? m.transcriptOnItsWay : status === 'already_sent' ? m.transcriptAlreadySent : m.transcriptLinkBad;
  return page(language, m.transcriptConfirmTitle, `<p>${escapeHtml(text)}</p>`);
}
