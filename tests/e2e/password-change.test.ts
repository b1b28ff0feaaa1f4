import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { launchChromium, watchErrors, startUiServer, submitSignIn } from './agent-ui-helpers.js';

let ctx: TestContext;
let base: string;
let browser: Browser;

beforeAll(async () => {
  ({ ctx, base } = await startUiServer());
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe('changing my password in the workspace', { timeout: 60_000 }, () => {
  it('needs the current password, keeps me signed in here and signs out my other sessions', async () => {
    const a = await makeAgent(ctx.db.pool, { email: 'pari@example.test', name: 'Pari Agent', password: 'first password 1' });
    const login = (password: string) => ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password } });
    const elsewhere = (await login('first password 1')).json().token as string;

    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const errors = watchErrors(page);
    try {
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login/);
      await submitSignIn(page, a.email, 'first password 1');
      await page.waitForSelector('[data-testid="connection"].conn-on');

      await page.getByTestId('me').click();
      await page.getByTestId('password-current').fill('not my password');
      await page.getByTestId('password-new').fill('second password 2');
      await page.getByTestId('password-repeat').fill('second password 2');
      await page.getByTestId('password-submit').click();
      await expect.poll(() => page.getByTestId('password-error').textContent()).toBe('The current password is wrong.');

      await page.getByTestId('password-current').fill('first password 1');
      await page.getByTestId('password-submit').click();
      await expect.poll(() => page.getByTestId('password-done').textContent()).toContain('Your other sessions have been signed out.');

      // the other session is over; this one still works
      const other = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${elsewhere}` } });
      expect(other.statusCode).toBe(401);
      expect(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)).toBe(200);
      expect((await login('first password 1')).statusCode).toBe(401);
      expect((await login('second password 2')).statusCode).toBe(200);
      // a wrong current password is an expected answer, not a page error
      expect(errors.filter((e) => !/\/api\/v1\/auth\/password/.test(e) && !/status of 403/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
