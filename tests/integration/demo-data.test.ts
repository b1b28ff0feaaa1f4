import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { seedDemo } from '../../server/src/seed/seed.js';

// What someone trying the hub sees first: the demo customers must look like people, not "Unknown customer".
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  expect(await seedDemo(ctx.db.pool, ctx.app.ingestDeps)).toEqual({ seeded: true });
});
afterAll(() => ctx.close());

describe('demo data', () => {
  it('names every seeded customer, and Maria Garcia is the VIP', async () => {
    const r = await ctx.db.pool.query<{ name: string | null; tier: string }>(`SELECT name, tier FROM customers WHERE merged_into_id IS NULL ORDER BY id`);
    expect(r.rows.map((c) => c.name).sort()).toEqual(['Lena Okafor', 'Maria Garcia', 'Tom Becker', 'سارا احمدی'].sort());
    expect(r.rows.filter((c) => c.tier === 'vip').map((c) => c.name)).toEqual(['Maria Garcia']);
  });

  it("shows the customers' names on the cases in the agents' case list", async () => {
    const r = await ctx.db.pool.query<{ name: string | null }>(`SELECT cu.name FROM cases c JOIN customers cu ON cu.id = c.customer_id`);
    expect(r.rows.length).toBe(5);
    expect(r.rows.every((c) => c.name)).toBe(true);
  });
});
