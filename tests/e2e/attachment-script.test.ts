import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { HOSTILE_HTML, PNG_1x1 } from '../helpers/files.js';
import { launchChromium, startUiServer, signIn } from './agent-ui-helpers.js';

/**
 * An anonymous chat visitor and an API client upload HTML labelled with content types that once went out inline
 * (`audio/mpeg; x=1, text/html`, `video/mp4;,text/html`). An admin opens them from the case view in Chromium:
 * no script runs on the hub's origin, no dialog opens, nothing is written to the hub's storage.
 */
let ctx: TestContext;
let base: string;
let browser: Browser;
let admin: Awaited<ReturnType<typeof makeAgent>>;

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ ROUTING_SWEEP_MS: '600000' }));
  admin = await makeAgent(ctx.db.pool, { role: 'admin', email: 'ada@example.test', name: 'Ada Admin' });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe('hostile attachments opened from the case view', { timeout: 120_000 }, () => {
  it('run no script on the hub origin, whether clicked in the timeline or opened directly', async () => {
    // a chat visitor uploads HTML claiming to be audio
    const v = (await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', payload: { name: 'Mallory' } })).json().token;
    const chat = await ctx.app.inject({
      method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': v },
      payload: { text: 'my voice message', clientId: 'x1', attachments: [{ filename: 'voice.mp3', contentType: 'audio/mpeg; x=1, text/html', contentBase64: HOSTILE_HTML.toString('base64') }] },
    });
    expect(chat.statusCode).toBe(201);
    const chatCase = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE id = (SELECT interaction_id FROM attachments WHERE id = $1)`, [chat.json().attachments[0].id])).rows[0].case_id;
    // an API client does the same claiming video, on another case, next to a real image
    const api = await ctx.app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': ctx.config.inboundApiKey! },
      payload: {
        providerMessageId: 'xss-1', from: { kind: 'email', value: 'mallory@example.test' }, text: 'clip attached',
        attachments: [
          { filename: 'clip.mp4', contentType: 'video/mp4;,text/html', contentBase64: HOSTILE_HTML.toString('base64') },
          { filename: 'photo.png', contentType: 'image/png', contentBase64: PNG_1x1.toString('base64') },
        ],
      },
    });
    expect(api.statusCode).toBe(201);

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const dialogs: string[] = [];
    const downloads: string[] = [];
    const watch = (p: Page) => {
      p.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
      p.on('download', (d) => downloads.push(d.suggestedFilename()));
    };
    page.context().on('page', watch);
    watch(page);
    await signIn(page, base, admin.email, admin.password);
    const title = await page.title();

    for (const [caseId, name] of [[chatCase, 'voice.mp3'], [api.json().caseId, 'clip.mp4']] as const) {
      await page.goto(`${base}/cases/${caseId}`);
      const link = page.locator('.entry-files a', { hasText: name });
      await link.waitFor();
      const href = await link.getAttribute('href');
      // clicking opens a tab that can only download the file
      const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
      await expect.poll(() => downloads.includes(name), { timeout: 10_000, message: `${name} downloads instead of rendering` }).toBe(true);
      await popup.close().catch(() => {});

      // even opened directly in a tab, the browser gets a download, not a document
      const direct = await page.context().newPage();
      const nav = await direct.goto(`${base}${href}`).then(() => 'rendered', (e: Error) => (/Download is starting/.test(e.message) ? 'download' : e.message));
      expect(nav).toBe('download');
      await direct.close();
    }

    // the real image still shows in place, sandboxed
    const img = await page.context().newPage();
    const imgLink = await (async () => {
      await page.goto(`${base}/cases/${api.json().caseId}`);
      const l = page.locator('.entry-files a', { hasText: 'photo.png' });
      await l.waitFor();
      return l.getAttribute('href');
    })();
    const res = await img.goto(`${base}${imgLink}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(await img.locator('img').count()).toBe(1);
    await img.close();

    expect(dialogs).toEqual([]);
    await page.goto(`${base}/`);
    expect(await page.evaluate(() => localStorage.getItem('pwned'))).toBeNull();
    expect(await page.title()).toBe(title);
    expect(await page.locator('#pwned').count()).toBe(0);
    await context.close();
  });
});
