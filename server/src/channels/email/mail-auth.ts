import type { Mailbox } from './mailboxes.js';

/** Where the scope of both IMAP and SMTP access to Exchange Online is granted. */
const OUTLOOK_SCOPE = 'https://outlook.office365.com/.default';

export class MailAuthError extends Error {
  constructor(message: string, public readonly permanent: boolean) {
    super(message);
    this.name = 'MailAuthError';
  }
}

// Tokens are cached per process until shortly before they expire; losing the cache only costs a request.
const cache = new Map<string, { token: string; expiresAt: number }>();

/** An app-only access token (OAuth2 client credentials) for a mailbox in Exchange Online. */
export async function microsoftAccessToken(loginUrl: string, m: Mailbox): Promise<string> {
  const { tenantId, clientId, clientSecret } = m.auth;
  if (!tenantId || !clientId || !clientSecret) throw new MailAuthError(`mailbox ${m.address} needs a tenant id, client id and client secret for OAuth2`, true);
  const key = `${loginUrl}|${tenantId}|${clientId}|${m.version}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > Date.now() + 60_000) return hit.token;
  let res: Response;
  try {
    res = await fetch(`${loginUrl}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, scope: OUTLOOK_SCOPE, grant_type: 'client_credentials' }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new MailAuthError(`token request failed: ${(err as Error).message}`, false);
  }
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) {
    const reason = body.error_description?.split('\n')[0] ?? body.error ?? `HTTP ${res.status}`;
    // 4xx = wrong tenant, client or secret: retrying will not help.
    throw new MailAuthError(`token request refused: ${reason}`, res.status >= 400 && res.status < 500);
  }
  cache.set(key, { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 });
  return body.access_token;
}

export async function imapAuth(loginUrl: string, m: Mailbox): Promise<{ user: string; pass: string } | { user: string; accessToken: string }> {
  const user = m.imap.user ?? m.address;
  if (m.auth.method === 'oauth2-microsoft') return { user, accessToken: await microsoftAccessToken(loginUrl, m) };
  return { user, pass: m.imap.password ?? '' };
}

export async function smtpAuth(
  loginUrl: string,
  m: Mailbox,
): Promise<{ user: string; pass: string } | { type: 'OAuth2'; user: string; accessToken: string } | undefined> {
  if (m.auth.method === 'oauth2-microsoft') return { type: 'OAuth2', user: m.smtp.user ?? m.address, accessToken: await microsoftAccessToken(loginUrl, m) };
  return m.smtp.user ? { user: m.smtp.user, pass: m.smtp.password ?? '' } : undefined;
}
