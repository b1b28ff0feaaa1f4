import twilio from 'twilio';
import type { Config } from '../../config.js';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

type RequestOptions<T> = RequestClient.RequestOptions<T>;

export type TwilioClient = ReturnType<typeof twilio>;

/** Thrown when an operation needs Twilio credentials the deployment has not configured. */
export class TwilioNotConfiguredError extends Error {
  constructor(what: string) {
    super(`Twilio is not configured: ${what}`);
    this.name = 'TwilioNotConfiguredError';
  }
}

/**
 * The official HTTP client, with every request to *.twilio.com re-pointed at TWILIO_API_BASE_URL when set
 * (a regional proxy, or a local stand-in of the REST API). Bodies, auth and error handling stay the library's own.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ timeout: 15_000 });
  }
  override request<TData>(opts: RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rebaseTwilioUrl(opts.uri, this.baseUrl) });
  }
}

/** Rewrites an api.twilio.com URL (REST, media, recordings) onto the configured base URL. */
export function rebaseTwilioUrl(uri: string, baseUrl: string | null): string {
  if (!baseUrl) return uri;
  const u = new URL(uri);
  if (!/(^|\.)twilio\.com$/.test(u.hostname)) return uri;
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  return `${base.origin}${basePath}${u.pathname}${u.search}`;
}

// One client per credential set and base URL: it is stateless apart from its keep-alive agent.
const clients = new Map<string, TwilioClient>();

export function twilioClient(config: Config): TwilioClient {
  const { accountSid, authToken, apiBaseUrl } = config.twilio;
  if (!accountSid || !authToken) throw new TwilioNotConfiguredError('set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
  const key = `${accountSid}|${authToken}|${apiBaseUrl ?? ''}`;
  let c = clients.get(key);
  if (!c) {
    c = twilio(accountSid, authToken, apiBaseUrl ? { httpClient: new BaseUrlRequestClient(apiBaseUrl) } : { timeout: 15_000 });
    clients.set(key, c);
  }
  return c;
}

/** Twilio's answer to a failed REST call: HTTP status plus Twilio's own error code. */
export function restErrorInfo(err: unknown): { status: number | null; code: number | null; message: string } {
  const e = err as { status?: number; code?: number | string; message?: string };
  const status = typeof e?.status === 'number' ? e.status : null;
  const code = typeof e?.code === 'number' ? e.code : null;
  return { status, code, message: e?.message ?? String(err) };
}

/** 429 and 5xx are worth retrying (and so are network failures: no status); other 4xx are not. */
export function isRetryableTwilioError(err: unknown): boolean {
  const { status } = restErrorInfo(err);
  return status === null || status === 429 || status >= 500;
}
