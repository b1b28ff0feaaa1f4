/**
 * The new part of a reply: quoted history ("On … wrote:", "-----Original Message-----", Outlook header
 * blocks, "> " lines) and the signature are cut. The full message stays in the raw event and the HTML.
 */
export function trimQuotedText(text: string): { text: string; trimmed: boolean } {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    const next = (lines[i + 1] ?? '').trim();
    if (
      /^-{2,}\s*(original message|forwarded message|پیام اصلی)\s*-{2,}$/i.test(l) ||
      /^_{10,}$/.test(l) ||
      /^(on|le|am|el)\s.{3,200}\s(wrote|a écrit|schrieb|escribió):$/i.test(l) ||
      (/^(on|le|am|el)\s.{3,200}$/i.test(l) && /^.{0,200}(wrote|a écrit|schrieb|escribió):$/i.test(next) && i + 1 < lines.length) ||
      /^در\s.{3,200}\sنوشت:?$/.test(l) ||
      (/^from:\s.+/i.test(l) && lines.slice(i + 1, i + 5).some((x) => /^(sent|date|to|subject):\s/i.test(x.trim()))) ||
      (/^از:\s.+/.test(l) && lines.slice(i + 1, i + 5).some((x) => /^(ارسال|تاریخ|به|موضوع):/.test(x.trim())))
    ) {
      if (/forwarded message/i.test(l) && i === firstContentLine(lines)) continue; // a pure forward: keep it
      cut = i;
      break;
    }
    if (l.startsWith('>') && lines.slice(i).every((x) => !x.trim() || x.trim().startsWith('>'))) {
      cut = i;
      break;
    }
  }
  let kept = lines.slice(0, cut);
  const sig = kept.findIndex((l) => l === '-- ' || l === '--' || l === '—');
  if (sig > 0) kept = kept.slice(0, sig);
  const out = kept.join('\n').replace(/\s+$/, '');
  if (!out.trim()) return { text: text.trim(), trimmed: false };
  return { text: out, trimmed: out.length < text.replace(/\r\n/g, '\n').replace(/\s+$/, '').length };
}

function firstContentLine(lines: string[]): number {
  return lines.findIndex((l) => l.trim() !== '');
}
