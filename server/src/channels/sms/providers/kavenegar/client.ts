import type { Config } from '../../../../config.js';

/**
 * Kavenegar's REST API (https://kavenegar.com/rest.html): `POST {base}/v1/{API-KEY}/{scope}/{method}.json` with
 * form parameters; every answer is `{ return: { status, message }, entries }`, where return.status is 200 on
 * success and otherwise Kavenegar's error code (also the HTTP status).
 */
export class KavenegarError extends Error {
  constructor(
    /** HTTP status (a number tells the caller Kavenegar answered: the outcome is known) */
    readonly status: number,
    /** Kavenegar's return.status */
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'KavenegarError';
  }
}

export class KavenegarNotConfiguredError extends Error {
  constructor() {
    super('Kavenegar is not configured: set KAVENEGAR_API_KEY');
    this.name = 'KavenegarNotConfiguredError';
  }
}

/** One message as sms/send, sms/status and sms/statuslocalmessageid list it. */
export interface KavenegarEntry {
  messageid: number;
  localid?: string | number;
  message?: string;
  status: number;
  statustext?: string;
  sender?: string;
  receptor?: string;
  date?: number;
  cost?: number;
}

/** Kavenegar's status codes for a message: 1 queued, 2 scheduled, 4/5 handed to the operator, 6 failed, 10 delivered, 11 undelivered, 13 cancelled, 14 blocked, 100 unknown id. */
export const KAVENEGAR_UNKNOWN_MESSAGE = 100;

/** 409 (server cannot answer now), 429 and 5xx are worth retrying; other codes are about the request or the account. */
export function isRetryableKavenegarError(err: unknown): boolean {
  return !(err instanceof KavenegarError) || err.status === 409 || err.status === 429 || err.status >= 500;
}

export async function kavenegarCall(config: Config, method: 'sms/send' | 'sms/status' | 'sms/statuslocalmessageid', params: Record<string, string>): Promise<KavenegarEntry[]> {
  const key = config.kavenegar.apiKey;
  if (!key) throw new KavenegarNotConfiguredError();
  let res: Response;
  try {
    res = await fetch(`${config.kavenegar.apiBaseUrl}/v1/${encodeURIComponent(key)}/${method}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    // fetch hides the socket error in `cause`: lift its code so the delivery code can tell "never connected"
    // (safe to send again) from "connection cut after the request went out" (reconcile first)
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw Object.assign(new Error(`Kavenegar unreachable: ${cause?.code ?? ''} ${cause?.message ?? (err as Error).message}`.trim()), { code: cause?.code });
  }
  const text = await res.text();
  let json: { return?: { status?: number; message?: string }; entries?: KavenegarEntry[] | KavenegarEntry };
  try {
    json = JSON.parse(text);
  } catch {
    throw new KavenegarError(res.status >= 400 ? res.status : 502, res.status, `Kavenegar answered HTTP ${res.status} without JSON`);
  }
  const code = Number(json.return?.status ?? res.status);
  if (!res.ok || code !== 200) throw new KavenegarError(res.ok ? code : res.status, code, `Kavenegar error ${code}: ${json.return?.message ?? 'no detail'}`);
  const entries = json.entries;
  return Array.isArray(entries) ? entries : entries ? [entries] : [];
}

/**
 * Kavenegar writes numbers the Iranian way: a mobile number as 09121234567; other countries with the 00 prefix.
 * The hub stores E.164 (+989121234567).
 */
export function toKavenegarNumber(e164: string): string {
  if (e164.startsWith('+98')) return `0${e164.slice(3)}`;
  return `00${e164.replace(/^\+/, '')}`;
}
