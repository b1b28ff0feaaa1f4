import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { Redis } from 'ioredis';
import { queueEmitter, streamEmitter } from '../../server/src/realtime/emitter.js';
import { rooms } from '../../server/src/contracts/realtime.js';

let ctx: TestContext;
let base: string;
const sockets: Socket[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
  base = await listenLocally(ctx);
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await ctx.close();
});

async function tokenFor(role: 'agent' | 'supervisor' = 'agent') {
  const a = await makeAgent(ctx.db.pool, { role });
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  return { agent: a, token: r.json().token as string };
}

function open(nsp: string, token?: string): Promise<Socket> {
  const s = connect(`${base}${nsp}`, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.on('connect', () => resolve(s));
    s.on('connect_error', (e) => reject(e));
  });
}

describe('realtime gateway', () => {
  it('refuses /agent without a session and /supervisor to plain agents', async () => {
    await expect(open('/agent')).rejects.toThrow(/unauthorized/);
    const { token } = await tokenFor('agent');
    await expect(open('/supervisor', token)).rejects.toThrow(/forbidden/);
  });

  it('delivers an event published by a worker (via the realtime queue) to the agent room', async () => {
    const { agent, token } = await tokenFor('agent');
    const s = await open('/agent', token);
    const got = new Promise((resolve) => s.on('case:updated', resolve));
    const payload = { caseId: 7, status: 'open', priority: 'normal', assigneeId: null, routingState: 'idle', queueId: null } as const;
    await queueEmitter(ctx.app.queues.realtime).emit({ nsp: '/agent', room: rooms.agent(agent.id), event: 'case:updated', payload });
    expect(await got).toEqual(payload);
  });

  it("delivers what a worker or router writes to the sockets' stream: events to rooms on any namespace, and case-room joins", async () => {
    const { agent, token } = await tokenFor('agent');
    const other = await tokenFor('agent');
    const s = await open('/agent', token);
    const bystander = await open('/agent', other.token);
    const sup = await open('/supervisor', (await tokenFor('supervisor')).token);
    const redis = new Redis(ctx.config.redisUrl);
    try {
      const rt = streamEmitter(redis, ctx.config.queuePrefix);
      const payload = { caseId: 8, status: 'open', priority: 'high', assigneeId: agent.id, routingState: 'assigned', queueId: null } as const;
      const got = new Promise((resolve) => s.on('case:updated', resolve));
      let strayed = 0;
      bystander.on('case:updated', () => strayed++);
      await rt.emit({ nsp: '/agent', room: rooms.agent(agent.id), event: 'case:updated', payload });
      expect(await got).toEqual(payload);

      // the server also sends a connecting screen the whole lists: only this emit says "now"
      const stats = new Promise((resolve) => sup.on('stats:queues', (p: { at: string }) => p.at === 'now' && resolve(p)));
      await rt.emit({ nsp: '/supervisor', room: rooms.supervisors, event: 'stats:queues', payload: { at: 'now', queues: [] } });
      expect(await stats).toEqual({ at: 'now', queues: [] });

      // a join written to the stream puts the agent's sockets in the case room: an event to the room reaches them only
      await rt.caseRoom!(agent.id, 8, 'join');
      const inRoom = new Promise((resolve) => s.on('case:updated', (p) => p.caseId === 9 && resolve(p)));
      for (let i = 0; i < 100 && !ctx.app.io.of('/agent').adapter.rooms.get(rooms.case(8))?.size; i++) await new Promise((r) => setTimeout(r, 50));
      await ctx.app.realtime.emit({ nsp: '/agent', room: rooms.case(8), event: 'case:updated', payload: { ...payload, caseId: 9 } });
      expect(await inRoom).toMatchObject({ caseId: 9 });
      expect(strayed).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
