// The one fetch client of the hub's browser apps: the agent app and the customer portal (same origin,
// session cookie) and the chat widget (cross-origin, visitor token in a header). One error type, one
// query-string helper.
import { VISITOR_HEADER } from '../server/src/contracts/visitor';

export { VISITOR_HEADER };

/** An answer other than 2xx: the HTTP status and the server's reason (ErrorView.message). */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `?a=1&b=x&b=y` from the set values (null, undefined and '' left out); '' when nothing is set. */
export function qs(params: Record<string, string | number | boolean | string[] | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v == null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export interface ClientOptions {
  /** prefix of every path ('' = same origin) */
  base?: string;
  /** the session cookie goes along same-origin; the widget's cross-origin calls carry no credentials */
  credentials?: RequestCredentials;
  /** the widget's visitor token, sent as VISITOR_HEADER when there is one */
  visitorToken?: () => string | null;
  /** told about every 401 (the agent app shows its "session expired" screen) unless the call is quiet401 */
  onUnauthorized?: () => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** a 401 is an expected answer here (e.g. "am I signed in?"): do not call onUnauthorized */
  quiet401?: boolean;
}

/** A JSON client (a Blob body is sent as is): `call(method, path, body?, opts?)` resolves to the parsed answer (null when empty) or throws ApiError. */
export function jsonClient(o: ClientOptions = {}) {
  return async function call<T = unknown>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = o.visitorToken?.();
    if (token) headers[VISITOR_HEADER] = token;
    // a Blob (an uploaded file, e.g. a recorded voice prompt) goes as the raw body with its own type; anything else as JSON
    const raw = typeof Blob !== 'undefined' && body instanceof Blob;
    if (body !== undefined) headers['content-type'] = raw ? (body as Blob).type || 'application/octet-stream' : 'application/json';
    const res = await fetch(`${o.base ?? ''}${path}`, {
      method,
      credentials: o.credentials ?? 'same-origin',
      headers,
      body: body === undefined ? undefined : raw ? (body as Blob) : JSON.stringify(body),
      signal: opts.signal,
    });
    const text = await res.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        // a proxy's HTML or plain-text error page: its text is the best reason we have
        data = { message: text };
      }
    }
    if (!res.ok) {
      if (res.status === 401 && !opts.quiet401) o.onUnauthorized?.();
      const d = (data ?? {}) as { message?: string; details?: unknown };
      throw new ApiError(res.status, d.message ?? (res.statusText || `HTTP ${res.status}`), d.details);
    }
    return data as T;
  };
}
