import { ImapFlow } from 'imapflow';
import type pg from 'pg';
import type { Log } from '../../../server/src/lib/log.js';
import type { Mailbox } from '../../../server/src/channels/email/mailboxes.js';
import { ingestRawEmail, storeUnprocessableEmail, type EmailInboundDeps } from '../../../server/src/channels/email/inbound.js';
import { imapAuth } from '../../../server/src/channels/email/mail-auth.js';
import { settleWithin } from '../../../server/src/lib/with-timeout.js';
import { bestEffort } from '../../../server/src/lib/best-effort.js';

export interface ImapSessionOptions {
  mailbox: Mailbox;
  db: pg.Pool;
  inbound: EmailInboundDeps;
  log: Log;
  /** Microsoft identity platform, for mailboxes signing in with OAuth2. */
  loginUrl?: string;
  /** Reconnect delays: doubled per failed attempt from initialMs up to maxMs (with jitter). */
  backoff?: { initialMs: number; maxMs: number };
  /** Called with each UID fetched from the server (observability). */
  onFetched?: (uid: number) => void;
}

export interface ImapSession {
  stop(): Promise<void>;
}

const MAX_ATTEMPTS_PER_MESSAGE = 3;

/**
 * One IMAP connection for one mailbox: selects the folder, fetches every UID after the last one recorded
 * in Postgres, then waits in IDLE (new mail arrives within seconds) with a slow poll as fallback.
 * A lost connection is re-opened with exponential backoff; the reason is logged and kept on the mailbox.
 */
