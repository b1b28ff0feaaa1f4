// The one fetch client of the customer-facing apps (portal: same origin, session cookie; widget:
// cross-origin, visitor token in a header). One error type, one query-string helper.
import { VISITOR_HEADER } from '../../server/src/contracts/visitor';

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
  /** the portal's session cookie goes along; the widget's cross-origin calls carry no credentials */
  credentials?: RequestCredentials;
  /** the widget's visitor token, sent as VISITOR_HEADER when there is one */
  visitorToken?: () => string | null;
}

/** A JSON client: `call(method, path, body?)` resolves to the parsed answer or throws ApiError. */
export function jsonClient(o: ClientOptions = {}) {
  return async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = o.visitorToken?.();
    if (token) headers[VISITOR_HEADER] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${o.base ?? ''}${path}`, {
      method,
      credentials: o.credentials ?? 'same-origin',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data: unknown = {};
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { message: text };
      }
    }
    if (!res.ok) {
      const d = data as { message?: string; details?: unknown };
      throw new ApiError(res.status, d.message ?? `HTTP ${res.status}`, d.details);
    }
    return data as T;
  };
}
