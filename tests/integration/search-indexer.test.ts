import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { ingest, type InboundMessage } from '../../server/src/ingest/pipeline.js';
import { indexSearchBacklog, indexSearchFully } from '../../server/src/search/search-indexer.js';
import { searchWorkspace } from '../../server/src/search/workspace-search.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const msg = (id: string, text: string): InboundMessage => ({
  channel: 'api',
  provider: 'test',
  providerMessageId: id,
  from: { kind: 'api', value: `sender-${id}` },
  subject: `About ${text}`,
  text,
  raw: { id },
});

/** Indexer passes (no settle time) until `done`, for up to 20 s. */
async function passesUntil(done: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    await indexSearchBacklog(ctx.db.pool, 2000, 0);
    if (await done()) return;
    if (Date.now() > end) throw new Error('the watermark did not move');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const watermark = async (source: string) =>
  Number((await ctx.db.pool.query(`SELECT indexed_through FROM search_watermarks WHERE source = $1`, [source])).rows[0].indexed_through);

describe('search indexer', () => {
  it('indexes new messages off the ingest path, and moves its watermark past a row only once no transaction that could still add a row below it is running', async () => {
    const db = ctx.db.pool;
    const a = await ingest(ctx.app.ingestDeps, msg('ix-1', 'periwinkle'));
    // ingest wrote no side row: the search index is not on its path
    expect((await db.query(`SELECT count(*)::int n FROM interaction_search WHERE interaction_id = $1`, [a.interactionId])).rows[0].n).toBe(0);
    expect((await searchWorkspace(db, 'periwinkle')).cases.map((c) => c.id)).toEqual([a.caseId]);

    expect(await indexSearchFully(db)).toBeGreaterThanOrEqual(3);
    expect((await db.query(`SELECT count(*)::int n FROM interaction_search WHERE interaction_id = $1`, [a.interactionId])).rows[0].n).toBe(1);
    // a row committed a moment ago could have a neighbour still invisible: the watermark waits
    expect(await watermark('interactions')).toBeLessThan(a.interactionId);
    // found once, from the side table
    expect((await searchWorkspace(db, 'periwinkle')).cases.map((c) => c.id)).toEqual([a.caseId]);

    // a writer holds an uncommitted message below a later, committed one
    const open = await db.connect();
    try {
      await open.query('BEGIN');
      const late = Number(
        (
          await open.query(
            `INSERT INTO interactions (case_id, customer_id, channel, direction, text)
             SELECT case_id, customer_id, channel, direction, 'periwinkle late' FROM interactions WHERE id = $1 RETURNING id`,
            [a.interactionId],
          )
        ).rows[0].id,
      );
      const b = await ingest(ctx.app.ingestDeps, msg('ix-2', 'periwinkle again'));
      expect(b.interactionId).toBeGreaterThan(late);
      // everything settled before the writer began is passed (transaction ids are the cluster's: a writer in
      // another database, e.g. a test running alongside, may hold the rule back for a moment); the writer's row is not
      await passesUntil(async () => (await watermark('interactions')) >= a.interactionId);
      for (let i = 0; i < 3; i++) await indexSearchBacklog(db, 2000, 0);
      expect(await watermark('interactions')).toBeLessThan(late);
      await open.query('COMMIT');
      await passesUntil(async () => (await watermark('interactions')) >= b.interactionId);
      expect((await db.query(`SELECT count(*)::int n FROM interaction_search WHERE interaction_id = $1`, [late])).rows[0].n).toBe(1);
      const found = (await searchWorkspace(db, 'periwinkle')).cases.map((c) => c.id);
      expect(found).toContain(a.caseId);
      expect(found).toContain(b.caseId);
    } finally {
      // after COMMIT this only warns; after a failed assertion it ends the writer's transaction
      await open.query('ROLLBACK');
      open.release();
    }
  });

  it('two indexers at once index each row once and neither fails', async () => {
    const db = ctx.db.pool;
    const rs = [];
    for (let i = 0; i < 20; i++) rs.push(await ingest(ctx.app.ingestDeps, msg(`ix-c-${i}`, `marigold${i} lantern`)));
    await Promise.all([indexSearchFully(db), indexSearchFully(db), indexSearchFully(db)]);
    const n = await db.query(`SELECT count(*)::int n FROM interaction_search WHERE interaction_id = ANY($1)`, [rs.map((r) => r.interactionId)]);
    expect(n.rows[0].n).toBe(20);
    expect((await searchWorkspace(db, 'lantern', 50)).cases).toHaveLength(20);
  });

  it('a word in thousands of messages still finds the newest cases, and a rare word among them is found too', async () => {
    const db = ctx.db.pool;
    // an old case whose 5,100 messages all say "harbour" (more than the search sorts outright), one saying "quayside"
    const old = await ingest(ctx.app.ingestDeps, msg('ix-h-old', 'harbour quayside'));
    await db.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, text)
       SELECT case_id, customer_id, channel, direction, 'harbour again ' || g FROM interactions, generate_series(1, 5100) g WHERE id = $1`,
      [old.interactionId],
    );
    const recent = [];
    for (let i = 0; i < 12; i++) recent.push(await ingest(ctx.app.ingestDeps, msg(`ix-h-${i}`, `harbour ${i}`)));
    await indexSearchFully(db);
    const found = (await searchWorkspace(db, 'harbour', 10)).cases.map((c) => c.id);
    expect(found).toEqual(recent.slice(-10).reverse().map((r) => r.caseId));
    expect((await searchWorkspace(db, 'quayside')).cases.map((c) => c.id)).toEqual([old.caseId]);
  });
});
