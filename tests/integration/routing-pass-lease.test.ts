import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createHarness, until, type Harness } from '../helpers/routing-harness.js';
import { startPassLease, type PassLease } from '../../server/src/routing/pass-lease.js';

// Two routers with the match-pass lease on (the default): one runs the passes, and when it stops the
// other takes over, so cases keep being offered.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ROUTING_PASS_LEASE_MS: '600', ROUTING_OFFER_TIMEOUT_ASYNC_MS: '60000' }, 2);
});
afterAll(async () => {
  await h?.close();
});

const offersByRouter = async () =>
  (await h.ctx.db.pool.query(`SELECT data->>'router' AS router, count(*)::int AS n FROM case_events WHERE type = 'offered' GROUP BY 1 ORDER BY 1`)).rows as {
    router: string;
    n: number;
  }[];

describe('match-pass lease', () => {
  it('one router makes the offers while it holds the lease; after it stops the other takes over', async () => {
    const q = await h.queue();
    const agents = await Promise.all(Array.from({ length: 3 }, () => h.agent({ available: true, queueIds: [q.id], capacity: { email: 20 } })));
    for (let i = 0; i < 12; i++) await h.inbound({ channel: 'email', queueId: q.id });
    await until(async () => (await offersByRouter()).reduce((n, r) => n + r.n, 0) === 12, '12 offers', 20_000);
    const first = await offersByRouter();
    expect(first).toHaveLength(1); // every offer from the one router holding the lease

    // the holder stops (a clean stop hands the lease over at once): new cases are offered by the other router
    const holder = h.routers.find((r) => r.id === first[0].router)!;
    const other = h.routers.find((r) => r !== holder)!;
    await holder.close();
    for (let i = 0; i < 3; i++) await h.inbound({ channel: 'email', queueId: q.id });
    await until(async () => (await offersByRouter()).some((x) => x.router === other.id && x.n === 3), 'three offers by the other router', 5_000);
    expect((await offersByRouter()).find((x) => x.router === holder.id)?.n).toBe(12);
    expect(agents).toHaveLength(3);
  });
});

describe('startPassLease', () => {
  const log = pino({ level: 'silent' });
  const key = `cht_lease_${process.pid}_${Date.now()}`;
  const conns: Redis[] = [];
  const leases: PassLease[] = [];
  const conn = () => {
    const c = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    conns.push(c);
    return c;
  };
  afterAll(async () => {
    for (const l of leases) await l.release();
    const c = conn();
    await c.del(key);
    for (const x of conns) x.disconnect();
  });

  it('is held by one holder; a holder that stops renewing (crash) loses it within the lease time', async () => {
    let acquiredB = 0;
    const a = startPassLease({ redis: conn(), key, holderId: 'a', leaseMs: 600, log, onAcquired: () => {} });
    leases.push(a);
    await until(async () => a.holds(), 'a holds', 2000);
    const bConn = conn();
    const b = startPassLease({ redis: bConn, key, holderId: 'b', leaseMs: 600, log, onAcquired: () => acquiredB++ });
    leases.push(b);
    await new Promise((r) => setTimeout(r, 500));
    expect(b.holds()).toBe(false);
    expect(acquiredB).toBe(0);

    // a "crashes": its connection is gone, so it stops renewing
    conns[0].disconnect();
    const t0 = Date.now();
    await until(async () => b.holds(), 'b takes the lease over', 3000);
    expect(Date.now() - t0).toBeLessThan(3000); // the lease (600 ms) and a renewal tick, with room for a busy machine
    expect(acquiredB).toBe(1);

    // a clean stop hands the lease over at once
    const c = startPassLease({ redis: conn(), key, holderId: 'c', leaseMs: 60_000, log, onAcquired: () => {} });
    leases.push(c);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.holds()).toBe(false);
    await b.release();
    expect(await bConn.exists(key)).toBe(0);
  });
});
