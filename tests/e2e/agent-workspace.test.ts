import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { startOwnRouter } from '../helpers/hub-workers.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signIn } from './agent-ui-helpers.js';

const KEY = 'test-inbound-key-0123456789';
let ctx: TestContext;
let base: string;
let browser: Browser;
let agent: Awaited<ReturnType<typeof makeAgent>>;
let colleague: Awaited<ReturnType<typeof makeAgent>>;
let stopRouter: () => Promise<void>;

async function inbound(body: Record<string, unknown>) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY }, payload: body });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; customerId: number; caseNumber: number };
}

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ ROUTING_SWEEP_MS: '600000' }));
  const q = await makeQueue(ctx.db.pool, { name: 'support', isDefault: true });
  agent = await makeAgent(ctx.db.pool, { email: 'alice@example.test', name: 'Alice Agent', queueIds: [q.id] });
  colleague = await makeAgent(ctx.db.pool, { email: 'bob@example.test', name: 'Bob Agent', queueIds: [q.id] });
  stopRouter = await startOwnRouter(ctx);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopRouter?.();
  await ctx?.close();
});

async function apiAs(a: { email: string; password: string }) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  const token = r.json().token as string;
  return (method: 'POST' | 'GET', url: string, payload?: unknown) => ctx.app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${token}` } });
}

describe('agent workspace in Chromium', { timeout: 90_000 }, () => {
  it('goes Available, accepts an offer, sees the history from another channel, replies, notes, solves; Persian renders RTL', async () => {
    // Earlier the customer wrote by SMS, and a colleague solved that case.
    const sms = await inbound({ channel: 'sms', providerMessageId: 'e2e-sms-1', from: { kind: 'phone', value: '+14155550123', name: 'Maria Garcia' }, text: 'My router keeps rebooting since Monday' });
    const bob = await apiAs(colleague);
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned' WHERE id = $1`, [sms.caseId, colleague.id]);
    expect((await bob('POST', `/api/v1/cases/${sms.caseId}/status`, { status: 'solved', resolutionNote: 'Firmware updated' })).statusCode).toBe(200);
    // the customer's email address is on the same profile
    expect((await bob('POST', `/api/v1/customers/${sms.customerId}/identities`, { kind: 'email', value: 'maria@example.com' })).statusCode).toBe(201);

    const { page, errors } = await openPage(browser, { width: 1440, height: 900 });
    await signIn(page, base, agent.email, agent.password);
    await page.locator('[data-presence="available"]').click();
    await expect.poll(async () => (await ctx.db.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence).toBe('available');
    expect(await page.locator('[data-presence="available"]').getAttribute('aria-checked')).toBe('true');

    // A new case arrives through the API: the router offers it to the only available agent.
    const mail = await inbound({ channel: 'email', providerMessageId: 'e2e-mail-1', from: { kind: 'email', value: 'maria@example.com', name: 'Maria Garcia' }, subject: 'Invoice shows the wrong amount', text: 'Hello, March was charged twice.' });
    expect(mail.customerId).toBe(sms.customerId);
    const card = page.getByTestId('offer-card');
    await card.waitFor({ timeout: 10_000 });
    expect(await card.innerText()).toContain('Invoice shows the wrong amount');
    expect(await card.innerText()).toContain('Maria Garcia');
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-offer-en.png') });
    await page.keyboard.press('a');
    await page.waitForURL(new RegExp(`/cases/${mail.caseId}$`));
    await card.waitFor({ state: 'detached' });
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${mail.caseId}"]`);
    const assigned = await ctx.db.pool.query(`SELECT assignee_id, routing_state FROM cases WHERE id = $1`, [mail.caseId]);
    expect(assigned.rows[0]).toEqual({ assignee_id: agent.id, routing_state: 'assigned' });
    // and it is listed under my cases
    await page.locator(`.case-list [data-case-id="${mail.caseId}"]`).waitFor();
    const timeline = page.getByTestId('timeline');
    await expect.poll(() => timeline.locator('[data-channel="sms"]').count()).toBe(1);
    expect(await timeline.locator('[data-channel="sms"]').innerText()).toContain('My router keeps rebooting');
    expect(await timeline.locator('[data-channel="email"][data-direction="inbound"]').innerText()).toContain('March was charged twice');
    // the customer has a phone number, but this hub has no Twilio account: no Call button that could only fail
    await page.waitForLoadState('networkidle');
    expect(await page.getByTestId('action-call').count()).toBe(0);

    // reply by email with a canned response inserted through "/"
    await page.getByTestId('composer-editor').click();
    await page.keyboard.type('/hel');
    await page.getByTestId('pop-menu').waitFor();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('composer-editor').innerText()).toContain('Hello Maria Garcia');
    await page.keyboard.type(' We refunded the duplicate charge.');
    await page.getByTestId('composer-send').click();
    await expect.poll(() => timeline.locator('[data-direction="outbound"]').count()).toBe(1);
    const out = await ctx.db.pool.query(`SELECT channel, to_address, subject, text FROM interactions WHERE case_id = $1 AND direction = 'outbound'`, [mail.caseId]);
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]).toMatchObject({ channel: 'email', to_address: 'maria@example.com', subject: 'Re: Invoice shows the wrong amount' });
    expect(out.rows[0].text).toContain(`case #${mail.caseNumber}`);
    expect(out.rows[0].text).toContain('We refunded the duplicate charge.');

    // internal note mentioning a colleague
    await page.getByTestId('mode-note').click();
    await page.getByTestId('composer-text').fill('Refund done, @bob please double-check');
    await page.getByTestId('composer-send').click();
    await expect.poll(() => timeline.locator('[data-direction="internal"]').count()).toBe(1);
    const notes = await ctx.db.pool.query(`SELECT n.agent_id FROM notifications n JOIN interactions i ON i.id = n.interaction_id WHERE i.case_id = $1`, [mail.caseId]);
    expect(notes.rows.map((r) => r.agent_id)).toEqual([colleague.id]);

    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-workspace-en.png') });

    // Persian: the whole document flips to right-to-left, dates use the Persian calendar
    await page.getByTestId('language').selectOption('fa');
    await expect.poll(() => page.evaluate(() => document.documentElement.getAttribute('dir'))).toBe('rtl');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fa');
    expect(await page.getByTestId('case-status').innerText()).toBe('باز');
    expect(await page.getByTestId('composer-send').innerText()).toBe('افزودن یادداشت');
    // Persian digits in formatted dates (fa-IR, Solar Hijri calendar)
    expect(await page.locator('.entry-time').first().innerText()).toMatch(/^[۰-۹:٫،\s]+$/);
    expect(await page.locator('.case-header .meta').nth(2).innerText()).toMatch(/۱۴۰[0-9۰-۹]/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-workspace-fa.png') });

    // solve with a resolution note (in the Persian UI)
    await page.getByTestId('action-solve').click();
    await page.getByTestId('resolution-note').fill('Duplicate March charge refunded');
    await page.getByTestId('confirm-solve').click();
    await expect.poll(() => page.getByTestId('case-status').innerText()).toBe('حل‌شده');
    const solved = await ctx.db.pool.query(`SELECT status, resolution_note FROM cases WHERE id = $1`, [mail.caseId]);
    expect(solved.rows[0]).toEqual({ status: 'solved', resolution_note: 'Duplicate March charge refunded' });
    // solved work leaves the active list
    await page.locator(`.case-list [data-case-id="${mail.caseId}"]`).waitFor({ state: 'detached' });

    expect(errors).toEqual([]);
    await page.close();
  });
});
