import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { REDIS_URL } from '../helpers/env.js';
import { startMailboxSync } from '../../workers/src/processors/mailbox-sync.js';
import { adminToken, buildMail, uniqueMessageId, waitFor } from './email-helpers.js';

const USER = 'support@example.test';
let ctx: TestContext;
let dovecot: Dovecot;
let redis: Redis;
let token: string;
let mailboxId: number;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

interface Worker {
  fetched: number[];
  stop(): Promise<void>;
}
const running = new Set<Worker>();

/** A worker process's mailbox supervisor: polling fallback set to minutes, so only IDLE can be fast. */
function startWorker(): Worker {
  const fetched: number[] = [];
  const stop = startMailboxSync({
    db: ctx.db.pool,
    redis,
    prefix: ctx.config.queuePrefix,
    encryptionKey: ctx.config.encryptionKey,
    inbound: { ingest: ctx.app.ingestDeps, config: ctx.config, outbound: null, log },
    log,
    refreshMs: 200,
    leaseMs: 3000,
    backoff: { initialMs: 100, maxMs: 800 },
    onFetched: (_id, uid) => fetched.push(uid),
  });
  const w = {
    fetched,
    async stop() {
      running.delete(w);
      await stop();
    },
  };
  running.add(w);
  return w;
}

const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;
const interactionFor = (messageId: string) =>
  waitFor(async () => (await q(`SELECT id, case_id, text, metadata FROM interactions WHERE provider = 'email' AND provider_message_id = $1`, [messageId]))[0], 15_000, `mail ${messageId}`);
const countEmail = async () => (await q(`SELECT count(*)::int AS n FROM interactions WHERE channel = 'email' AND direction = 'inbound'`))[0].n as number;

async function append(spec: Parameters<typeof buildMail>[0]) {
  const messageId = spec.messageId ?? uniqueMessageId();
  const uid = await dovecot.append(USER, await buildMail({ ...spec, messageId }));
  return { messageId, uid: uid! };
}

beforeAll(async () => {
  // One after the other, so a failure of the second still leaves the first to afterAll's cleanup.
  dovecot = await startDovecot([{ user: USER, password: 'imap-secret' }]);
  ctx = await createTestContext();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  token = await adminToken(ctx);
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/admin/mailboxes',
    headers: { authorization: `Bearer ${token}` },
    payload: {
      name: 'Support', address: USER, displayName: 'Support', imapHost: dovecot.host, imapPort: dovecot.port, imapTls: false,
      imapUser: USER, imapPassword: 'imap-secret', pollIntervalSeconds: 600, autoAck: false,
    },
  });
  expect(r.statusCode).toBe(201);
  mailboxId = r.json().id;
});

afterAll(async () => {
  for (const w of [...running]) await w.stop();
  redis?.disconnect();
  await Promise.all([ctx?.close(), dovecot?.destroy()]);
});

