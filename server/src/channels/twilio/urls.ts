import type { Config } from '../../config.js';

/**
 * The absolute URL Twilio is told to call. Twilio signs exactly this URL, so it is built from
 * PUBLIC_URL (the address Twilio sees, in front of any proxy), never from the request's Host header.
 */
export function webhookUrl(config: Config, path: string, query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return `${config.publicUrl}/webhooks/twilio${path}${qs ? `?${qs}` : ''}`;
}
