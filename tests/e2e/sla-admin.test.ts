import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { startSlaWorker } from '../../workers/src/processors/sla-timers.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signInAt, zoneWellIntoTheDay } from './agent-ui-helpers.js';

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let queueId: number;
let stopSla: () => Promise<void>;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Today's and yesterday's weekday in Tehran, whatever time the test runs. */
function tehranDays(): { today: string; yesterday: string } {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tehran', weekday: 'short' }).format(new Date()).toLowerCase().slice(0, 3);
  const i = DAYS.indexOf(name as (typeof DAYS)[number]);
  return { today: DAYS[i]!, yesterday: DAYS[(i + 6) % 7]! };
}

let n = 0;
/** A case in the support queue that arrived `minutesAgo` minutes ago. */
async function caseFrom(minutesAgo: number): Promise<number> {
  const r = await ingest(ctx.app.ingestDeps, {
    channel: 'email', provider: 'test', providerMessageId: `sla-e2e-${++n}`, from: { kind: 'email', value: `customer${n}@example.test` },
    subject: `Invoice question ${n}`, text: 'Where is my invoice?', raw: {}, caseDefaults: { queueId }, threading: { forceNewCase: true },
  });
  // backdated, and marked again for the SLA worker: it may have recomputed the case in between (created_at is
  // not a column the product ever changes, so no trigger marks it)
  await ctx.db.pool.query(
    `WITH u AS (UPDATE cases SET created_at = now() - make_interval(mins => $2) WHERE id = $1 RETURNING id)
     INSERT INTO case_sla_marks (case_id) SELECT id FROM u ON CONFLICT DO NOTHING`,
    [r.caseId, minutesAgo],
  );
  return r.caseId;
}

beforeAll(async () => {
  ({ ctx, base } = await startUiServer());
  queueId = (await makeQueue(ctx.db.pool, { name: 'support', isDefault: true })).id;
  await makeAgent(ctx.db.pool, { email: 'olga@example.test', name: 'Olga Admin', role: 'admin', queueIds: [queueId] });
  stopSla = startSlaWorker({ db: ctx.db.pool, queues: ctx.app.queues, log: pino({ level: 'silent' }), syncMs: 200 });
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser, { width: 1440, height: 1000 }, { timezoneId: zoneWellIntoTheDay() }));
  page.setDefaultTimeout(10_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopSla?.();
  await ctx?.close();
});

