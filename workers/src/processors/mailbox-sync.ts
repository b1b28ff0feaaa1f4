import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Log } from '../../../server/src/lib/log.js';
import { imapMailboxes } from '../../../server/src/channels/email/mailboxes.js';
import type { EmailInboundDeps } from '../../../server/src/channels/email/inbound.js';
import { startImapSession, type ImapSession, type ImapSessionOptions } from './imap-mailbox.js';
import { bestEffort } from '../../../server/src/lib/best-effort.js';

export interface MailboxSyncOptions {
  db: pg.Pool;
  redis: Redis;
  /** Redis key prefix (the queue prefix): leases are per environment. */
  prefix: string;
  encryptionKey: Buffer;
  inbound: EmailInboundDeps;
  log: Log;
  /** Microsoft identity platform, for mailboxes signing in with OAuth2. */
  loginUrl?: string;
  /** How often mailbox configuration is re-read and leases renewed. */
  refreshMs?: number;
  /** A lease not renewed for this long is free for another worker process. */
  leaseMs?: number;
  backoff?: ImapSessionOptions['backoff'];
  onFetched?: (mailboxId: number, uid: number) => void;
}

// Renew / release only a lease we still hold.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Keeps one IMAP session per active mailbox across all worker processes: a process runs a mailbox only
 * while it holds that mailbox's Redis lease, so two workers never read (and mark or move) the same folder.
 * A crashed worker's leases expire and another process takes its mailboxes over.
 */
export function startMailboxSync(o: MailboxSyncOptions): () => Promise<void> {
  const refreshMs = o.refreshMs ?? 5000;
  const leaseMs = o.leaseMs ?? Math.max(30_000, refreshMs * 4);
  const owner = randomUUID();
  const sessions = new Map<number, { version: string; session: ImapSession; renewedAt: number }>();
  const leaseKey = (id: number) => `${o.prefix}:mailbox-lease:${id}`;
  let stopped = false;
  let ticking: Promise<void> | null = null;

  const stopSession = async (id: number, release: boolean) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.session.stop();
    if (release) await bestEffort(o.redis.eval(RELEASE, 1, leaseKey(id), owner), o.log, 'releasing the mailbox lease');
  };

  const tick = async () => {
    let wanted;
    try {
      wanted = await imapMailboxes(o.db, o.encryptionKey);
    } catch (err) {
      o.log.warn({ err }, 'could not read mailboxes; keeping current sessions');
      wanted = null;
    }
    if (wanted) {
      const ids = new Set(wanted.map((m) => m.id));
      for (const id of [...sessions.keys()]) if (!ids.has(id)) await stopSession(id, true);
      for (const m of wanted) {
        if (stopped) return;
        const cur = sessions.get(m.id);
        if (cur && cur.version !== m.version) {
          o.log.info({ mailbox: m.address }, 'mailbox settings changed; reconnecting');
          await stopSession(m.id, false);
        }
        if (sessions.has(m.id)) continue;
        const got = await bestEffort(o.redis.set(leaseKey(m.id), owner, 'PX', leaseMs, 'NX'), o.log, 'taking the mailbox lease');
        const mine = got === 'OK' || (await bestEffort(o.redis.get(leaseKey(m.id)), o.log, 'reading the mailbox lease')) === owner;
        if (!mine) continue;
        await bestEffort(o.redis.pexpire(leaseKey(m.id), leaseMs), o.log, 'renewing the mailbox lease');
        const session = startImapSession({
          mailbox: m,
          db: o.db,
          inbound: o.inbound,
          log: o.log,
          loginUrl: o.loginUrl,
          backoff: o.backoff,
          onFetched: o.onFetched ? (uid) => o.onFetched!(m.id, uid) : undefined,
        });
        sessions.set(m.id, { version: m.version, session, renewedAt: Date.now() });
      }
    }
    for (const [id, s] of sessions) {
      const ok = await bestEffort(o.redis.eval(RENEW, 1, leaseKey(id), owner, String(leaseMs)), o.log, 'renewing the mailbox lease');
      if (ok === 1) s.renewedAt = Date.now();
      else if (ok === 0 || Date.now() - s.renewedAt > leaseMs * 0.8) {
        // Lost the lease (or cannot confirm it before it runs out): another process may take over.
        o.log.warn({ mailboxId: id }, 'mailbox lease lost; stopping its IMAP session');
        await stopSession(id, false);
      }
    }
  };

  const run = () => {
    if (stopped || ticking) return;
    ticking = tick()
      .catch((err) => o.log.warn({ err }, 'mailbox supervisor tick failed'))
      .finally(() => {
        ticking = null;
      });
  };
  const timer = setInterval(run, refreshMs);
  run();

  return async () => {
    stopped = true;
    clearInterval(timer);
    await ticking;
    await Promise.all([...sessions.keys()].map((id) => stopSession(id, true)));
  };
}
