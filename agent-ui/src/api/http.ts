// The agent app's calls go through the one client the browser apps share (ui-shared/http.ts); this
// module only adds the "session expired" hook and the short verbs the resources use.
import { ApiError, jsonClient, qs, type CallOptions } from '../../../ui-shared/http';

export { ApiError, qs };

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;
/** The session store registers here so any 401 anywhere ends in the "session expired" screen. */
export function setUnauthorizedHandler(fn: UnauthorizedHandler): void {
  onUnauthorized = fn;
}

const call = jsonClient({ credentials: 'same-origin', onUnauthorized: () => onUnauthorized?.() });

export const http = <T>(method: string, url: string, body?: unknown, opts: CallOptions = {}): Promise<T> => call<T>(method, url, body, opts);
export const get = <T>(url: string, signal?: AbortSignal) => http<T>('GET', url, undefined, { signal });
export const post = <T>(url: string, body: unknown = {}) => http<T>('POST', url, body);
export const patch = <T>(url: string, body: unknown) => http<T>('PATCH', url, body);
export const del = <T>(url: string) => http<T>('DELETE', url);
