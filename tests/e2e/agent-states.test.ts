import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startOwnRouter } from '../helpers/hub-workers.js';
import { ARTIFACTS, launchChromium, openPage, signIn as signInAs, startUiServer } from './agent-ui-helpers.js';
import { ingest } from '../../server/src/ingest/pipeline.js';

// Agent states in the workspace: a disposition before Solve, the wrap-up countdown in the top bar with
// "Ready", and Away with a break reason.
let ctx: TestContext;
let base: string;
let browser: Browser;
let stopRouter: () => Promise<void>;
let agent: Awaited<ReturnType<typeof makeAgent>>;
let queueId: number;
let lunch: number;

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ ROUTING_SWEEP_MS: '600000' }));
  queueId = (await makeQueue(ctx.db.pool, { name: 'sales', isDefault: true })).id;
  await ctx.db.pool.query(`UPDATE queues SET wrap_up_seconds = 300, disposition_required = true WHERE id = $1`, [queueId]);
  await ctx.db.pool.query(`INSERT INTO dispositions (code, label_en, label_fa, queue_id) VALUES ('sale', 'Sale made', 'فروش انجام شد', $1)`, [queueId]);
  lunch = (await ctx.db.pool.query(`INSERT INTO break_reasons (name_en, name_fa) VALUES ('Lunch', 'ناهار') RETURNING id`)).rows[0].id;
  agent = await makeAgent(ctx.db.pool, { email: 'wendy@example.test', name: 'Wendy Wrap', queueIds: [queueId] });
  stopRouter = await startOwnRouter(ctx);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopRouter?.();
  await ctx?.close();
});

const signIn = (page: Page, who: { email: string; password: string }) => signInAs(page, base, who.email, who.password);

/** how long a screen or the database may take to show a change on a loaded test machine */
const SOON = { timeout: 10_000 };

const presenceRow = async () => (await ctx.db.pool.query(`SELECT presence, break_reason_id FROM agents WHERE id = $1`, [agent.id])).rows[0];

describe('agent states in Chromium', { timeout: 90_000 }, () => {
  it('asks for a disposition before Solve, counts the wrap-up down in the top bar until Ready, and goes Away for lunch', async () => {
    const { page, errors } = await openPage(browser, { width: 1440, height: 900 });
    await signIn(page, agent);
    await page.locator('[data-presence="available"]').click();
    await expect.poll(async () => (await presenceRow()).presence, SOON).toBe('available');

    // a chat arrives and is taken
    const { caseId } = await ingest(ctx.app.ingestDeps, {
      channel: 'chat',
      provider: 'test',
      providerMessageId: 'e2e-wrap-1',
      from: { kind: 'api', value: 'chat-customer-1' },
      subject: 'Which plan suits me?',
      text: 'Hello, which plan should I buy?',
      raw: {},
      caseDefaults: { queueId },
      threading: { forceNewCase: true },
    });
    await page.getByTestId('offer-card').waitFor({ timeout: 10_000 });
    await page.keyboard.press('a');
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${caseId}"]`);

    // the queue wants a disposition: the server refuses the solve and the agent is told why
    await page.getByTestId('case-disposition').waitFor();
    await page.getByTestId('action-solve').click();
    await page.getByTestId('resolution-note').fill('Recommended the yearly plan');
    await page.getByTestId('confirm-solve').click();
    await expect.poll(() => page.locator('.toast-error').allInnerTexts(), SOON).toEqual(expect.arrayContaining([expect.stringMatching(/disposition/)]));
    expect((await ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status).toBe('open');

    await page.getByTestId('case-disposition-select').selectOption({ label: 'Sale made' });
    await expect.poll(async () => (await ctx.db.pool.query(`SELECT disposition_id FROM cases WHERE id = $1`, [caseId])).rows[0].disposition_id, SOON).not.toBeNull();
    await page.getByTestId('confirm-solve').click();
    await expect.poll(async () => (await ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status, SOON).toBe('solved');

    // the chat is over: wrap-up, counting down from 5:00 in the top bar
    const timer = page.locator('.topbar [data-testid="wrap-up-timer"]');
    await timer.waitFor({ timeout: 10_000 });
    expect(await timer.innerText()).toMatch(/Wrap-up (5:00|4:[0-5][0-9])/);
    // and it counts down
    await expect.poll(() => timer.innerText(), SOON).toMatch(/Wrap-up 4:[0-5][0-9]/);
    expect((await presenceRow()).presence).toBe('wrap_up');
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-wrap-up-en.png') });

    // Ready: Available again, the countdown goes away
    await page.getByTestId('wrap-up-ready').click();
    await expect.poll(async () => (await presenceRow()).presence, SOON).toBe('available');
    await timer.waitFor({ state: 'detached' });
    expect(await page.locator('[data-presence="available"]').getAttribute('aria-checked')).toBe('true');

    // Away names a break reason
    await page.locator('[data-presence="away"]').click();
    await page.getByTestId('break-menu').locator(`[data-break-reason="${lunch}"]`).click();
    await expect.poll(presenceRow, SOON).toEqual({ presence: 'away', break_reason_id: lunch });
    expect(await page.getByTestId('break-reason').innerText()).toBe('Lunch');

    // the refused solve is the only failed request the page saw
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  it('an admin adds break reasons and dispositions; the reports break the cases down by disposition and filter by it', async () => {
    const admin = await makeAgent(ctx.db.pool, { role: 'admin', email: 'ada@example.test', name: 'Ada Admin' });
    const { page, errors } = await openPage(browser, { width: 1440, height: 900 });
    await signIn(page, admin);
    await page.goto(`${base}/admin/agent-states`);
    await page.getByTestId('break-name-en').fill('Training');
    await page.getByTestId('break-name-fa').fill('آموزش');
    await page.getByTestId('break-reason-form').locator('button[type="submit"]').click();
    await expect.poll(() => page.getByTestId('break-reasons').innerText(), SOON).toContain('Training');
    await page.getByTestId('disposition-code').fill('question');
    await page.getByTestId('disposition-form').locator('input').nth(1).fill('Just a question');
    await page.getByTestId('disposition-form').locator('input').nth(2).fill('فقط یک پرسش');
    await page.getByTestId('disposition-form').locator('button[type="submit"]').click();
    await expect.poll(() => page.getByTestId('dispositions').innerText(), SOON).toContain('Just a question');
    expect((await ctx.db.pool.query(`SELECT code, queue_id FROM dispositions ORDER BY id`)).rows).toEqual([
      { code: 'sale', queue_id: queueId },
      { code: 'question', queue_id: null },
    ]);
    // the queue's wrap-up time and its rule are in the queue form
    await page.getByTestId('admin-tab-queues').click();
    await page.getByTestId('queue-row-sales').click();
    expect(await page.getByTestId('queue-wrap-up').inputValue()).toBe('300');
    expect(await page.getByTestId('queue-disposition-required').isChecked()).toBe(true);

    // why customers call: the sale closed in the first test
    await page.goto(`${base}/supervisor/reports`);
    const table = page.getByTestId('rep-by-disposition');
    await expect.poll(() => table.locator('tr[data-disposition="sale"]').count(), SOON).toBe(1);
    expect(await table.locator('tr[data-disposition="sale"]').innerText()).toMatch(/Sale made\s+1\s+1/);
    await page.getByTestId('rep-disposition').selectOption({ label: 'Just a question' });
    await expect.poll(() => table.locator('tr[data-disposition="sale"]').count(), SOON).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-agent-states-reports-en.png') });
    expect(errors).toEqual([]);
  });
});