export function startImapSession(o: ImapSessionOptions): ImapSession {
  const { mailbox, db, log } = o;
  const backoff = o.backoff ?? { initialMs: 1000, maxMs: 60_000 };
  const failures = new Map<number, number>();
  let stopped = false;
  let client: ImapFlow | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const recordError = async (reason: string) => {
    await bestEffort(
      db.query(`UPDATE mailboxes SET last_error = $2, last_error_at = now() WHERE id = $1`, [mailbox.id, reason.slice(0, 1000)]),
      log,
      'recording the mailbox error',
    );
  };

  // Failed attempts in a row; only a completed sync resets it, so a database outage backs off too.
  let attempt = 0;
  let syncing = false;
  let again = false;
  const sync = async (c: ImapFlow) => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    try {
      do {
        again = false;
        await syncOnce(c);
        attempt = 0;
      } while (again && !stopped && c.usable);
    } catch (err) {
      if (stopped) return;
      const reason = describe(err);
      log.warn({ mailbox: mailbox.address, reason }, 'mailbox sync failed; reconnecting');
      await recordError(reason);
      // Start over on a fresh connection: the session state is unknown after a failed command.
      c.close();
    } finally {
      syncing = false;
    }
  };

  const syncOnce = async (c: ImapFlow) => {
    const validity = Number(c.mailbox && c.mailbox.uidValidity);
    const st = await db.query(`SELECT uid_validity, last_uid FROM mailboxes WHERE id = $1`, [mailbox.id]);
    if (!st.rowCount) return;
    let lastUid: number = st.rows[0].last_uid;
    if (st.rows[0].uid_validity !== validity) {
      // A new UIDVALIDITY means old UIDs mean nothing: read the folder again; Message-IDs keep it duplicate-free.
      if (st.rows[0].uid_validity !== null) log.warn({ mailbox: mailbox.address, was: st.rows[0].uid_validity, now: validity }, 'UIDVALIDITY changed; rereading folder');
      await db.query(`UPDATE mailboxes SET uid_validity = $2, last_uid = 0 WHERE id = $1`, [mailbox.id, validity]);
      lastUid = 0;
    }
    const exists = c.mailbox ? c.mailbox.exists : 0;
    const found = exists ? await c.search({ uid: `${lastUid + 1}:*` }, { uid: true }) : [];
    const uids = (found || []).filter((u) => u > lastUid).sort((a, b) => a - b);
    for (const uid of uids) {
      if (stopped || !c.usable) return;
      const m = await c.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      if (m && m.source) {
        o.onFetched?.(uid);
        try {
          await ingestRawEmail(o.inbound, m.source, { mailbox, source: 'imap', uid });
          failures.delete(uid);
        } catch (err) {
          const n = (failures.get(uid) ?? 0) + 1;
          failures.set(uid, n);
          if (n < MAX_ATTEMPTS_PER_MESSAGE) throw err;
          log.error({ mailbox: mailbox.address, uid, err }, 'message could not be ingested; kept raw and flagged');
          await storeUnprocessableEmail(db, m.source, describe(err));
          failures.delete(uid);
        }
      }
      // Only a committed message moves the mark; a crash before this line refetches it (and dedupes).
      await db.query(
        `UPDATE mailboxes SET last_uid = GREATEST(last_uid, $2), last_sync_at = now() WHERE id = $1 AND uid_validity = $3`,
        [mailbox.id, uid, validity],
      );
      if (m) {
        if (mailbox.imap.markSeen) await c.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
        if (mailbox.imap.processedFolder) await c.messageMove(String(uid), mailbox.imap.processedFolder, { uid: true });
      }
    }
    await db.query(`UPDATE mailboxes SET last_sync_at = now(), last_error = NULL WHERE id = $1`, [mailbox.id]);
  };

  const loop = async () => {
    while (!stopped) {
      let auth;
      try {
        auth = await imapAuth(o.loginUrl ?? 'https://login.microsoftonline.com', mailbox);
      } catch (err) {
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt++);
        log.warn({ mailbox: mailbox.address, reason: describe(err), retryInMs: delay }, 'IMAP sign-in token unavailable');
        await recordError(describe(err));
        await sleep(delay);
        continue;
      }
      const c = new ImapFlow({
        host: mailbox.imap.host!,
        port: mailbox.imap.port,
        secure: mailbox.imap.tls,
        auth,
        logger: false,
        // Go idle right after a sync so new mail is announced at once; restart IDLE every few minutes
        // because some servers and NAT boxes silently drop long-idle connections.
        autoIdleDelay: 500,
        maxIdleTime: 4 * 60_000,
        connectionTimeout: 20_000,
        greetingTimeout: 15_000,
        socketTimeout: 10 * 60_000,
      });
      client = c;
      let reason = 'connection closed';
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.on('error', (err: Error) => {
        reason = describe(err);
      });
      let poll: NodeJS.Timeout | null = null;
      try {
        await c.connect();
        await c.mailboxOpen(mailbox.imap.folder);
        if (attempt > 0) log.info({ mailbox: mailbox.address }, 'IMAP connection restored');
        c.on('exists', () => void sync(c));
        poll = setInterval(() => void sync(c), mailbox.imap.pollIntervalSeconds * 1000);
        await sync(c);
        await closed;
      } catch (err) {
        reason = describe(err);
      } finally {
        if (poll) clearInterval(poll);
        if (c.usable) await c.logout().catch(() => c.close());
        else c.close();
      }
      if (stopped) break;
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      attempt++;
      log.warn({ mailbox: mailbox.address, reason, retryInMs: Math.round(delay) }, 'IMAP connection lost; reconnecting');
      await recordError(reason);
      await sleep(delay);
    }
  };

  const running = loop().catch((err) => log.error({ err, mailbox: mailbox.address }, 'IMAP session crashed'));
  return {
    async stop() {
      stopped = true;
      wake?.();
      const c = client;
      if (c) {
        if (c.usable) await settleWithin(c.logout(), 2000);
        c.close();
      }
      await running;
    },
  };
}

function describe(err: unknown): string {
  const e = err as Error & { responseText?: string; code?: string; authenticationFailed?: boolean };
  if (e?.authenticationFailed) return `authentication failed${e.responseText ? `: ${e.responseText}` : ''}`;
  return [e?.message ?? String(err), e?.responseText, e?.code].filter(Boolean).join(' — ').slice(0, 1000);
}
