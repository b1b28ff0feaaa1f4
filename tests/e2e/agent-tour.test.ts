import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, submitSignIn } from './agent-ui-helpers.js';
import { startHubWorkers } from '../helpers/hub-workers.js';

const KEY = 'test-inbound-key-0123456789';
let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let visitor: Socket;
let stopWorkers: (() => Promise<void>) | undefined;
let alice: Awaited<ReturnType<typeof makeAgent>>;
const ids = { chat: 0, sms: 0, mail: 0, smsCustomer: 0, mailCustomer: 0 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => Promise<{ statusCode: number; body: string; json: () => any }>;
async function apiAs(a: { email: string; password: string }): Promise<Api> {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  const token = r.json().token as string;
  return (method, url, payload) => ctx.app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${token}` } });
}
async function inbound(body: Record<string, unknown>) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY }, payload: body });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; customerId: number; caseNumber: number };
}
const next = <T>(s: Socket, event: string, ms = 8000) =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    s.once(event, (p: T) => (clearTimeout(t), resolve(p)));
  });

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ ROUTING_SWEEP_MS: '600000', OUTBOUND_COUNTRIES: 'US,IR' }));
  // replies are delivered by the outbound worker (the chat adapter pushes them to the widget)
  stopWorkers = await startHubWorkers(ctx);
  const q = await makeQueue(ctx.db.pool, { name: 'support', isDefault: true });
  alice = await makeAgent(ctx.db.pool, { email: 'alice@example.test', name: 'Alice Agent', queueIds: [q.id] });
  const bob = await makeAgent(ctx.db.pool, { email: 'bob@example.test', name: 'Bob Agent', queueIds: [q.id] });
  const sam = await makeAgent(ctx.db.pool, { email: 'sam@example.test', name: 'Sam Supervisor', role: 'supervisor' });
  const sup = await apiAs(sam);

  // Three customers on three channels, all assigned to Alice by a supervisor.
  const mail = await inbound({ channel: 'email', providerMessageId: 't-mail-1', from: { kind: 'email', value: 'maria.garcia@example.com', name: 'Maria Garcia' }, subject: 'Invoice shows the wrong amount', text: 'Hello, my March invoice charges me twice for the same plan.' });
  const sms = await inbound({ channel: 'sms', providerMessageId: 't-sms-1', from: { kind: 'phone', value: '+989121234567', name: 'سارا احمدی' }, text: 'سلام، اینترنت من از صبح قطع است.', language: 'fa' });
  await ctx.db.pool.query(`UPDATE customers SET language = 'fa' WHERE id = $1`, [sms.customerId]);
  const v = await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', payload: { name: 'Lena Okafor' } });
  expect(v.statusCode, v.body).toBe(201);
  visitor = connect(`${base}/visitor`, { auth: { token: v.json().token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => (visitor.once('connect', () => resolve()), visitor.once('connect_error', reject)));
  const ack = await visitor.emitWithAck('message', { text: 'Do you offer a discount for yearly plans?', clientId: 'v1' });
  Object.assign(ids, { chat: ack.message.caseId, sms: sms.caseId, mail: mail.caseId, smsCustomer: sms.customerId, mailCustomer: mail.customerId });
  for (const id of [ids.mail, ids.sms, ids.chat]) {
    const r = await sup('POST', `/api/v1/supervisor/cases/${id}/assign`, { agentId: alice.id });
    expect(r.statusCode, r.body).toBe(200);
  }
  // help articles are published by a supervisor
  const kb = await sup('POST', '/api/v1/kb/articles', { title: 'Restart your router', body: 'Unplug the router, wait ten seconds and plug it back in.', language: 'fa', published: true });
  expect(kb.statusCode, kb.body).toBe(201);
  (globalThis as { bobApi?: Api }).bobApi = await apiAs(bob);

  browser = await launchChromium();
  ({ page, errors } = await openPage(browser, { width: 1440, height: 900 }));
  await page.goto(`${base}/cases/${ids.chat}`);
  await page.waitForURL(/\/login/);
  await submitSignIn(page, alice.email, alice.password);
  // back to the page asked for before signing in
  await page.waitForURL(new RegExp(`/cases/${ids.chat}$`));
  await page.waitForSelector('[data-testid="connection"].conn-on');
}, 120_000);

afterAll(async () => {
  visitor?.disconnect();
  await browser?.close();
  await stopWorkers?.();
  await ctx?.close();
});

// generous per-step limit: these run next to the whole suite on one machine
describe('agent workspace tour in Chromium', { timeout: 60_000 }, () => {
  it('lists my cases on three channels', async () => {
    for (const id of [ids.chat, ids.sms, ids.mail]) await page.locator(`.case-list [data-case-id="${id}"]`).waitFor();
    expect(await page.locator('.case-list .case-item').count()).toBe(3);
  });

  it('chat: sees the visitor typing, types back (the visitor sees it), sends with Enter', async () => {
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${ids.chat}"]`);
    visitor.emit('typing', { typing: true });
    await page.getByTestId('typing').waitFor();
    const agentTyping = next<{ typing: boolean; name: string }>(visitor, 'typing');
    await page.getByTestId('composer-text').click();
    await page.keyboard.type('Yes: two months free on a yearly plan.');
    expect(await agentTyping).toMatchObject({ typing: true, name: 'Alice Agent' });
    const message = next<{ text: string; from: string }>(visitor, 'message');
    await page.keyboard.press('Enter');
    expect(await message).toMatchObject({ text: 'Yes: two months free on a yearly plan.', from: 'agent' });
    await page.getByTestId('timeline').locator('[data-direction="outbound"][data-channel="chat"]').waitFor();
    // the visitor's next message shows up live
    await visitor.emitWithAck('message', { text: 'Great, thanks!', clientId: 'v2' });
    await page.getByTestId('timeline').getByText('Great, thanks!').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-tour-chat-en.png') });
  });

  it('a mention by a colleague lights up the bell at once', async () => {
    const bob = (globalThis as { bobApi?: Api }).bobApi!;
    // the bell already holds the supervisor's three assignments of this tour (reassignment notices)
    const badge = page.locator('[data-testid="notifications"] .badge');
    const before = (await badge.count()) ? Number(await badge.textContent()) : 0;
    const r = await bob('POST', `/api/v1/cases/${ids.mail}/messages`, { internal: true, text: '@alice the refund is approved' });
    expect(r.statusCode).toBe(201);
    await badge.getByText(String(before + 1), { exact: true }).waitFor();
  });

  it('SMS in Persian: counts UCS-2 segments; inserts a knowledge-base link; renders right to left', async () => {
    await page.locator(`.case-list [data-case-id="${ids.sms}"]`).click();
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${ids.sms}"]`);
    const box = page.getByTestId('composer-text');
    await box.fill('سلام سارا، لطفاً مودم را خاموش و روشن کنید.');
    const count = page.getByTestId('sms-count');
    expect(await count.getAttribute('data-encoding')).toBe('UCS-2');
    expect(await count.getAttribute('data-segments')).toBe('1');
    await box.fill('س'.repeat(71));
    await expect.poll(() => count.getAttribute('data-segments')).toBe('2');
    await box.fill('Hello Sara');
    await expect.poll(() => count.getAttribute('data-encoding')).toBe('GSM-7');

    await page.getByTestId('tab-kb').click();
    await page.getByTestId('kb-panel').getByText('Restart your router').waitFor();
    await page.getByTestId('kb-panel').getByRole('button', { name: 'Insert link' }).click();
    await expect.poll(() => box.inputValue()).toMatch(/Restart your router: http/);

    await page.getByTestId('language').selectOption('fa');
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await box.fill('سلام سارا، لطفاً مودم را خاموش و روشن کنید. اگر مشکل ادامه داشت همین‌جا خبر بدهید.');
    await page.getByTestId('composer-send').click();
    await page.getByTestId('timeline').locator('[data-direction="outbound"][data-channel="sms"]').waitFor();
    const out = await ctx.db.pool.query(`SELECT to_address, channel FROM interactions WHERE case_id = $1 AND direction = 'outbound'`, [ids.sms]);
    expect(out.rows).toEqual([{ to_address: '+989121234567', channel: 'sms' }]);
    await box.fill('ممنون از صبوری شما، پیگیری می‌کنم.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-tour-fa.png') });
    await box.fill('');
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('ltr');
  });

  it('new messages arrive live: in the open case, and as an unread marker on another case', async () => {
    await inbound({ channel: 'sms', providerMessageId: 't-sms-2', from: { kind: 'phone', value: '+989121234567' }, text: 'هنوز قطع است' });
    await page.getByTestId('timeline').getByText('هنوز قطع است').waitFor();
    await inbound({ channel: 'email', providerMessageId: 't-mail-2', from: { kind: 'email', value: 'maria.garcia@example.com' }, subject: 'Re: Invoice shows the wrong amount', text: 'Any news?' });
    await page.locator(`.case-list [data-case-id="${ids.mail}"].unread`).waitFor();
  });

  it('resumes after the server drops the socket: what happened meanwhile is shown', async () => {
    ctx.app.io.of('/agent').disconnectSockets(true);
    await page.waitForSelector('[data-testid="connection"].conn-off');
    await inbound({ channel: 'sms', providerMessageId: 't-sms-3', from: { kind: 'phone', value: '+989121234567' }, text: 'پیام در زمان قطع اتصال' });
    await page.waitForSelector('[data-testid="connection"].conn-on', { timeout: 10_000 });
    await page.getByTestId('timeline').getByText('پیام در زمان قطع اتصال').waitFor();
  });

  it('scrolls back through a long history page by page', async () => {
    for (let i = 0; i < 40; i++) await inbound({ channel: 'sms', providerMessageId: `t-long-${i}`, from: { kind: 'phone', value: '+989121234567' }, text: `پیام شماره ${i}` });
    await page.locator(`.case-list [data-case-id="${ids.mail}"]`).click();
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${ids.mail}"]`);
    await page.locator(`.case-list [data-case-id="${ids.sms}"]`).click();
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${ids.sms}"]`);
    const entries = page.getByTestId('timeline').locator('.entry');
    await expect.poll(() => entries.count()).toBe(30);
    // the newest is at the bottom, in view
    await page.getByTestId('timeline').getByText('پیام شماره 39').waitFor();
    await page.getByTestId('timeline').evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => entries.count()).toBeGreaterThan(30);
    await page.getByTestId('timeline').evaluate((el) => (el.scrollTop = 0));
    await page.getByTestId('timeline').getByText('Beginning of the history').waitFor();
    await page.getByTestId('timeline').getByText('سلام، اینترنت من از صبح قطع است.').waitFor();
  });

  it('searches by phone fragment and email, opens the customer, edits identities and tier', async () => {
    await page.keyboard.press('Control+k');
    await page.keyboard.type('912123');
    await page.locator('.search-row[data-kind="customer"]').first().waitFor();
    expect(await page.locator('.search-row[data-kind="customer"]').first().innerText()).toContain('سارا احمدی');
    await page.locator('.search-input').fill('maria.garcia');
    await page.locator('.search-row[data-kind="customer"]').getByText('Maria Garcia').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/customers/${ids.mailCustomer}$`));
    const panel = page.getByTestId('customer-panel');
    await panel.getByTestId('identity-value').fill('(415) 555-0177');
    await panel.getByRole('button', { name: 'Add' }).click();
    await panel.locator('[data-identity="+14155550177"]').waitFor();
    await panel.getByTestId('customer-tier').selectOption('vip');
    await expect
      .poll(async () => (await ctx.db.pool.query(`SELECT tier FROM customers WHERE id = $1`, [ids.mailCustomer])).rows[0].tier)
      .toBe('vip');
    // the customer page shows the whole history
    await page.getByTestId('customer-page').getByText('Any news?').waitFor();
  });

  it('leaves an English screenshot of a busy case and reports no console errors', async () => {
    await page.locator(`.case-list [data-case-id="${ids.mail}"]`).click();
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${ids.mail}"]`);
    await page.getByTestId('composer-editor').click();
    await page.keyboard.type('Hello Maria, the duplicate charge has been refunded.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-tour-en.png') });
    // with an attachment
    await page.getByTestId('email-files').setInputFiles({ name: 'refund.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 refund confirmation') });
    await page.locator('.file-chips').getByText('refund.pdf').waitFor();
    await page.getByTestId('composer-send').click();
    const sent = page.getByTestId('timeline').locator('[data-direction="outbound"][data-channel="email"]');
    await sent.getByText('refund.pdf').waitFor();
    const att = await ctx.db.pool.query(
      `SELECT a.filename, a.content_type, a.size_bytes, i.subject FROM attachments a JOIN interactions i ON i.id = a.interaction_id WHERE i.case_id = $1 AND i.direction = 'outbound'`,
      [ids.mail],
    );
    expect(att.rows).toEqual([{ filename: 'refund.pdf', content_type: 'application/pdf', size_bytes: 28, subject: 'Re: Invoice shows the wrong amount' }]);
    expect(errors).toEqual([]);
  });

  it('when the session ends on the server, the next request leads to sign-in with a notice, and back', async () => {
    await ctx.db.pool.query(`DELETE FROM sessions WHERE agent_id = $1`, [alice.id]);
    // the agent's next action (or any live refresh already under way) meets a 401
    await page
      .locator(`.case-list [data-case-id="${ids.sms}"]`)
      .click({ timeout: 5000 })
      .catch(() => undefined);
    await page.waitForURL(/\/login\?/, { timeout: 8000 });
    const url = new URL(page.url());
    expect(url.searchParams.get('expired')).toBe('1');
    const next = url.searchParams.get('next')!;
    expect(next).toMatch(/^\/cases\/\d+$/);
    await page.getByText('Your session has expired. Please sign in again.').waitFor({ timeout: 8000 });
    // signing in again returns to where the agent was
    await submitSignIn(page, alice.email, alice.password);
    await page.waitForSelector(`[data-testid="case-page"][data-case-id="${next.split('/').pop()}"]`, { timeout: 8000 });
  });
});
