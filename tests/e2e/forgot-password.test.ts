import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { launchChromium, watchErrors, startUiServer, submitSignIn } from './agent-ui-helpers.js';

let ctx: TestContext;
let sink: SmtpSink;
let base: string;
let browser: Browser;

beforeAll(async () => {
  sink = await startSmtpSink();
  ({ ctx, base } = await startUiServer({ SMTP_URL: sink.url }));
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  await sink?.close();
});

describe('forgot password on the sign-in page', { timeout: 60_000 }, () => {
  it('an agent who forgot their password asks for a link (in Persian), chooses a new password and signs in with it', async () => {
    const a = await makeAgent(ctx.db.pool, { email: 'nima@example.test', name: 'Nima Agent', password: 'forgotten password 1' });
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const errors = watchErrors(page);
    try {
      await page.goto(`${base}/login`);
      await page.getByTestId('login-lang-fa').click();
      await page.getByTestId('login-forgot').click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('بازنشانی گذرواژه');
      await page.getByTestId('forgot-email').fill(a.email);
      await page.getByTestId('forgot-submit').click();
      await page.getByTestId('forgot-sent').waitFor();

      const mail = await sink.waitFor((m) => JSON.stringify(m.to ?? '').includes(a.email));
      const path = /(\/reset-password\?token=\S+)/.exec(mail.text ?? '')![1]!;
      await page.goto(`${base}${path}`);
      await page.locator('#p1').fill('a new passphrase 2');
      await page.locator('#p2').fill('a new passphrase 2');
      await page.locator('button[type=submit]').click();
      await page.locator('a[href="/"]').click();

      await page.waitForURL(/\/login/);
      await submitSignIn(page, a.email, 'a new passphrase 2');
      await page.waitForSelector('[data-testid="connection"].conn-on');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
