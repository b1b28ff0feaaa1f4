import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { newVisitor } from '../helpers/visitors.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { signInAgent, startHubWorkers, waitFor } from '../helpers/hub-workers.js';
import { routingJobId } from '../../server/src/contracts/jobs.js';
import { withinBusinessHours } from '../../server/src/channels/chat/availability.js';
import { loadConfig } from '../../server/src/config.js';
import { buildApp } from '../../server/src/app.js';
import { chatChannel } from '../../server/src/channels/chat/index.js';
import { queueEmitter } from '../../server/src/realtime/emitter.js';
import pino from 'pino';
import { PNG_1x1 } from '../helpers/files.js';
import { ensureBuilt } from '../helpers/browser.js';

let ctx: TestContext;
let smtp: SmtpSink;
let stopWorkers: () => Promise<void>;
let base: string;
let agent: Awaited<ReturnType<typeof makeAgent>>;
let agentToken: string;
let queueId: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  ctx = await createTestContext({ SMTP_URL: smtp.url, CHAT_LEAVE_GRACE_MS: '300', CHAT_MAX_ATTACHMENT_BYTES: '2048' });
  base = await listenLocally(ctx);
  stopWorkers = await startHubWorkers(ctx, { lifecycle: true });
  queueId = (await makeQueue(ctx.db.pool, { name: 'Web chat', channels: ['chat'], isDefault: true })).id;
  agent = await makeAgent(ctx.db.pool, { name: 'Sara', queueIds: [queueId], presence: 'available' });
  agentToken = await signInAgent(ctx, agent);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await stopWorkers?.();
  await ctx?.close();
  await smtp?.close();
});

