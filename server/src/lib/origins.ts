import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';

/**
 * Which web pages may act with a signed-in person's cookie: the hub's own origin (PUBLIC_URL, or
 * the very host the request was sent to) and the origins listed in ALLOWED_ORIGINS. Used by the
 * CSRF check on HTTP mutations and by the Socket.IO handshake.
 */
export interface OriginPolicy {
  isAllowed(origin: string): boolean;
  /** Whether a cookie-carrying browser request comes from one of our pages; a reason when not. */
  check(headers: IncomingHttpHeaders): { ok: true } | { ok: false; reason: string };
}

export function originPolicy(config: Pick<Config, 'publicUrl' | 'allowedOrigins'>): OriginPolicy {
  const allowed = new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins]);
  const isAllowed = (origin: string) => allowed.has(origin);
  return {
    isAllowed,
    check(headers) {
      const origin = typeof headers.origin === 'string' ? headers.origin : undefined;
      if (origin !== undefined) {
        if (isAllowed(origin)) return { ok: true };
        // Same origin as the address the browser used (e.g. the hub opened by IP on a LAN): a
        // browser always sends the Host it connects to, so another site cannot fake this pair.
        if (origin !== 'null' && headers.host && sameHost(origin, headers.host)) return { ok: true };
        return { ok: false, reason: `requests signed in by cookie must come from the hub's own pages (Origin ${origin} is not allowed; see ALLOWED_ORIGINS)` };
      }
      const site = headers['sec-fetch-site'];
      if (site === 'same-origin') return { ok: true };
      if (typeof site === 'string') return { ok: false, reason: `requests signed in by cookie must come from the hub's own pages (Sec-Fetch-Site: ${site})` };
      return { ok: false, reason: 'requests signed in by cookie must say where they come from (Origin header); API clients sign in with a bearer token instead' };
    },
  };
}

/** Whether `origin` names the host the browser connected to (`host` header); false when either is not a URL. */
function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === new URL(`${new URL(origin).protocol}//${host}`).host;
  } catch {
    return false; // not a URL: refused by the caller
  }
}
