/**
 * Mail that must never trigger an automatic response: out-of-office and other auto-replies, delivery
 * reports (bounces) and mailing-list traffic. Detection follows RFC 3834 and common mailer practice.
 */
export type NoiseKind = 'auto-reply' | 'bounce' | 'list' | null;

export function classifyNoise(headers: Record<string, string>, contentType: string, from: string | null): NoiseKind {
  const h = (k: string) => (headers[k] ?? '').toLowerCase().trim();
  if (/^multipart\/report/.test(contentType) && /report-type\s*=\s*"?(delivery-status|disposition-notification)/.test(contentType)) return 'bounce';
  if (headers['return-path'] !== undefined && /^<\s*>$/.test(h('return-path'))) return 'bounce';
  if (from && /^(mailer-daemon|postmaster)@/i.test(from)) return 'bounce';
  if (h('auto-submitted') && h('auto-submitted') !== 'no') return 'auto-reply';
  if (headers['x-autoreply'] !== undefined || headers['x-autorespond'] !== undefined || headers['x-autoresponder'] !== undefined) return 'auto-reply';
  if (/^(auto-replied|autoreply|all|oof)/.test(h('x-auto-response-suppress')) && /^(auto|automatic|out of office|abwesend)/i.test(headers.subject ?? '')) return 'auto-reply';
  const precedence = h('precedence');
  if (precedence === 'auto_reply') return 'auto-reply';
  if (['bulk', 'junk', 'list'].includes(precedence)) return 'list';
  if (headers['list-id'] !== undefined || headers['list-unsubscribe'] !== undefined || headers['list-post'] !== undefined) return 'list';
  if (headers['feedback-id'] !== undefined && headers['list-unsubscribe'] !== undefined) return 'list';
  return null;
}

/** Addresses that never read what they are sent. */
export function isNoReplyAddress(address: string): boolean {
  return /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)([+._-].*)?@/i.test(address);
}
