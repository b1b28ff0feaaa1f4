import { createHmac } from 'node:crypto';

/**
 * Our outgoing Message-IDs carry the case: <ch.{caseId}.{interactionId}.{tag}@domain>. The tag is an
 * HMAC so a forged id cannot point mail at an arbitrary case; threading still also requires the sender
 * to belong to the case.
 */
export function outgoingMessageId(key: Buffer, caseId: number, interactionId: number, domain: string): string {
  return `ch.${caseId}.${interactionId}.${tag(key, caseId, interactionId)}@${domain}`;
}

export function caseIdFromMessageId(key: Buffer, id: string): number | null {
  const m = /^ch\.(\d{1,15})\.(\d{1,15})\.([0-9a-f]{16})@/.exec(id);
  if (!m) return null;
  const caseId = Number(m[1]);
  return tag(key, caseId, Number(m[2])) === m[3] ? caseId : null;
}

function tag(key: Buffer, caseId: number, interactionId: number): string {
  return createHmac('sha256', key).update(`message-id:${caseId}.${interactionId}`).digest('hex').slice(0, 16);
}

/** Message-IDs as stored: without angle brackets or whitespace. */
export function normaliseMessageId(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const m = /<([^<>]+)>/.exec(raw);
  const v = (m ? m[1] : raw).replace(/\s+/g, '').trim();
  return v && v.length <= 900 ? v : null;
}

/** All ids of a References / In-Reply-To header (string or list), in order, without duplicates. */
export function messageIdList(...values: (string | string[] | undefined | null)[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!v) continue;
    for (const part of Array.isArray(v) ? v : [v]) {
      const found = part.match(/<[^<>]+>/g) ?? part.split(/\s+/);
      for (const f of found) {
        const id = normaliseMessageId(f);
        if (id && !out.includes(id)) out.push(id);
      }
    }
  }
  return out;
}

export function domainOf(address: string): string {
  return address.split('@')[1] ?? 'localhost';
}
