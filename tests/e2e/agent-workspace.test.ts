import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ARTIFACTS, ensureUiBuilt, launchChromium, watchErrors } from './agent-ui-helpers.js';

const KEY = 'test-inbound-key-0123456789';
let ctx: TestContext;
let base: string;
let browser: Browser;
let agent: Awaited<ReturnType<typeof makeAgent>>;
let colleague: Awaited<ReturnType<typeof makeAgent>>;

async function inbound(body: Record<string, unknown>) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY }, payload: body });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; customerId: number; caseNumber: number };
}

beforeAll(async () => {
  const dist = ensureUiBuilt();
  ctx = await createTestContext({ UI_DIST_DIR: dist });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  const q = await makeQueue(ctx.db.pool, { name: 'support', isDefault: true });
  agent = await makeAgent(ctx.db.pool, { email: 'alice@example.test', name: 'Alice Agent', queueIds: [q.id] });
  colleague = await makeAgent(ctx.db.pool, { email: 'bob@example.test', name: 'Bob Agent', queueIds: [q.id] });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForSelector('[data-testid="connection"].conn-on');
}

describe('agent workspace in Chromium', () => {
  it('works a case end to end: history from another channel, reply, note with mention, solve; Persian renders RTL', async () => {
    // The customer first wrote by SMS; later by email (same person: the email identity is on the customer).
    const sms = await inbound({ channel: 'sms', providerMessageId: 'e2e-sms-1', from: { kind: 'phone', value: '+14155550123', name: 'Maria Garcia' }, text: 'My router keeps rebooting since Monday' });
    await ctx.db.pool.query(`INSERT INTO customer_identities (customer_id, kind, value) VALUES ($1, 'email', 'maria@example.com')`, [sms.customerId]);
    const mail = await inbound({ channel: 'email', providerMessageId: 'e2e-mail-1', from: { kind: 'email', value: 'maria@example.com', name: 'Maria Garcia' }, subject: 'Invoice shows the wrong amount', text: 'Hello, March was charged twice.' });
    expect(mail.customerId).toBe(sms.customerId);
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [mail.caseId, agent.id]);

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchErrors(page);
    await signIn(page, agent.email, agent.password);

    // the case is in "my cases"; open it
    await page.locator(`[data-case-id="${mail.caseId}"]`).click();
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${mail.caseId}"]`);
    const timeline = page.getByTestId('timeline');
    await expect.poll(() => timeline.locator('[data-channel="sms"]').count()).toBe(1);
    expect(await timeline.locator('[data-channel="sms"]').innerText()).toContain('My router keeps rebooting');
    expect(await timeline.locator('[data-channel="email"][data-direction="inbound"]').innerText()).toContain('March was charged twice');

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

    // solve with a resolution note
    await page.getByTestId('action-solve').click();
    await page.getByTestId('resolution-note').fill('Duplicate March charge refunded');
    await page.getByTestId('confirm-solve').click();
    await expect.poll(() => page.getByTestId('case-status').innerText()).toBe('Solved');
    const solved = await ctx.db.pool.query(`SELECT status, resolution_note FROM cases WHERE id = $1`, [mail.caseId]);
    expect(solved.rows[0]).toEqual({ status: 'solved', resolution_note: 'Duplicate March charge refunded' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-workspace-en.png') });

    // Persian: the whole document flips to right-to-left, dates use the Persian calendar
    await page.getByTestId('language').selectOption('fa');
    await expect.poll(() => page.evaluate(() => document.documentElement.getAttribute('dir'))).toBe('rtl');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fa');
    expect(await page.getByTestId('case-status').innerText()).toBe('حل‌شده');
    // Persian digits in a formatted date (fa-IR, Solar Hijri calendar: year 14xx)
    expect(await page.locator('.entry-time').first().innerText()).toMatch(/[۰-۹]/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-workspace-fa.png') });

    expect(errors).toEqual([]);
    await page.close();
  });
});
