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

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};
/** The session store registers here so any 401 anywhere ends in the "session expired" screen. */
export function setUnauthorizedHandler(fn: UnauthorizedHandler): void {
  onUnauthorized = fn;
}

export async function http<T>(method: string, url: string, body?: unknown, opts: { signal?: AbortSignal; quiet401?: boolean } = {}): Promise<T> {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: opts.signal,
  });
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) onUnauthorized();
    const d = (data ?? {}) as { message?: string; details?: unknown };
    throw new ApiError(res.status, d.message ?? res.statusText, d.details);
  }
  return data as T;
}

export const get = <T>(url: string, signal?: AbortSignal) => http<T>('GET', url, undefined, { signal });
export const post = <T>(url: string, body: unknown = {}) => http<T>('POST', url, body);
export const patch = <T>(url: string, body: unknown) => http<T>('PATCH', url, body);
export const del = <T>(url: string) => http<T>('DELETE', url);

export const qs = (params: Record<string, string | number | string[] | undefined | null>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v == null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
};
