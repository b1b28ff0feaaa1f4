import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { buildApp } from '../../server/src/app.js';
import { waitFor } from '../helpers/wait.js';

// Two server nodes on one database and Redis: sockets live on node B while sessions end through node A,
// so ending a session must reach sockets on another process through the Socket.IO adapter.
let ctx: TestContext;
let nodeB: FastifyInstance;
let baseB: string;
let queueId: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  nodeB = await buildApp({ config: ctx.config, logger: false });
  await nodeB.listen({ port: 0, host: '127.0.0.1' });
  baseB = `http://127.0.0.1:${(nodeB.server.address() as AddressInfo).port}`;
  queueId = (await makeQueue(ctx.db.pool, { name: 'billing' })).id;
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await nodeB?.close();
  await ctx.close();
});

type Member = Awaited<ReturnType<typeof makeAgent>>;
async function login(a: { email: string; password: string }) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().token as string;
}
const me = (token: string) => ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

/** A live socket on node B that records when the server ended it. */
async function open(nsp: '/agent' | '/supervisor', token: string) {
  const s = connect(`${baseB}${nsp}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  const state = { socket: s, endedByServer: false };
  s.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') state.endedByServer = true;
  });
  await new Promise<void>((resolve, reject) => {
    s.on('connect', () => resolve());
    s.on('connect_error', reject);
  });
  return state;
}
const ended = (st: { endedByServer: boolean }, what: string) => waitFor(async () => st.endedByServer, 8000, what);
/** Still connected after a round trip through the server (so a disconnect would have arrived by now). */
async function stillLive(st: { socket: Socket; endedByServer: boolean }) {
  const ack = await st.socket.timeout(3000).emitWithAck('case:watch', 999_999_999);
  expect(ack).toMatchObject({ ok: false });
  expect(st.endedByServer).toBe(false);
  expect(st.socket.connected).toBe(true);
}

describe('staff sessions end with the right they were opened under', () => {
  it('sign-out ends that session and its sockets on another node; the other session stays', async () => {
    const a: Member = await makeAgent(ctx.db.pool);
    const [t1, t2] = [await login(a), await login(a)];
    const [s1, s2] = [await open('/agent', t1), await open('/agent', t2)];
    const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${t1}` } });
    expect(r.statusCode).toBe(200);
    await ended(s1, 'signed-out socket ended');
    expect((await me(t1)).statusCode).toBe(401);
    expect((await me(t2)).statusCode).toBe(200);
    await stillLive(s2);
  });

  it('deactivation ends every session and socket at once', async () => {
    const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
    const sup: Member = await makeAgent(ctx.db.pool, { role: 'supervisor' });
    const t = await login(sup);
    const [onAgent, onSupervisor] = [await open('/agent', t), await open('/supervisor', t)];
    const r = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/agents/${sup.id}`, headers: { authorization: `Bearer ${await login(admin)}` }, payload: { active: false } });
    expect(r.statusCode, r.body).toBe(200);
    await ended(onAgent, '/agent socket ended');
    await ended(onSupervisor, '/supervisor socket ended');
    expect((await me(t)).statusCode).toBe(401);
  });

  it('a role change ends the sessions opened under the old role, including the supervisor dashboard socket', async () => {
    const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
    const sup: Member = await makeAgent(ctx.db.pool, { role: 'supervisor' });
    const t = await login(sup);
    const dash = await open('/supervisor', t);
    const r = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/agents/${sup.id}`, headers: { authorization: `Bearer ${await login(admin)}` }, payload: { role: 'agent' } });
    expect(r.statusCode, r.body).toBe(200);
    await ended(dash, 'supervisor socket ended after demotion');
    expect((await me(t)).statusCode).toBe(401);
    // signing in again gives a session with the new role, which the supervisor namespace refuses
    await expect(open('/supervisor', await login(sup))).rejects.toThrow(/forbidden/);
  });

  it('changing my password needs the current one and signs out my other sessions, not this one', async () => {
    const a: Member = await makeAgent(ctx.db.pool, { password: 'old password 123' });
    const [here, elsewhere] = [await login(a), await login(a)];
    const [sHere, sElsewhere] = [await open('/agent', here), await open('/agent', elsewhere)];
    const change = (body: object) => ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { authorization: `Bearer ${here}` }, payload: body });

    const wrong = await change({ currentPassword: 'not my password', newPassword: 'new password 456' });
    expect(wrong.statusCode).toBe(403);
    expect((await me(elsewhere)).statusCode).toBe(200);
    expect((await change({ currentPassword: 'old password 123', newPassword: 'short' })).statusCode).toBe(400);

    const ok = await change({ currentPassword: 'old password 123', newPassword: 'new password 456' });
    expect(ok.statusCode, ok.body).toBe(200);
    await ended(sElsewhere, 'other session socket ended');
    expect((await me(elsewhere)).statusCode).toBe(401);
    expect((await me(here)).statusCode).toBe(200);
    await stillLive(sHere);
    const old = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: 'old password 123' } });
    expect(old.statusCode).toBe(401);
    await login({ email: a.email, password: 'new password 456' });
    // anonymous callers cannot change anyone's password
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: {} })).statusCode).toBe(401);
  });

  it('case:watch re-checks the session and the access policy before joining a case room', async () => {
    const member: Member = await makeAgent(ctx.db.pool, { queueIds: [queueId] });
    const outsider: Member = await makeAgent(ctx.db.pool);
    const inbound = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': 'test-inbound-key-0123456789' },
      payload: { channel: 'email', providerMessageId: 'watch-1', from: { kind: 'email', value: 'w@example.com' }, subject: 'Invoice', text: 'hi' },
    });
    expect(inbound.statusCode, inbound.body).toBeLessThan(300);
    const caseId = inbound.json().caseId as number;
    await ctx.db.pool.query(`UPDATE cases SET queue_id = $2 WHERE id = $1`, [caseId, queueId]);

    const sMember = await open('/agent', await login(member));
    const sOutsider = await open('/agent', await login(outsider));
    expect(await sMember.socket.timeout(3000).emitWithAck('case:watch', caseId)).toEqual({ ok: true });
    expect(await sOutsider.socket.timeout(3000).emitWithAck('case:watch', caseId)).toEqual({ ok: false, reason: 'not_found' });

    // the outsider's socket does not get the case's live events; the member's does
    const gotByOutsider: unknown[] = [];
    sOutsider.socket.on('typing', (p) => gotByOutsider.push(p));
    const typing = new Promise((resolve) => sMember.socket.on('typing', resolve));
    sOutsider.socket.emit('typing', { caseId, typing: true });
    const sColleague = await open('/agent', await login(member));
    await sColleague.socket.timeout(3000).emitWithAck('case:watch', caseId);
    sColleague.socket.emit('typing', { caseId, typing: true });
    expect(await typing).toMatchObject({ caseId, typing: true });
    expect(gotByOutsider).toEqual([]);

    // a session that ended without a broadcast (expired or removed) cannot join rooms any more
    const t = await login(member);
    const s = await open('/agent', t);
    await ctx.db.pool.query(`DELETE FROM sessions WHERE agent_id = $1 AND expires_at > now() AND token_hash = encode(sha256($2::bytea), 'hex')`, [member.id, t]);
    expect(await s.socket.timeout(3000).emitWithAck('case:watch', caseId)).toEqual({ ok: false, reason: 'session ended' });
    await ended(s, 'socket of a removed session ended');
  });
});
