/** Small server-rendered pages for one-time links (set-up, password links): no script, no session. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const plainPage = (title: string, body: string, lang: 'en' | 'fa' = 'en') => `<!doctype html>
<html lang="${lang}" dir="${lang === 'fa' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · contact-hub</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
label{display:block;margin:1rem 0 .25rem}input,select{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}
fieldset{border:1px solid #d1d5db;border-radius:6px;margin:1rem 0;padding:0 1rem 1rem}.err{color:#b91c1c}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

/** The time zones the runtime knows, for a select list. */
export function timeZoneOptions(selected: string): string {
  const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? ['UTC', 'Asia/Tehran', 'Europe/London'];
  const all = zones.includes('UTC') ? zones : ['UTC', ...zones];
  return all.map((z) => `<option value="${esc(z)}"${z === selected ? ' selected' : ''}>${esc(z)}</option>`).join('');
}
