import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { queueEmitter } from '../../server/src/realtime/emitter.js';
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
});
