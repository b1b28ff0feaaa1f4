import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signInAt } from './agent-ui-helpers.js';

// The supervisor's reports page (issue 16, item 6): tiles, the volume chart and the weekday × hour heatmap,
// drill-down to cases, CSV, the heatmap's busiest hour handed to the Erlang C calculator; English and Persian.
let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let ada: { id: number };
const caseIds: Record<string, number> = {};

beforeAll(async () => {
  ({ ctx, base } = await startUiServer());
  const db = ctx.db.pool;
  await db.query(`UPDATE organisation_settings SET time_zone = 'Asia/Tehran'`);
  const queueId = (await makeQueue(db, { name: 'support', isDefault: true })).id;
  await makeAgent(db, { email: 'sam@example.test', name: 'Sam Supervisor', role: 'supervisor', queueIds: [queueId] });
  ada = await makeAgent(db, { email: 'ada@example.test', name: 'Ada Agent', queueIds: [queueId] });
  const cu = (await db.query(`INSERT INTO customers (name) VALUES ('Report Customer') RETURNING id`)).rows[0].id;
  const now = Date.now();
  const ago = (min: number) => new Date(now - min * 60_000);
  // over the last three hours: four answered by Ada (one a complaint about billing), one abandoned call
  const make = async (key: string, channel: string, type: string, tags: string[], queuedMin: number, o: { acceptedMin?: number; solvedMin?: number; abandonedMin?: number }) => {
    const c = await db.query(
      `INSERT INTO cases (customer_id, channel, type, tags, subject, queue_id, created_at, first_response_at, solved_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [cu, channel, type, tags, `Report case ${key}`, queueId, ago(queuedMin), o.acceptedMin ? ago(o.acceptedMin) : null, o.solvedMin ? ago(o.solvedMin) : null, o.solvedMin ? 'solved' : 'open'],
    );
    const id = c.rows[0].id as number;
    caseIds[key] = id;
    const ev = (type: string, min: number, agent: number | null = null) => db.query(`INSERT INTO case_events (case_id, type, agent_id, created_at) VALUES ($1, $2, $3, $4)`, [id, type, agent, ago(min)]);
    await ev('queued', queuedMin);
    if (o.acceptedMin) {
      await ev('accepted', o.acceptedMin, ada.id);
      await ev('assigned', o.acceptedMin, ada.id);
    }
    if (o.abandonedMin) await ev('abandoned', o.abandonedMin);
    if (o.solvedMin) await ev('solved', o.solvedMin, ada.id);
  };
  await make('a', 'chat', 'question', [], 170, { acceptedMin: 169, solvedMin: 150 });
  await make('b', 'chat', 'complaint', ['billing'], 160, { acceptedMin: 159, solvedMin: 140 });
  await make('c', 'email', 'request', [], 120, { acceptedMin: 100, solvedMin: 60 });
  await make('d', 'voice', 'question', [], 90, { acceptedMin: 89, solvedMin: 80 });
  await make('e', 'voice', 'complaint', ['billing', 'refund'], 30, { abandonedMin: 29 });
  await db.query(`INSERT INTO agent_presence_log (agent_id, presence, started_at) VALUES ($1, 'available', $2)`, [ada.id, ago(180)]);
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe('reports page', () => {
  it('shows tiles, the volume chart and the heatmap, drills down to cases, exports CSV, in English and Persian', async () => {
    await signInAt(page, base, 'sam@example.test');
    await page.getByTestId('nav-supervisor').click();
    await page.getByTestId('to-reports').click();
    await page.waitForURL(/\/supervisor\/reports$/);

    // five cases entered the queue, one caller hung up: 20 % abandoned
    await expect.poll(() => page.getByTestId('tile-offered').locator('strong').textContent(), { timeout: 15_000 }).toBe('5');
    await expect.poll(() => page.getByTestId('tile-abandoned').locator('strong').textContent()).toBe('20%');
    expect(await page.getByTestId('volume-chart').count()).toBe(1);
    await expect.poll(() => page.getByTestId('rep-agents').textContent()).toContain('Ada Agent');
    await expect.poll(() => page.getByTestId('rep-complaints').textContent()).toContain('billing');
    // the heatmap: 7 × 24 cells, some with arrivals
    expect(await page.locator('[data-testid^="heat-"]').count()).toBe(7 * 24);
    const busy = page.locator('[data-testid^="heat-"]:has(text.val)');
    expect(await busy.count()).toBeGreaterThan(0);

    // a tile's cases: the abandoned call
    await page.getByTestId('tile-abandoned').click();
    const drill = page.getByTestId('rep-drill');
    await expect.poll(() => drill.textContent()).toContain('Report case e');
    expect(await drill.locator('tbody tr').count()).toBe(1);
    // a heatmap cell's cases
    await busy.first().click();
    await expect.poll(() => drill.locator('tbody tr').count()).toBeGreaterThan(0);

    // the per-agent table as CSV, with the browser's session
    const href = await page.getByTestId('csv-agents').getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/reports\/agents\?.*format=csv/);
    const csv = await page.request.get(`${base}${href}`);
    expect(csv.status()).toBe(200);
    const text = (await csv.text()).replace(/^\uFEFF/, '');
    expect(text.split('\r\n')[0]).toMatch(/^agent_id,agent,accepted,solved,/);
    expect(text).toContain(`${ada.id},Ada Agent,4,4,`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'reports-en.png'), fullPage: true });

    await page.getByTestId('language').selectOption('fa');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('گزارش‌ها');
    // Persian digits and the Persian calendar (2026 is 1404–1405 there)
    await expect.poll(() => page.getByTestId('rep-window').textContent()).toMatch(/۱۴۰[۴۵]/);
    expect(await page.getByTestId('tile-offered').locator('strong').textContent()).toBe('۵');
    await page.screenshot({ path: path.join(ARTIFACTS, 'reports-fa.png'), fullPage: true });

    // the busiest hour goes to the Erlang C calculator as its arrival rate
    await page.getByTestId('staff-peak').click();
    await page.waitForURL(/\/supervisor\?arrivals=\d+&aht=\d+/);
    await expect.poll(() => page.getByTestId('sup-staffing').count(), { timeout: 10_000 }).toBe(1);
    expect(errors).toEqual([]);
  }, 120_000);
});
