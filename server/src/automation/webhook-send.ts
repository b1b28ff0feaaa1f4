import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { parseWebhookUrl, resolveWebhookHost, WebhookTargetError } from './webhook-target.js';

/** The headers of a delivery (documented in the README, "Outbound webhooks"). */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-contacthub-timestamp',
  signature: 'x-contacthub-signature',
  event: 'x-contacthub-event',
  delivery: 'x-contacthub-delivery',
} as const;

/** `sha256=` + hex HMAC-SHA256 with the webhook's secret over `<timestamp>.<body>` (timestamp: Unix seconds). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check (used by the tests; the README shows the same in a few lines). */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string, toleranceSeconds = 300, now = Date.now()): boolean {
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const want = Buffer.from(webhookSignature(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookResponse {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * One POST of a signed JSON body. The host is resolved and checked here and the socket connects to the checked
 * address (the `lookup` hook), so a name cannot be re-pointed at a private address between check and connect.
 * Redirects are not followed (a 3xx counts as a failure, like any other non-2xx).
 */
export async function postWebhook(
  a: { url: string; secret: string; event: string; deliveryId: number; body: string; timeoutMs: number; allowPrivate: boolean; now?: number },
): Promise<WebhookResponse> {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null): WebhookResponse => ({ statusCode, error, durationMs: Date.now() - started });
  let url: URL;
  let addresses: { address: string; family: number }[];
  try {
    url = parseWebhookUrl(a.url);
    addresses = await resolveWebhookHost(url.hostname, a.allowPrivate);
  } catch (err) {
    if (err instanceof WebhookTargetError) return done(null, err.message);
    throw err;
  }
  const timestamp = String(Math.floor((a.now ?? Date.now()) / 1000));
  const pinned: LookupFunction = (_host, options, cb) => {
    const first = addresses[0]!;
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, addresses);
    else cb(null, first.address, first.family);
  };
  return new Promise<WebhookResponse>((resolve) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        timeout: a.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'contact-hub-webhooks/1',
          [WEBHOOK_HEADERS.timestamp]: timestamp,
          [WEBHOOK_HEADERS.signature]: webhookSignature(a.secret, timestamp, a.body),
          [WEBHOOK_HEADERS.event]: a.event,
          [WEBHOOK_HEADERS.delivery]: String(a.deliveryId),
          'content-length': Buffer.byteLength(a.body),
        },
      },
      (res) => {
        // the answer's body is not kept (a receiver could send anything); only its status code
        res.resume();
        res.on('end', () => resolve(done(res.statusCode ?? null, res.statusCode && res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`)));
        res.on('error', (err) => resolve(done(res.statusCode ?? null, err.message)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${a.timeoutMs} ms`)));
    req.on('error', (err) => resolve(done(null, err.message)));
    req.end(a.body);
  });
}

/** How long to wait before retry n (1-based): base × 2^(n−1), at most an hour. */
export function webhookBackoffMs(retry: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retry - 1), 3_600_000);
}