function open(nsp: string, auth: Record<string, string>): Promise<Socket> {
  const s = connect(`${base}${nsp}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

const next = <T>(s: Socket, event: string, ms = 8000) =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    s.once(event, (p: T) => (clearTimeout(t), resolve(p)));
  });

const send = (s: Socket, text: string, clientId: string) => s.emitWithAck('message', { text, clientId });

describe('web chat', () => {
  it('is offered while an agent who takes chats is available, and not outside business hours', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/widget/api/status' })).json()).toMatchObject({ online: true, reason: 'open', maxAttachmentBytes: 2048 });
    await ctx.db.pool.query(`UPDATE agents SET presence = 'away' WHERE id = $1`, [agent.id]);
    expect((await ctx.app.inject({ method: 'GET', url: '/widget/api/status' })).json()).toMatchObject({ online: false, reason: 'no_agents' });
    await ctx.db.pool.query(`UPDATE agents SET presence = 'available' WHERE id = $1`, [agent.id]);
    const cfg = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', CHAT_BUSINESS_HOURS: '1-5 09:00-17:00', CHAT_TIMEZONE: 'Asia/Tehran' });
    expect(withinBusinessHours(cfg, new Date('2026-11-23T07:00:00Z'))).toBe(true); // Monday 10:30 in Tehran
    expect(withinBusinessHours(cfg, new Date('2026-11-23T14:00:00Z'))).toBe(false); // Monday 17:30
    expect(withinBusinessHours(cfg, new Date('2026-11-22T07:00:00Z'))).toBe(false); // Sunday
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', CHAT_BUSINESS_HOURS: 'weekdays' })).toThrow(/CHAT_BUSINESS_HOURS/);
  });

  it('serves the widget script to any site and a demo page with the one-tag embed', async () => {
    await ensureBuilt('dist/widget/widget.js', 'customer-ui/widget.vite.config.ts');
    const js = await ctx.app.inject({ method: 'GET', url: '/widget.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.headers['access-control-allow-origin']).toBe('*');
    expect(js.body).toContain('attachShadow');
    const demo = await ctx.app.inject({ method: 'GET', url: '/widget/demo?lang=fa' });
    expect(demo.body).toContain('<script src="/widget.js" data-lang="fa"');
    expect(demo.body).toContain('dir="rtl"');
    const pre = await ctx.app.inject({ method: 'OPTIONS', url: '/widget/api/messages', headers: { origin: 'https://shop.example', 'access-control-request-headers': 'x-visitor-token' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-headers']).toContain('x-visitor-token');
  });

  it('rejects sockets without a valid visitor token', async () => {
    await expect(open('/visitor', { token: 'chv_nope' })).rejects.toThrow(/unauthorized/);
  });

  it('a visitor chats with an agent in real time: queue place, agent joined, replies, typing both ways, read receipts', async () => {
    const v = await newVisitor(ctx, { name: 'Nima', email: 'nima@example.test', language: 'fa' });
    const vs = await open('/visitor', { token: v.token });
    const ack = await send(vs, 'سلام! مشکل پرداخت دارم 🙂', 'c1');
    expect(ack.ok).toBe(true);
    const caseId = ack.message.caseId;
    const c = await ctx.db.pool.query(`SELECT channel, routing_state, queue_id FROM cases WHERE id = $1`, [caseId]);
    expect(c.rows[0]).toEqual({ channel: 'chat', routing_state: 'waiting', queue_id: queueId });
    // the same client message id twice is one message
    expect((await send(vs, 'سلام! مشکل پرداخت دارم 🙂', 'c1')).message.id).toBe(ack.message.id);

    // a second visitor waits behind the first
    const v2 = await newVisitor(ctx);
    const vs2 = await open('/visitor', { token: v2.token });
    await send(vs2, 'hello?', 'x1');
    expect((await vs.emitWithAck('queue:status', {})).status).toMatchObject({ state: 'waiting', position: 1 });
    const s2 = (await vs2.emitWithAck('queue:status', {})).status;
    expect(s2).toMatchObject({ state: 'waiting', position: 2 });
    expect(s2.estimatedWaitSeconds).toBeGreaterThan(0);

    // the agent takes the case (as routing would) and hears the visitor type
    const joined = next<{ name: string }>(vs, 'agent:joined');
    // a supervisor hands the chat to Sara (the router's accept does the same; see the widget browser test)
    const supervisor = await signInAgent(ctx, await makeAgent(ctx.db.pool, { role: 'supervisor' }));
    const take = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/transfer`, headers: { authorization: `Bearer ${supervisor}` }, payload: { agentId: agent.id } });
    expect(take.statusCode).toBe(200);
    expect((await ctx.db.pool.query(`SELECT routing_state, assignee_id FROM cases WHERE id = $1`, [caseId])).rows[0]).toEqual({ routing_state: 'assigned', assignee_id: agent.id });
    const as = await open('/agent', { token: agentToken });
    const typing = next<{ caseId: number; from: string; typing: boolean }>(as, 'typing');
    vs.emit('typing', { typing: true });
    expect(await typing).toEqual({ caseId, from: 'customer', typing: true });
    const newMsg = next<{ caseId: number; interactionId: number }>(as, 'interaction:new');
    await send(vs, 'are you there?', 'c2');
    expect((await newMsg).caseId).toBe(caseId);

    const agentTyping = next<{ from: string; name: string; typing: boolean }>(vs, 'typing');
    as.emit('typing', { caseId, typing: true });
    expect(await agentTyping).toEqual({ from: 'agent', name: 'Sara', typing: true });

    const incoming = next<{ text: string; from: string; name: string; id: number }>(vs, 'message');
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { text: 'سلام نیما، بررسی می‌کنم.' } });
    expect(r.statusCode).toBe(201);
    expect((await joined).name).toBe('Sara');
    const m = await incoming;
    expect(m).toMatchObject({ text: 'سلام نیما، بررسی می‌کنم.', from: 'agent', name: 'Sara' });

    vs.emit('read', { upToId: m.id });
    await waitFor(async () => (await ctx.db.pool.query(`SELECT delivery_status FROM interactions WHERE id = $1`, [m.id])).rows[0].delivery_status === 'read');
    const readByAgent = next<{ upToId: number }>(vs, 'read');
    as.emit('chat:read', { caseId, upToId: ack.message.id });
    expect((await readByAgent).upToId).toBe(ack.message.id);

    // reloading the page: a new socket with the same token sees the whole conversation
    vs.disconnect();
    const again = await ctx.app.inject({ method: 'GET', url: '/widget/api/conversation', headers: { 'x-visitor-token': v.token } });
    expect(again.json().messages.map((x: { text: string }) => x.text)).toEqual(['سلام! مشکل پرداخت دارم 🙂', 'are you there?', 'سلام نیما، بررسی می‌کنم.']);
    const vsAgain = await open('/visitor', { token: v.token });
    const more = next<{ text: string }>(vsAgain, 'message');
    await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { text: 'Found it.' } });
    expect((await more).text).toBe('Found it.');
    // still one customer; the pre-chat email is a claim on it until the visitor proves the address
    const ids = await ctx.db.pool.query(`SELECT kind, value FROM customer_identities WHERE customer_id = (SELECT customer_id FROM cases WHERE id = $1) ORDER BY kind`, [caseId]);
    expect(ids.rows).toEqual([{ kind: 'chat', value: v.visitorId }]);
    expect((await ctx.db.pool.query(`SELECT claimed_email FROM customers WHERE id = (SELECT customer_id FROM cases WHERE id = $1)`, [caseId])).rows[0].claimed_email).toBe('nima@example.test');

    // the visitor ends the chat, asks for the transcript and rates it
    await send(vsAgain, '<script>alert("x")</script> thanks', 'c3');
    const closed = next<{ caseId: number; by: string }>(vsAgain, 'conversation:closed');
    expect(await vsAgain.emitWithAck('end', { transcript: true })).toMatchObject({ ok: true, caseId, transcript: { ok: true, status: 'confirm' } });
    expect(await closed).toEqual({ caseId, by: 'visitor' });
    // the address is not proved yet: a confirmation link goes there first, then the transcript
    const confirm = await smtp.waitFor((x) => (x.to as { text: string }).text === 'nima@example.test');
    const token = new URL(/https?:\/\/\S+confirm\?token=\S+/.exec(confirm.text!)![0]).searchParams.get('token');
    expect((await ctx.app.inject({ method: 'POST', url: '/widget/transcripts/confirm', payload: { token } })).statusCode).toBe(200);
    const mail = await smtp.waitFor((x) => (x.to as { text: string }).text === 'nima@example.test' && x !== confirm);
    expect(mail.subject).toContain('متن گفتگوی شما');
    expect(mail.text).toContain('Found it.');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(await vsAgain.emitWithAck('rate', { rating: 7 })).toMatchObject({ ok: false });
    expect(await vsAgain.emitWithAck('rate', { rating: 5, comment: 'great' })).toEqual({ ok: true });
    const csat = await ctx.db.pool.query(`SELECT rating, source, agent_id FROM csat_ratings WHERE case_id = $1`, [caseId]);
    expect(csat.rows[0]).toEqual({ rating: 5, source: 'chat', agent_id: agent.id });
    expect((await ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status).toBe('solved');
    // the next message starts a new conversation
    const fresh = await send(vsAgain, 'one more thing', 'c4');
    expect(fresh.message.caseId).not.toBe(caseId);
    vs2.disconnect();
  });

  it('a waiting visitor who leaves is taken off the queue and counted as abandoned; a reload is not leaving', async () => {
    const v = await newVisitor(ctx);
    let s = await open('/visitor', { token: v.token });
    const caseId = (await send(s, 'anyone?', 'a1')).message.caseId;
    await waitFor(async () => (await ctx.app.queues.routing.getJob(routingJobId(caseId))) ?? false);
    // reload within the grace period
    s.disconnect();
    s = await open('/visitor', { token: v.token });
    await new Promise((r) => setTimeout(r, 600));
    expect((await ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [caseId])).rows[0].routing_state).toBe('waiting');
    // now the tab closes for good
    s.disconnect();
    await waitFor(async () => (await ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status === 'closed');
    const row = (await ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [caseId])).rows[0];
    expect(row.routing_state).toBe('none');
    const ev = await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [caseId]);
    expect(ev.rows[0].data.reason).toBe('customer_left');
    expect(await ctx.app.queues.routing.getJob(routingJobId(caseId))).toBeUndefined();
  });

  it('a widget learns that an agent closed its conversation, and nothing about other visitors’ cases', async () => {
    const v = await newVisitor(ctx);
    const s = await open('/visitor', { token: v.token });
    const caseId = (await send(s, 'quick question', 'q1')).message.caseId;
    await ctx.db.pool.query(`UPDATE cases SET status = 'solved', routing_state = 'none', assignee_id = $2 WHERE id = $1`, [caseId, agent.id]);
    expect((await s.emitWithAck('queue:status', { caseId })).status).toMatchObject({ caseId, state: 'closed' });
    // the visitor asks for the transcript after the agent closed the chat
    expect(await s.emitWithAck('transcript', {})).toMatchObject({ ok: false, reason: /email address/ });
    expect(await s.emitWithAck('transcript', { email: 'late@example.test' })).toMatchObject({ ok: true, status: 'confirm' });
    const mail = await smtp.waitFor((m) => (m.to as { text: string }).text === 'late@example.test');
    expect(mail.text).not.toContain('quick question');
    const other = await newVisitor(ctx);
    const os = await open('/visitor', { token: other.token });
    expect((await os.emitWithAck('queue:status', { caseId })).status).toEqual({ caseId: null, state: 'none', position: null, estimatedWaitSeconds: null });
    expect(await os.emitWithAck('rate', { rating: 1 })).toMatchObject({ ok: false });
    expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM csat_ratings WHERE case_id = $1`, [caseId])).rows[0].n).toBe(0);
  });

  it('with two server nodes, a visitor who reconnects to the other node has not left', async () => {
    const node2 = await buildApp({ config: ctx.config, logger: false });
    await node2.listen({ port: 0, host: '127.0.0.1' });
    const base2 = `http://127.0.0.1:${(node2.server.address() as AddressInfo).port}`;
    try {
      const v = await newVisitor(ctx);
      const s1 = await open('/visitor', { token: v.token });
      const caseId = (await send(s1, 'hello from node 1', 'n1')).message.caseId;
      s1.disconnect();
      const s2 = connect(`${base2}/visitor`, { auth: { token: v.token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s2);
      await new Promise<void>((r) => s2.once('connect', () => r()));
      await new Promise((r) => setTimeout(r, 900)); // well past the grace period
      expect((await ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [caseId])).rows[0].routing_state).toBe('waiting');
      // an agent reply delivered by the worker reaches the visitor on node 2
      const got = next<{ text: string }>(s2, 'message');
      await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { text: 'hello across nodes' } });
      expect((await got).text).toBe('hello across nodes');
      s2.disconnect();
      await waitFor(async () => (await ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status === 'closed');
    } finally {
      await node2.close();
    }
  });

  it('tells the visitor which agent joined when routing assigns the chat (adapter onAssigned)', async () => {
    const v = await newVisitor(ctx);
    const s = await open('/visitor', { token: v.token });
    const caseId = (await send(s, 'hi', 'j1')).message.caseId;
    const joined = next<{ caseId: number; name: string }>(s, 'agent:joined');
    await chatChannel.onAssigned!({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }), realtime: queueEmitter(ctx.app.queues.realtime) }, { caseId, agentId: agent.id });
    expect(await joined).toEqual({ caseId, name: 'Sara' });
    s.disconnect();
  });

  it('slows down a visitor who floods messages', async () => {
    const v = await newVisitor(ctx);
    const s = await open('/visitor', { token: v.token });
    const acks = await Promise.all(Array.from({ length: 25 }, (_, i) => send(s, `spam ${i}`, `sp${i}`)));
    expect(acks.filter((a) => a.ok).length).toBeLessThanOrEqual(21);
    expect(acks.some((a) => !a.ok && /slow down/.test(a.reason))).toBe(true);
    s.disconnect();
  });

  it('sends attachments within the size limit, only to their own visitor', async () => {
    const v = await newVisitor(ctx);
    const s = await open('/visitor', { token: v.token });
    const got = next<{ attachments: { url: string }[] }>(s, 'message');
    const r = await ctx.app.inject({
      method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': v.token },
      payload: { text: 'screenshot', clientId: 'f1', attachments: [{ filename: 'shot.png', contentType: 'image/png', contentBase64: PNG_1x1.toString('base64') }] },
    });
    expect(r.statusCode).toBe(201);
    const url = r.json().attachments[0].url;
    expect((await got).attachments[0].url).toBe(url);
    const dl = await ctx.app.inject({ method: 'GET', url: `${url}?token=${encodeURIComponent(v.token)}` });
    expect(dl.rawPayload.equals(PNG_1x1)).toBe(true);
    expect(dl.headers['content-type']).toBe('image/png');
    const other = await newVisitor(ctx);
    expect((await ctx.app.inject({ method: 'GET', url: `${url}?token=${encodeURIComponent(other.token)}` })).statusCode).toBe(404);
    const big = await ctx.app.inject({
      method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': v.token },
      payload: { text: '', clientId: 'f2', attachments: [{ filename: 'big.bin', contentBase64: Buffer.alloc(4096).toString('base64') }] },
    });
    expect(big.statusCode).toBe(413);
    expect((await ctx.app.inject({ method: 'POST', url: '/widget/api/messages', payload: { text: 'x', clientId: 'f3' } })).statusCode).toBe(401);
  });

  it('offline: a message left with an email address becomes an email case', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', payload: { name: 'Lea', email: 'Lea@Example.test', text: 'Call me back about my order' } });
    expect(r.statusCode).toBe(201);
    const c = await ctx.db.pool.query(
      `SELECT c.channel, c.routing_state, i.text, ci.value FROM cases c JOIN interactions i ON i.case_id = c.id
         JOIN customer_identities ci ON ci.customer_id = c.customer_id AND ci.kind = 'email' WHERE c.number = $1`,
      [r.json().caseNumber],
    );
    expect(c.rows[0]).toEqual({ channel: 'email', routing_state: 'waiting', text: 'Call me back about my order', value: 'lea@example.test' });
    const bad = await ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', payload: { email: 'not-an-email', text: 'x' } });
    expect(bad.statusCode).toBe(400);
  });
});
