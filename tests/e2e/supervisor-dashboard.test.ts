import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startHubWorkers } from '../helpers/hub-workers.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signInAt, zoneWellIntoTheDay } from './agent-ui-helpers.js';

const KEY = 'test-inbound-key-0123456789';
let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let stopWorkers: () => Promise<void>;
let queueId: number;
let ada: { id: number };

async function inbound(id: string) {
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/inbound',
    headers: { 'x-api-key': KEY },
    payload: { channel: 'email', providerMessageId: id, from: { kind: 'email', value: `${id}@example.com` }, subject: `Question ${id}`, text: 'hello', queue: 'support' },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { caseId: number };
}

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ ROUTING_STATS_MS: '300' }));
  stopWorkers = await startHubWorkers(ctx, { routing: true });
  queueId = (await makeQueue(ctx.db.pool, { name: 'support', isDefault: true })).id;
  await makeAgent(ctx.db.pool, { email: 'sam@example.test', name: 'Sam Supervisor', role: 'supervisor', queueIds: [queueId] });
  ada = await makeAgent(ctx.db.pool, { email: 'ada@example.test', name: 'Ada Agent', queueIds: [queueId] });
  // Earlier today: one email answered after 10 minutes (inside its 1 h threshold), one abandoned chat.
  const answered = await inbound('earlier-1');
  const abandoned = await inbound('earlier-2');
  const ago = (min: number) => new Date(Date.now() - min * 60_000);
  await ctx.db.pool.query(`UPDATE case_events SET created_at = $2 WHERE case_id = $1 AND type = 'queued'`, [answered.caseId, ago(30)]);
  await ctx.db.pool.query(`INSERT INTO case_events (case_id, type, created_at) VALUES ($1, 'accepted', $2)`, [answered.caseId, ago(20)]);
  await ctx.db.pool.query(`INSERT INTO case_events (case_id, type, created_at) VALUES ($1, 'abandoned', now())`, [abandoned.caseId]);
  await ctx.db.pool.query(`UPDATE cases SET routing_state = 'none', status = 'solved', solved_at = now() WHERE id = ANY($1)`, [[answered.caseId, abandoned.caseId]]);
  // Ada was Available for the last hour and held the answered case for 15 minutes of it → 25 % occupancy
  const now = Date.now();
  await ctx.db.pool.query(`INSERT INTO agent_presence_log (agent_id, presence, started_at) VALUES ($1, 'available', $2), ($1, 'offline', $3)`, [ada.id, new Date(now - 3_600_000), new Date(now)]);
  await ctx.db.pool.query(`INSERT INTO case_events (case_id, type, agent_id, created_at) VALUES ($1, 'assigned', $2, $3)`, [answered.caseId, ada.id, new Date(now - 1_800_000)]);
  await ctx.db.pool.query(`INSERT INTO case_events (case_id, type, agent_id, created_at) VALUES ($1, 'solved', $2, $3)`, [answered.caseId, ada.id, new Date(now - 900_000)]);
  browser = await launchChromium();
  // the dashboard's "today" must hold the last hours' figures whatever the time (zoneWellIntoTheDay)
  ({ page, errors } = await openPage(browser, undefined, { timezoneId: zoneWellIntoTheDay() }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopWorkers?.();
  await ctx?.close();
});