describe('IMAP mailbox sync', () => {
  let w: Worker;
  let first: { messageId: string; uid: number };
  let firstCase: { id: number; number: number };

  it('a mail in the mailbox opens a case; the mailbox test endpoint signs in', async () => {
    first = await append({ from: 'Ann <ann@corp.test>', subject: 'Router down', text: 'Our router is down.' });
    w = startWorker();
    const i = await interactionFor(first.messageId);
    firstCase = (await q(`SELECT id, number FROM cases WHERE id = $1`, [i.case_id]))[0];
    expect(i.metadata).toMatchObject({ mailboxId, imapUid: first.uid, source: 'imap' });
    // The mark moves right after the commit.
    const mb = await waitFor(async () => (await q(`SELECT uid_validity, last_uid FROM mailboxes WHERE id = $1 AND last_uid = $2`, [mailboxId, first.uid]))[0], 5000, 'last uid');
    expect(mb.uid_validity).not.toBeNull();
    await waitFor(async () => (await dovecot.list(USER)).find((m) => m.uid === first.uid && m.flags.includes('\\Seen')), 5000, 'seen flag');

    const t = await ctx.app.inject({ method: 'POST', url: `/api/v1/admin/mailboxes/${mailboxId}/test`, headers: { authorization: `Bearer ${token}` } });
    expect(t.json()).toMatchObject({ imap: { ok: true }, smtp: { ok: false, error: 'SMTP is not configured' } });
  });

  it('IDLE delivers a new mail to its case within seconds although the poll interval is ten minutes', async () => {
    // The session is connected and idle: only the server's IDLE notification can bring this one in quickly.
    const reply = await append({ from: 'ann@corp.test', subject: 'Re: Router down', inReplyTo: first.messageId, references: [first.messageId], text: 'Still down.' });
    const i = await waitFor(
      async () => (await q(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [reply.messageId]))[0],
      8000,
      'IDLE delivery',
    );
    expect(i.case_id).toBe(firstCase.id);
  });

  it('a subject token threads a mail into the case', async () => {
    const m = await append({ from: 'ann@corp.test', subject: `New detail [#${firstCase.number}]`, text: 'Model X200.' });
    expect((await interactionFor(m.messageId)).case_id).toBe(firstCase.id);
  });

  it('a restarted worker resumes after the last UID', async () => {
    await w.stop();
    const [before] = await q(`SELECT last_uid FROM mailboxes WHERE id = $1`, [mailboxId]);
    const a = await append({ from: 'zoe@example.org', subject: 'While you were away 1' });
    const b = await append({ from: 'zoe@example.org', subject: 'While you were away 2' });
    w = startWorker();
    await interactionFor(a.messageId);
    await interactionFor(b.messageId);
    expect(w.fetched).toEqual([a.uid, b.uid]);
    expect(a.uid).toBeGreaterThan(before.last_uid);
  });

  it('the same messages fetched twice (last UID reset) are stored once', async () => {
    await w.stop();
    const n = await countEmail();
    const all = await dovecot.list(USER);
    await ctx.db.pool.query(`UPDATE mailboxes SET last_uid = 0 WHERE id = $1`, [mailboxId]);
    w = startWorker();
    await waitFor(async () => w.fetched.length === all.length, 15_000, 'refetch of every message');
    await waitFor(async () => (await q(`SELECT last_uid FROM mailboxes WHERE id = $1`, [mailboxId]))[0].last_uid === all.at(-1)!.uid, 5000, 'last uid');
    expect(w.fetched).toEqual(all.map((m) => m.uid));
    expect(await countEmail()).toBe(n);
  });

  it('dovecot restarted mid-run: the worker reconnects and nothing is lost', async () => {
    const before = await append({ from: 'yan@example.org', subject: 'Before restart' });
    await interactionFor(before.messageId);
    await dovecot.stop();
    // Mail keeps arriving at the MTA while the IMAP server is down.
    const duringId = uniqueMessageId();
    await dovecot.deliverToMaildir(USER, await buildMail({ from: 'yan@example.org', subject: 'During restart', messageId: duringId }));
    await waitFor(async () => (await q(`SELECT last_error FROM mailboxes WHERE id = $1`, [mailboxId]))[0].last_error, 10_000, 'recorded connection error');
    await dovecot.start();
    const after = await append({ from: 'yan@example.org', subject: 'After restart' });
    for (const id of [duringId, after.messageId]) await interactionFor(id);
    const rows = await q(`SELECT provider_message_id FROM interactions WHERE provider_message_id = ANY($1)`, [[before.messageId, duringId, after.messageId]]);
    expect(rows).toHaveLength(3);
    await waitFor(async () => (await q(`SELECT last_error FROM mailboxes WHERE id = $1`, [mailboxId]))[0].last_error === null, 10_000, 'error cleared');
  });

  it('a 10 MB attachment arrives intact', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const m = await append({ from: 'ann@corp.test', subject: 'Logs', text: 'See the attached dump.', attachments: [{ filename: 'dump.bin', content: big, contentType: 'application/octet-stream' }] });
    const i = await interactionFor(m.messageId);
    const [a] = await q(`SELECT filename, size_bytes, sha256, storage_key FROM attachments WHERE interaction_id = $1`, [i.id]);
    expect(a).toMatchObject({ filename: 'dump.bin', size_bytes: big.length, sha256: createHash('sha256').update(big).digest('hex') });
    expect((await ctx.app.store.get(a.storage_key)).equals(big)).toBe(true);
  });

  it('two worker processes never both read one mailbox', async () => {
    const second = startWorker();
    const other = startWorker();
    const msgs = [];
    for (let n = 0; n < 3; n++) msgs.push(await append({ from: `multi${n}@example.org`, subject: `Multi ${n}` }));
    for (const m of msgs) await interactionFor(m.messageId);
    const uids = msgs.map((m) => m.uid);
    const fetchedBy = [w, second, other].map((x) => x.fetched.filter((u) => uids.includes(u)));
    expect(fetchedBy.filter((f) => f.length > 0)).toHaveLength(1);
    expect(fetchedBy.flat().sort((a, b) => a - b)).toEqual(uids);
    await second.stop();
    await other.stop();
  });

  it('with a processed folder set, ingested mail is moved out of the inbox (settings apply without a restart)', async () => {
    await dovecot.createFolder(USER, 'Processed');
    const p = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/mailboxes/${mailboxId}`, headers: { authorization: `Bearer ${token}` }, payload: { processedFolder: 'Processed' } });
    expect(p.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 600)); // the supervisor notices the change within its refresh interval
    const m = await append({ from: 'ann@corp.test', subject: 'File me' });
    await interactionFor(m.messageId);
    await waitFor(async () => !(await dovecot.list(USER)).some((x) => x.uid === m.uid), 5000, 'moved out of INBOX');
    expect((await dovecot.list(USER, 'Processed')).length).toBe(1);
  });

  it('a mailbox with a wrong password keeps retrying and shows why it cannot sign in', async () => {
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/admin/mailboxes',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Broken', address: 'broken@example.test', imapHost: dovecot.host, imapPort: dovecot.port, imapTls: false, imapUser: USER, imapPassword: 'wrong', autoAck: false },
    });
    expect(r.statusCode).toBe(201);
    const view = await waitFor(async () => {
      const v = await ctx.app.inject({ method: 'GET', url: `/api/v1/admin/mailboxes/${r.json().id}`, headers: { authorization: `Bearer ${token}` } });
      return v.json().sync.lastError && v.json();
    }, 10_000, 'sign-in error');
    expect(view.sync.lastError).toMatch(/authentication failed/i);
    await ctx.app.inject({ method: 'DELETE', url: `/api/v1/admin/mailboxes/${r.json().id}`, headers: { authorization: `Bearer ${token}` } });
  });
});
