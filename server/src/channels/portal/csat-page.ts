import { escapeHtml } from '../../customer-messages/html.js';

const text = {
  en: {
    title: 'How did we do?',
    ask: (n: number) => `How happy are you with the help on request #${n}?`,
    labels: ['Very unhappy', 'Unhappy', 'Neutral', 'Happy', 'Very happy'],
    comment: 'Anything to add? (optional)',
    thanks: 'Thank you for your rating.',
    current: (r: number) => `Your rating: ${r} of 5. You can change it below.`,
    gone: 'This rating link is not valid any more.',
  },
  fa: {
    title: 'از خدمات ما راضی بودید؟',
    ask: (n: number) => `چقدر از پاسخ‌گویی به درخواست #${n} راضی هستید؟`,
    labels: ['خیلی ناراضی', 'ناراضی', 'معمولی', 'راضی', 'خیلی راضی'],
    comment: 'توضیحی دارید؟ (اختیاری)',
    thanks: 'از امتیاز شما سپاسگزاریم.',
    current: (r: number) => `امتیاز شما: ${r} از ۵. می‌توانید آن را تغییر دهید.`,
    gone: 'این پیوند امتیازدهی دیگر معتبر نیست.',
  },
};

function page(l: 'en' | 'fa', title: string, inner: string): string {
  return `<!doctype html>
<html lang="${l}" dir="${l === 'fa' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,Tahoma,sans-serif;background:#f6f7f9;display:flex;justify-content:center;padding-top:10vh}
main{background:#fff;padding:28px;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.1);max-width:30rem}
.stars{display:flex;gap:8px;flex-wrap:wrap;margin:12px 0}
button{background:#0b5fff;color:#fff;border:0;border-radius:8px;padding:10px 14px;font:inherit;cursor:pointer}
textarea{width:100%;box-sizing:border-box;min-height:4rem;font:inherit}</style></head>
<body><main>${inner}</main></body></html>`;
}

/** The page a CSAT link opens (SMS or email after a solve): five buttons, an optional comment. No script. */
export function csatPage(language: string, caseNumber: number, token: string, current: number | null, done = false): string {
  const l = language === 'fa' ? 'fa' : 'en';
  const t = text[l];
  const head = done ? `<p role="status">${escapeHtml(t.thanks)}</p>` : current ? `<p>${escapeHtml(t.current(current))}</p>` : '';
  const buttons = t.labels
    .map((label, i) => `<button type="submit" name="rating" value="${i + 1}" title="${escapeHtml(label)}">${i + 1} · ${escapeHtml(label)}</button>`)
    .join('');
  return page(
    l,
    t.title,
    `<h1>${escapeHtml(t.title)}</h1>${head}<p>${escapeHtml(t.ask(caseNumber))}</p>
<form method="post" action="/portal/csat/${escapeHtml(encodeURIComponent(token))}"><label>${escapeHtml(t.comment)}<textarea name="comment" maxlength="2000"></textarea></label>
<div class="stars">${buttons}</div></form>`,
  );
}

export function csatGonePage(language: string): string {
  const l = language === 'fa' ? 'fa' : 'en';
  return page(l, text[l].title, `<h1>${escapeHtml(text[l].title)}</h1><p>${escapeHtml(text[l].gone)}</p>`);
}