describe('supervisor dashboard', () => {
  it('shows live queue figures, historical KPIs with a chart, and Erlang C staffing, in English and Persian', async () => {
    await signInAt(page, base, 'sam@example.test');
    await page.getByTestId('nav-supervisor').click();
    await page.waitForURL(/\/supervisor$/);

    const supportRow = page.getByTestId('sup-queues').locator('tr', { hasText: 'support' });
    await expect.poll(() => supportRow.locator('td').nth(1).textContent(), { timeout: 10_000 }).toBe('0');
    // a new case arrives: the waiting count rises without a reload (pushed on /supervisor)
    await inbound('live-1');
    await expect.poll(() => supportRow.locator('td').nth(1).textContent(), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => page.getByTestId('sup-agents').textContent()).toContain('Ada Agent');

    // history as loaded with the page: 2 cases entered the queue today, 1 answered within threshold → 50 %
    // (the figures refresh while the page is open: once the live case above counts too, 1 of 3 → 33.3 %)
    await expect.poll(() => page.getByTestId('kpi-sl').textContent(), { timeout: 10_000 }).toMatch(/^(50|33\.3)%$/);
    await expect.poll(() => page.getByTestId('kpi-asa').textContent()).toBe('10m');
    expect(await page.getByTestId('kpi-chart').count()).toBe(1);
    await expect.poll(() => page.getByTestId('kpi-occupancy').textContent()).toBe('25%');
    await expect.poll(() => page.getByTestId(`occupancy-${ada.id}`).textContent()).toBe('25%');

    await page.getByLabel('Contacts per hour').fill('200');
    await page.getByLabel('Handle time (s)').fill('180');
    await page.getByRole('button', { name: 'Calculate' }).click();
    await expect.poll(() => page.getByTestId('sup-staffing').textContent()).toContain('14 agents needed');
    await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-en.png'), fullPage: true });

    await page.getByTestId('language').selectOption('fa');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('داشبورد سرپرست');
    // Persian units, not "۱۰m"; channel names in the filter and the load column in Persian
    await expect.poll(() => page.getByTestId('kpi-asa').textContent()).toBe('۱۰ دقیقه');
    const filter = page.locator('select', { has: page.locator('option[value="sms"]') }).first();
    expect(await filter.locator('option[value="sms"]').textContent()).toBe('پیامک');
    expect(await filter.locator('option[value="voice"]').textContent()).toBe('تماس');
    for (const cell of await page.getByTestId('sup-load').allTextContents()) expect(cell).not.toMatch(/[a-z0-9]/i);
    await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-fa.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 90_000);

  it('keeps the top bar on one line at 1440 px, in English and Persian', async () => {
    const p3 = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signInAt(p3, base, 'sam@example.test');
    await p3.getByTestId('nav-supervisor').click();
    await p3.waitForURL(/\/supervisor$/);
    // every item of the bar sits on the same row: their vertical centres agree, and the bar is one row high
    const rows = () =>
      p3.evaluate(() => {
        const bar = document.querySelector('.topbar')!;
        const items = [...bar.children].filter((e) => (e as HTMLElement).offsetParent !== null && e.getBoundingClientRect().height > 0);
        const centres = items.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
        return { spread: Math.max(...centres) - Math.min(...centres), height: Math.round(bar.getBoundingClientRect().height), overflow: bar.scrollWidth - bar.clientWidth, widths: [...items, ...bar.querySelector('.topbar-end')!.children, ...bar.querySelector('.presence')!.children].map((e) => `${e.className}:${Math.round(e.getBoundingClientRect().width)}`).join(' ') };
      });
    for (const lang of ['en', 'fa']) {
      await p3.getByTestId('language').selectOption(lang);
      await p3.waitForFunction((l) => document.documentElement.lang === l, lang);
      const r = await rows();
      expect(r.spread, `${lang}: ${JSON.stringify(r)}`).toBeLessThanOrEqual(4);
      expect(r.height, `${lang}: ${JSON.stringify(r)}`).toBeLessThan(60);
      expect(r.overflow, `${lang}: ${JSON.stringify(r)}`).toBeLessThanOrEqual(0);
    }
    await p3.screenshot({ path: path.join(ARTIFACTS, 'supervisor-topbar-1440.png') });
    await p3.close();
  }, 60_000);

  it('opens the demo outbox: the replies kept instead of sent, with recipient, case and text', async () => {
    const c = await inbound('outbox-1');
    await ctx.db.pool.query(
      `INSERT INTO demo_outbox (interaction_id, case_id, channel, to_address, subject, text)
       SELECT id, case_id, 'email', 'outbox-1@example.com', 'Re: Question outbox-1', 'Your refund is on its way' FROM interactions WHERE case_id = $1 LIMIT 1`,
      [c.caseId],
    );
    const p4 = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signInAt(p4, base, 'sam@example.test');
    await p4.getByTestId('nav-admin').click();
    await p4.getByTestId('admin-tab-outbox').click();
    await p4.waitForURL(/\/admin\/outbox$/);
    const row = p4.getByTestId('outbox-row-email');
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('outbox-1@example.com');
    expect(text).toContain('Your refund is on its way');
    await row.getByRole('link').click();
    await p4.waitForURL(new RegExp(`/cases/${c.caseId}$`));
    await p4.close();
  }, 60_000);

  it('keeps plain agents out', async () => {
    const p2 = await browser.newPage();
    await signInAt(p2, base, 'ada@example.test');
    await p2.waitForURL((u) => !u.pathname.startsWith('/login'));
    expect(await p2.getByTestId('nav-supervisor').count()).toBe(0);
    await p2.goto(`${base}/supervisor`);
    await p2.waitForURL((u) => u.pathname === '/');
    await p2.close();
  }, 60_000);
});
