import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { io as connect, type Socket } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { signInAgent, startHubWorkers, waitFor } from '../helpers/hub-workers.js';
import { ensureBuilt, launchBrowser } from '../helpers/browser.js';

let ctx: TestContext;
let stopWorkers: () => Promise<void>;
let browser: Browser;
let hostPage: http.Server;
let hostUrl: string;
let hub: string;
let agent: Awaited<ReturnType<typeof makeAgent>>;
let agentToken: string;
let agentSocket: Socket;

beforeAll(async () => {
  await ensureBuilt('dist/widget/widget.js', 'customer-ui/widget.vite.config.ts');
  ctx = await createTestContext({ WIDGET_DIST_DIR: 'dist/widget', CHAT_LEAVE_GRACE_MS: '60000' });
  hub = await listenLocally(ctx);
  stopWorkers = await startHubWorkers(ctx, { routing: true });
  const q = await makeQueue(ctx.db.pool, { name: 'Chat', channels: ['chat'], isDefault: true });
  // one chat at a time, so a second chat has to wait in line
  agent = await makeAgent(ctx.db.pool, { name: 'Sara', queueIds: [q.id], capacity: { voice: 1, chat: 1, sms: 5, email: 5, portal: 5, api: 5 } });
  agentToken = await signInAgent(ctx, agent);
  // A customer's own web site on another origin (localhost vs 127.0.0.1) embedding the widget with one tag.
  hostPage = http.createServer((req, res) => {
    const lang = req.url?.includes('fa') ? 'fa' : 'en';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><head><title>Shop</title>
      <style>button { background: red !important; } .launcher { display: none !important; }</style></head>
      <body><h1>Acme shop</h1><script src="${hub}/widget.js" data-lang="${lang}" data-prechat="optional" async></script></body></html>`);
  });
  await new Promise<void>((r) => hostPage.listen(0, '127.0.0.1', r));
  hostUrl = `http://localhost:${(hostPage.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  agentSocket = connect(`${hub}/agent`, { auth: { token: agentToken }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((r) => agentSocket.once('connect', () => r()));
  agentSocket.on('offer', (o: { offerId: string; case: { id: number } }) => offers.push(o));
  expect(await agentSocket.timeout(5000).emitWithAck('presence:set', { presence: 'available' })).toMatchObject({ ok: true });
});
const offers: { offerId: string; case: { id: number } }[] = [];
afterAll(async () => {
  agentSocket?.disconnect();
  await browser?.close();
  await new Promise((r) => hostPage?.close(r));
  await stopWorkers?.();
  await ctx?.close();
});

describe('chat widget in a browser', () => {
  it('a visitor chats with an agent live, and a reload keeps the conversation', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    page.on("pageerror", (e) => console.log("pageerror", e.message));
    try {
      // Sara is busy with another customer's chat (her only chat slot).
      const other = await ctx.app.inject({
        method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': 'test-inbound-key-0123456789' },
        payload: { channel: 'chat', providerMessageId: 'busy-1', from: { kind: 'chat', value: 'another-visitor' }, text: 'first in' },
      });
      const otherCase = other.json().caseId;
      const first = await waitFor(async () => offers.find((o) => o.case.id === otherCase), 15_000);
      expect(await agentSocket.timeout(5000).emitWithAck('offer:accept', { offerId: first.offerId })).toMatchObject({ ok: true });

      await page.goto(hostUrl);
      const launcher = page.locator('#contact-hub-widget .launcher');
      await expect.poll(() => launcher.isVisible()).toBe(true); // host page CSS cannot hide it
      await launcher.click();
      await page.locator('#contact-hub-widget form.prechat input[name=name]').fill('Nima <b>bold</b>');
      await page.locator('#contact-hub-widget form.prechat button[type=submit]').click();
      const box = page.locator('#contact-hub-widget textarea[aria-label="Type a message…"]');
      await box.fill('Hello, my order #42 is late <img src=x onerror="window.pwned=1">');
      await box.press('Enter');
      const mine = page.locator('#contact-hub-widget .msg.visitor');
      await expect.poll(() => mine.first().textContent()).toContain('my order #42 is late <img src=x');
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      await expect.poll(() => page.locator('#contact-hub-widget .status').textContent()).toMatch(/You are number 1 in line\. Estimated wait: about \d+ (seconds|minutes)/);
      const caseRow = await waitFor(async () => (await ctx.db.pool.query(`SELECT id, routing_state FROM cases WHERE channel = 'chat' AND id <> $1 ORDER BY id DESC LIMIT 1`, [otherCase])).rows[0]);
      expect(caseRow.routing_state).toBe('waiting');

      // Sara finishes the other chat; the router offers her the visitor's chat and she accepts.
      const solved = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${otherCase}/status`, headers: { authorization: `Bearer ${agentToken}` }, payload: { status: 'solved', resolutionNote: 'answered' } });
      expect(solved.statusCode).toBe(200);
      const offer = await waitFor(async () => offers.find((o) => o.case.id === caseRow.id), 15_000);
      expect(await agentSocket.timeout(5000).emitWithAck('offer:accept', { offerId: offer.offerId })).toMatchObject({ ok: true, caseId: caseRow.id });
      await expect.poll(() => page.locator('#contact-hub-widget .note').first().textContent(), { timeout: 8000 }).toBe('Sara joined the chat');
      await expect.poll(() => page.locator('#contact-hub-widget .status').textContent()).toBe('');

      const heard = new Promise<{ typing: boolean }>((r) => agentSocket.once('typing', r));
      await box.pressSequentially('still there?');
      expect((await heard).typing).toBe(true);
      agentSocket.emit('typing', { caseId: caseRow.id, typing: true });
      await expect.poll(() => page.locator('#contact-hub-widget .typing').textContent()).toBe('Sara is typing…');
      const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseRow.id}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { text: 'Hi Nima, I am checking your order now.' } });
      expect(r.statusCode).toBe(201);
      await expect.poll(() => page.locator('#contact-hub-widget .msg.agent').last().textContent(), { timeout: 8000 }).toContain('Hi Nima, I am checking your order now.');
      expect(await page.locator('#contact-hub-widget .note').count()).toBe(1); // announced once
      await expect.poll(() => page.locator('#contact-hub-widget .typing').textContent()).toBe('');
      // the open panel marks the agent's message read
      await waitFor(async () => (await ctx.db.pool.query(`SELECT 1 FROM interactions WHERE case_id = $1 AND direction = 'outbound' AND delivery_status = 'read'`, [caseRow.id])).rowCount);

      await page.reload();
      await page.locator('#contact-hub-widget .launcher').click();
      await expect.poll(() => page.locator('#contact-hub-widget .msg').allTextContents()).toEqual([
        expect.stringContaining('my order #42 is late'),
        expect.stringContaining('Hi Nima, I am checking your order now.'),
      ]);
      // after the reload, live messages still arrive
      await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseRow.id}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { text: 'It ships today 📦' } });
      await expect.poll(() => page.locator('#contact-hub-widget .msg.agent').last().textContent(), { timeout: 8000 }).toContain('It ships today 📦');
      // a screenshot goes along with a message and shows up in the conversation
      await page.locator('#contact-hub-widget input[type=file]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: Buffer.from('89504e47', 'hex') });
      await box.fill('here is my receipt');
      await box.press('Enter');
      await expect.poll(() => page.locator('#contact-hub-widget .msg.visitor').last().textContent()).toContain('receipt.png');
      const att = await ctx.db.pool.query(`SELECT t.filename, t.size_bytes FROM attachments t JOIN interactions i ON i.id = t.interaction_id WHERE i.case_id = $1`, [caseRow.id]);
      expect(att.rows).toEqual([{ filename: 'receipt.png', size_bytes: 4 }]);
      // still one conversation for this visitor
      expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM cases WHERE channel = 'chat' AND id <> $1`, [otherCase])).rows[0].n).toBe(1);

      // end with a rating
      await page.locator('#contact-hub-widget header button.end').click();
      await page.locator('#contact-hub-widget form.end-confirm button[type=submit]').click();
      await page.locator('#contact-hub-widget .stars button[data-rating="4"]').click();
      await page.locator('#contact-hub-widget form.rating button[type=submit]').click();
      await expect.poll(() => page.locator('#contact-hub-widget .thanks').textContent()).toContain('Thank you');
      expect((await ctx.db.pool.query(`SELECT rating FROM csat_ratings WHERE case_id = $1`, [caseRow.id])).rows[0].rating).toBe(4);
    } finally {
      await page.close();
    }
  });

  it('offline: with nobody available the visitor leaves a message that becomes an email case (Persian, right to left)', async () => {
    expect(await agentSocket.timeout(5000).emitWithAck('presence:set', { presence: 'away' })).toMatchObject({ ok: true });
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    page.on("pageerror", (e) => console.log("pageerror", e.message));
    try {
      await page.goto(`${hostUrl}/fa`);
      await page.locator('#contact-hub-widget .launcher').click();
      const form = page.locator('#contact-hub-widget form.offline');
      await expect.poll(() => form.isVisible()).toBe(true);
      expect(await page.locator('#contact-hub-widget .panel').getAttribute('dir')).toBe('rtl');
      await form.locator('input[name=name]').fill('لیلا');
      await form.locator('input[name=email]').fill('leila@example.test');
      await form.locator('textarea[name=message]').fill('لطفاً با من تماس بگیرید');
      await form.locator('button[type=submit]').click();
      await expect.poll(() => page.locator('#contact-hub-widget .done').textContent()).toContain('شماره پیگیری');
      const c = await ctx.db.pool.query(
        `SELECT c.channel, i.text, cu.language FROM cases c JOIN interactions i ON i.case_id = c.id JOIN customers cu ON cu.id = c.customer_id
          JOIN customer_identities ci ON ci.customer_id = c.customer_id WHERE ci.kind = 'email' AND ci.value = 'leila@example.test'`,
      );
      expect(c.rows).toEqual([{ channel: 'email', text: 'لطفاً با من تماس بگیرید', language: 'fa' }]);
    } finally {
      await page.close();
      await agentSocket.timeout(5000).emitWithAck('presence:set', { presence: 'available' });
    }
  });
});
