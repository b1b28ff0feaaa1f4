import { escapeHtml } from '../../customer-messages/html.js';

const text = {
  en: { title: 'Sign in to the support portal', as: 'Continue as', button: 'Sign in' },
  fa: { title: 'ورود به پورتال پشتیبانی', as: 'ادامه با', button: 'ورود' },
};

/** The page a magic link opens: one button that spends the link. No script, so link scanners cannot press it. */
export function confirmPage(language: string, who: string, token: string): string {
  const l = language === 'fa' ? 'fa' : 'en';
  const t = text[l];
  return `<!doctype html>
<html lang="${l}" dir="${l === 'fa' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(t.title)}</title>
<style>body{font-family:system-ui,Tahoma,sans-serif;background:#f6f7f9;display:flex;justify-content:center;padding-top:12vh}
main{background:#fff;padding:28px;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.1);max-width:26rem}
button{background:#0b5fff;color:#fff;border:0;border-radius:8px;padding:10px 18px;font:inherit;cursor:pointer}</style></head>
<body><main><h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.as)} <b dir="ltr">${escapeHtml(who)}</b></p>
<form method="post" action="/portal/auth/verify"><input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${escapeHtml(t.button)}</button></form></main></body></html>`;
}
