import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createHarness, until, type Harness } from '../helpers/routing-harness.js';
import type { AgentStats, AgentStatsDelta, QueueStats } from '../../server/src/contracts/realtime.js';

// The wallboard (supervisor dashboard) is pushed only what changed (issue 16, item 8): with a case waiting
// (its wait grows every second) and agents signed in, an idle screen receives nothing; a presence change
// arrives as that one agent.
let h: Harness;
let s: Socket;
const got: { event: string; payload: unknown; bytes: number }[] = [];

beforeAll(async () => {
  // a fast tick: an idle second holds several chances to push
  h = await createHarness({ ROUTING_STATS_MS: '200' });
});
afterAll(async () => {
  s?.disconnect();
  await h.close();
});

describe('wallboard pushes', () => {
  it('sends an idle screen nothing while the oldest wait grows, and a presence change as one agent', async () => {
    const q = await h.queue();
    // agents signed in but Away: the case keeps waiting, its wait keeps growing
    const agents = await Promise.all([1, 2, 3, 4, 5].map(() => h.agent({ queueIds: [q.id] })));
    const caseId = await h.inbound({ channel: 'chat', queueId: q.id });
    const sup = await h.agent({ role: 'supervisor' });
    s = connect(`${h.base}/supervisor`, { auth: { token: sup.token }, transports: ['websocket'], reconnection: false });
    s.onAny((event, payload) => got.push({ event, payload, bytes: JSON.stringify(payload).length }));

    // the screen's first figures: whole lists, the queue with its case and when it started waiting
    const first = await until(
      () => got.find((e) => e.event === 'stats:queues' && (e.payload as { queues: QueueStats[] }).queues.some((x) => x.queueId === q.id && x.waiting === 1)),
      'the queue with its waiting case',
    );
    const row = (first.payload as { queues: QueueStats[] }).queues.find((x) => x.queueId === q.id)!;
    const queued = (await h.ctx.db.pool.query(`SELECT first_queued_at FROM cases WHERE id = $1`, [caseId])).rows[0].first_queued_at as Date;
    expect(row.oldestWaitingSince).toBe(queued.toISOString());
    await until(() => got.some((e) => e.event === 'stats:agents'), 'the agent list');

    // settle: the routers' first pushes after the screen connected
    let last = got.length;
    await until(
      async () => {
        await new Promise((r) => setTimeout(r, 600));
        const quiet = got.length === last;
        last = got.length;
        return quiet;
      },
      'a quiet wallboard',
      15_000,
      0,
    );

    // idle for two seconds (ten ticks) while the oldest wait grows by two seconds: nothing arrives
    const mark = got.length;
    await new Promise((r) => setTimeout(r, 2000));
    const idle = got.slice(mark).filter((e) => e.event.startsWith('stats:'));
    expect(idle.map((e) => e.event)).toEqual([]);

    // one agent becomes Available in another queue (no case to offer): that agent arrives, alone
    const other = await h.agent();
    const mark2 = got.length;
    expect((await other.setPresence('available')).ok).toBe(true);
    const delta = await until(
      () =>
        got
          .slice(mark2)
          .find((e) => e.event === 'stats:agents:delta' && (e.payload as AgentStatsDelta).changed.some((a: AgentStats) => a.agentId === other.id && a.presence === 'available')),
      'the presence change on the wallboard',
      5000,
    );
    const d = delta.payload as AgentStatsDelta;
    expect(d.changed.map((a) => a.agentId)).toEqual([other.id]);
    expect(d.removed).toEqual([]);
    // a few hundred bytes, against the whole list before
    expect(delta.bytes).toBeLessThan(1000);
    expect(agents).toHaveLength(5);

    // only agents written since the last read are read (routing/stats.ts agentStatsSince): a load change
    // made by an offer and a deactivation still arrive, each as its one agent
    const worker = agents[0]!;
    const mark3 = got.length;
    expect((await worker.setPresence('available')).ok).toBe(true);
    const offered = await until(
      () =>
        got
          .slice(mark3)
          .map((e) => e.payload as AgentStatsDelta)
          .flatMap((p) => p.changed ?? [])
          .find((a) => a.agentId === worker.id && a.pendingOffers + Number(a.load.chat?.split('/')[0] ?? 0) > 0),
      "the offer in the agent's load",
      5000,
    );
    expect(offered.presence).toBe('available');
    const mark4 = got.length;
    await h.ctx.db.pool.query(`UPDATE agents SET active = false WHERE id = $1`, [agents[4]!.id]);
    const gone = await until(
      () => got.slice(mark4).find((e) => e.event === 'stats:agents:delta' && (e.payload as AgentStatsDelta).removed.includes(agents[4]!.id)),
      'the deactivated agent leaving the wallboard',
      5000,
    );
    expect((gone.payload as AgentStatsDelta).changed).toEqual([]);
  });
});
