import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { signInAgent, startHubWorkers, waitFor } from '../helpers/hub-workers.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { ensureBuilt, launchBrowser } from '../helpers/browser.js';
import { freePort } from '../helpers/wait.js';

let ctx: TestContext;
let smtp: SmtpSink;
let stopWorkers: () => Promise<void>;
let browser: Browser;
let hub: string;

beforeAll(async () => {
  await ensureBuilt('dist/portal/index.html', 'customer-ui/portal.vite.config.ts');
  smtp = await startSmtpSink();
  const port = await freePort();
  hub = `http://127.0.0.1:${port}`;
  ctx = await createTestContext({ SMTP_URL: smtp.url, SMTP_FROM: 'support@example.test', PUBLIC_URL: hub, PORTAL_DIST_DIR: 'dist/portal' });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  stopWorkers = await startHubWorkers(ctx);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stopWorkers?.();
  await ctx?.close();
  await smtp?.close();
});

describe('customer portal in a browser', () => {
  it('sign in by magic link, submit a request with an attachment, see it listed, get a reply, rate it', async () => {
    const accounts = await makeQueue(ctx.db.pool, { name: 'Accounts', channels: ['portal', 'email'] });
    const agent = await makeAgent(ctx.db.pool, { name: 'Dara', queueIds: [accounts.id] });
    const agentToken = await signInAgent(ctx, agent);
    // publishing help articles is a supervisor's job
    const editor = await signInAgent(ctx, await makeAgent(ctx.db.pool, { name: 'Editor', role: 'supervisor' }));
    await ctx.app.inject({
      method: 'POST', url: '/api/v1/kb/articles', headers: { authorization: `Bearer ${editor}` },
      payload: { title: 'How to reset your password', body: 'Go to **Settings → Security**.', published: true },
    });

    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const cspViolations: string[] = [];
    page.on('console', (m) => /Content Security Policy/.test(m.text()) && cspViolations.push(m.text()));
    try {
      await page.goto(`${hub}/portal/`);
      await page.waitForURL(/\/portal\/signin/);
      await page.locator('#email').fill('mina@example.test');
      await page.getByRole('button', { name: 'Send sign-in link' }).click();
      await expect.poll(() => page.locator('.sent').textContent()).toContain('mina@example.test');
      const mail = await smtp.waitFor((m) => (m.to as { text: string }).text === 'mina@example.test');
      const link = /(http:\/\/127\.0\.0\.1:\d+\/portal\/auth\/verify\?token=[\w%-]+)/.exec(mail.text ?? '')![1]!;
      await page.goto(link);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/portal\/requests/);
      await expect.poll(() => page.locator('main').textContent()).toContain('You have no requests yet.');
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'ch_portal')).toMatchObject({ httpOnly: true });

      await page.getByRole('link', { name: 'New request' }).click();
      await page.locator('#subject').fill('I cannot reset my password');
      await expect.poll(() => page.locator('.suggestions').textContent()).toContain('How to reset your password');
      await page.locator('#category').selectOption({ label: 'Accounts' });
      await page.locator('#description').fill('The reset mail never arrives <img src=x onerror="window.pwned=1">');
      await page.locator('#files').setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: Buffer.from('PNG-BYTES') });
      await page.getByRole('button', { name: 'Submit request' }).click();
      const confirmation = await page.locator('.confirmation').textContent();
      const number = Number(/#?(\d{4,})/.exec(confirmation ?? '')![1]);
      expect(confirmation).toContain(`Your reference is #${number}`);
      const c = (await ctx.db.pool.query(`SELECT c.id, c.channel, q.name AS queue FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.number = $1`, [number])).rows[0];
      expect(c).toMatchObject({ channel: 'portal', queue: 'Accounts' });

      await page.getByRole('link', { name: 'My requests' }).click();
      const row = page.locator(`tr[data-number="${number}"]`);
      await expect.poll(() => row.textContent()).toContain('I cannot reset my password');
      expect(await row.locator('.status').textContent()).toBe('New');

      // an agent answers (internal note too, which the customer must never see)
      await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { internal: true, text: 'INTERNAL: flagged account' } });
      await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c.id}/messages`, headers: { authorization: `Bearer ${agentToken}` }, payload: { text: 'We re-sent the reset mail; please check your spam folder.' } });
      await waitFor(async () => (await ctx.db.pool.query(`SELECT 1 FROM interactions WHERE case_id = $1 AND direction = 'outbound' AND delivery_status = 'delivered'`, [c.id])).rowCount);
      await page.locator(`tr[data-number="${number}"] a`).click();
      await expect.poll(() => page.locator('.thread').textContent()).toContain('We re-sent the reset mail');
      const thread = await page.locator('.thread').textContent();
      expect(thread).not.toContain('INTERNAL');
      expect(thread).toContain('<img src=x onerror="window.pwned=1">'); // shown as text, never as markup
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('.thread img').count()).toBe(0);
      const attachmentLink = page.locator('.attachments a', { hasText: 'screenshot.png' });
      const res = await page.request.get(`${hub}${await attachmentLink.getAttribute('href')}`);
      expect(await res.text()).toBe('PNG-BYTES');

      // the agent solves it; the customer rates the resolution
      await ctx.db.pool.query(`UPDATE cases SET status = 'solved', solved_at = now() WHERE id = $1`, [c.id]);
      await page.reload();
      await page.locator('.stars button[data-rating="5"]').click();
      await page.locator('#comment').fill('Fast, thanks');
      await page.getByRole('button', { name: 'Send rating' }).click();
      await expect.poll(() => page.locator('.rating .thanks').textContent()).toContain('5/5');
      const csat = (await ctx.db.pool.query(`SELECT rating, comment, agent_id FROM csat_ratings WHERE case_id = $1`, [c.id])).rows[0];
      expect(csat).toEqual({ rating: 5, comment: 'Fast, thanks', agent_id: agent.id });

      // the same link a second time is refused
      await page.goto(link);
      await page.waitForURL(/signin\?error=link_used/);
      await expect.poll(() => page.locator('.link-error').textContent()).toContain('already used');
      expect(cspViolations).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the Persian portal renders right to left', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    try {
      const res = await page.goto(`${hub}/portal/signin?lang=fa`);
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
      await expect.poll(() => page.locator('h1').textContent()).toBe('ورود');
      expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual(['rtl', 'fa']);
      expect(await page.locator('header.top nav').textContent()).toContain('درخواست‌های من');
      // the layout really flips: the brand sits at the right edge
      const box = await page.locator('.brand').boundingBox();
      const width = page.viewportSize()!.width;
      expect(box!.x).toBeGreaterThan(width / 2);
      // switching back to English flips it back
      await page.locator('select[aria-label="زبان"]').selectOption('en');
      await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('ltr');
      await expect.poll(() => page.locator('h1').textContent()).toBe('Sign in');
    } finally {
      await page.close();
    }
  });

  it('customers find a published article in the help center (staff write it under Admin → Knowledge base)', async () => {
    const writer = await makeAgent(ctx.db.pool, { name: 'Writer', role: 'admin' });
    const login = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: writer.email, password: writer.password } });
    const written = await ctx.app.inject({
      method: 'POST', url: '/api/v1/kb/articles', headers: { authorization: `Bearer ${login.json().token}` },
      payload: { title: 'راهنمای بازگرداندن کالا', language: 'fa', category: 'سفارش', body: 'برای **بازگرداندن کالا** تا ۱۴ روز فرصت دارید.', published: true },
    });
    expect(written.statusCode).toBe(201);
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    try {
      await page.goto(`${hub}/portal/kb?lang=fa`);
      await page.locator('input[type=search]').fill('كالا'); // typed with an Arabic kaf
      await page.locator('input[type=search]').press('Enter');
      await page.getByRole('link', { name: 'راهنمای بازگرداندن کالا' }).click();
      await expect.poll(() => page.locator('.article .body strong').textContent()).toBe('بازگرداندن کالا');
      expect(await page.locator('.article .body').getAttribute('dir')).toBe('rtl');
    } finally {
      await page.close();
    }
  });

  it('Admin → Settings brands the portal and sets its default language; a Persian customer sees Persian digits and channel names', async () => {
    const admin = await signInAgent(ctx, await makeAgent(ctx.db.pool, { name: 'Owner', role: 'admin' }));
    const put = await ctx.app.inject({
      method: 'PUT', url: '/api/v1/admin/settings', headers: { authorization: `Bearer ${admin}` },
      payload: { name: 'Acme', defaultLanguage: 'fa', timeZone: 'Asia/Tehran', branding: { name: 'Acme Help', colour: '#125b50' } },
    });
    expect(put.statusCode, put.body).toBe(200);
    const page = await (await browser.newContext()).newPage(); // nothing chosen before: no saved language
    page.setDefaultTimeout(8000);
    try {
      await page.goto(`${hub}/portal/signin`);
      await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
      await expect.poll(() => page.locator('[data-testid=portal-brand]').textContent()).toBe('Acme Help');
      expect(await page.title()).toBe('Acme Help');
      expect(await page.locator('header.top').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(18, 91, 80)');

      await page.locator('#email').fill('shirin@example.test');
      await page.locator('form button[type=submit]').first().click();
      const mail = await smtp.waitFor((m) => (m.to as { text: string }).text === 'shirin@example.test');
      await page.goto(/(http:\/\/127\.0\.0\.1:\d+\/portal\/auth\/verify\?token=[\w%-]+)/.exec(mail.text ?? '')![1]!);
      await page.locator('button[type=submit]').click();
      await page.waitForURL(/\/portal\/requests/);
      await page.goto(`${hub}/portal/requests/new`);
      await page.locator('#subject').fill('مشکل در ورود به Dashboard');
      await page.locator('#description').fill('رمز را عوض کردم ولی وارد نمی‌شوم');
      await page.locator('form button[type=submit]').last().click();
      const confirmation = (await page.locator('.confirmation').textContent()) ?? '';
      expect(confirmation).toMatch(/شماره پیگیری شما [۰-۹]+ است/);
      expect(confirmation).not.toMatch(/[0-9]/);
      const n = (await ctx.db.pool.query(`SELECT c.number, cu.language FROM cases c JOIN customers cu ON cu.id = c.customer_id ORDER BY c.id DESC LIMIT 1`)).rows[0];
      expect(n.language).toBe('fa');
      await page.goto(`${hub}/portal/requests/${n.number}`);
      const meta = (await page.locator('.thread .meta').first().textContent()) ?? '';
      expect(meta).toContain('از طریق پورتال');
      expect(meta).not.toMatch(/portal/);
      expect(await page.locator('h1 bdi').getAttribute('dir')).toBe('auto');
    } finally {
      await page.context().close();
    }
  });
});