describe('SLA in the browser', { timeout: 180_000 }, () => {
  it('an admin creates a calendar and a policy; the case view shows business-time clocks with warning and breach colours, in English and Persian', async () => {
    await signInAt(page, base, 'olga@example.test');
    await page.waitForSelector('[data-testid="connection"].conn-on');

    // the support queue's calendar in Tehran: open round the clock yesterday and today (a shift 00:00–00:00 runs
    // to the next midnight), closed the rest of the week, so the clocks below do not depend on when the test runs
    await page.goto(`${base}/admin/business-hours`);
    await page.getByTestId('hours-scope').selectOption(String(queueId));
    await page.getByTestId('hours-timezone').fill('Asia/Tehran');
    const { today, yesterday } = tehranDays();
    for (const d of [yesterday, today]) {
      await page.getByTestId(`hours-add-${d}`).click();
      const times = page.getByTestId(`hours-day-${d}`).locator('input[type=time]');
      await times.nth(0).fill('00:00');
      await times.nth(1).fill('00:00');
      await expect.poll(() => page.getByTestId(`hours-day-${d}`).textContent()).toContain('ends the next day');
    }
    await page.getByTestId('holiday-add').click();
    await page.getByTestId('holiday-date-0').fill('2027-03-21');
    await page.getByTestId('holiday-to-0').fill('2027-03-24');
    await page.getByTestId('holiday-name-0').fill('Nowruz');
    await page.getByTestId('holiday-yearly-0').check();
    await page.getByTestId('hours-save').click();
    await page.getByTestId('hours-saved').waitFor();
    const hours = (await ctx.db.pool.query(`SELECT weekly, holidays FROM business_hours WHERE queue_id = $1`, [queueId])).rows[0];
    expect(hours.weekly[today]).toEqual([['00:00', '00:00']]);
    expect(hours.holidays).toEqual([{ date: '2027-03-21', to: '2027-03-24', yearly: true, calendar: 'gregory', name: 'Nowruz' }]);

    // the policy: support email, first response in 140 business minutes, warning at 80 %
    await page.getByTestId('admin-tab-sla-policies').click();
    await page.getByTestId('sla-new').click();
    await page.getByTestId('sla-name').fill('Support email');
    await page.getByTestId(`sla-queue-${queueId}`).check();
    await page.getByTestId('sla-channel-email').check();
    await page.getByTestId('sla-first-response').fill('140');
    await page.getByTestId('sla-resolution').fill('2880');
    await page.getByTestId('sla-save').click();
    await page.getByTestId('sla-list').getByText('Support email').waitFor();
    const policy = (await ctx.db.pool.query(`SELECT conditions, first_response_minutes, business_time, warn_percent FROM sla_policies`)).rows;
    expect(policy).toEqual([{ conditions: expect.objectContaining({ queueIds: [queueId], channels: ['email'] }), first_response_minutes: 140, business_time: true, warn_percent: 80 }]);

    // two customers wrote: two hours ago (past 80 % of 140 minutes: warning) and three hours ago (breached)
    const warned = await caseFrom(120);
    const breached = await caseFrom(180);
    const clock = async (caseId: number) =>
      (await ctx.db.pool.query(`SELECT due_at, breached_at FROM case_sla_clocks WHERE case_id = $1 AND metric = 'first_response'`, [caseId])).rows[0];
    await expect.poll(async () => !!(await clock(warned)) && !!(await clock(breached))?.breached_at, { timeout: 20_000 }).toBe(true);

    await page.goto(`${base}/cases/${warned}`);
    const fr = page.getByTestId('sla-first_response');
    await expect.poll(() => fr.getAttribute('data-state')).toBe('warning');
    expect(await fr.getAttribute('class')).toContain('sla-warning');
    expect(await fr.textContent()).toMatch(/First response.*\d+m( 0s)? left.*business hours/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'sla-case-warning-en.png') });

    await page.goto(`${base}/cases/${breached}`);
    await expect.poll(() => fr.getAttribute('data-state')).toBe('breached');
    expect(await fr.getAttribute('class')).toContain('sla-breached');
    expect(await fr.textContent()).toMatch(/overdue/);
    // the breach escalated: priority one step up
    await expect.poll(() => page.getByTestId('case-priority').inputValue()).toBe('high');

    // Persian: the same clocks, right to left, in Persian words
    await page.getByTestId('language').selectOption('fa');
    await page.waitForFunction(() => document.documentElement.lang === 'fa');
    await expect.poll(() => fr.textContent()).toContain('ساعات کاری');
    expect(await fr.textContent()).toContain('گذشته');
    expect(await fr.getAttribute('data-state')).toBe('breached');
    await page.goto(`${base}/cases/${warned}`);
    await expect.poll(() => fr.getAttribute('data-state')).toBe('warning');
    expect(await fr.textContent()).toContain('مانده');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.screenshot({ path: path.join(ARTIFACTS, 'sla-case-warning-fa.png') });

    // holidays are entered in the Persian calendar in Persian
    await page.goto(`${base}/admin/business-hours`);
    await page.getByTestId('hours-scope').selectOption(String(queueId));
    await expect.poll(() => page.getByTestId('holiday-jdate-0').inputValue()).toBe('1406/01/01');
    await page.getByTestId('holiday-add').click();
    await page.getByTestId('holiday-jdate-1').fill('۱۴۰۶/۰۱/۱۳');
    await page.getByTestId('holiday-name-1').fill('سیزده‌بدر');
    await page.getByTestId('holiday-yearly-1').check();
    await page.getByTestId('hours-save').click();
    await page.getByTestId('hours-saved').waitFor();
    const saved = (await ctx.db.pool.query(`SELECT holidays FROM business_hours WHERE queue_id = $1`, [queueId])).rows[0].holidays;
    expect(saved).toContainEqual({ date: '2027-04-02', yearly: true, calendar: 'persian', name: 'سیزده‌بدر' });

    // the supervisor dashboard: SLA met % per policy, and the breached case, which opens from the list
    await page.getByTestId('language').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.goto(`${base}/supervisor`);
    const report = page.getByTestId('sla-report');
    const row = report.getByTestId('sla-met').locator('tr', { hasText: 'Support email' });
    await expect.poll(() => row.textContent()).toContain('First response');
    expect(await row.locator('td').nth(3).textContent()).toBe('1');
    expect(await row.locator('td').nth(4).textContent()).toBe('0%');
    await report.getByTestId(`sla-breach-${breached}`).click();
    await page.waitForURL(new RegExp(`/cases/${breached}$`));
    await page.getByTestId('sla-first_response').waitFor();

    expect(errors).toEqual([]);
  });
});
