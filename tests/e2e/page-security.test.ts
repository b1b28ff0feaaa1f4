import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { ensureBuilt, launchBrowser } from '../helpers/browser.js';
import { freePort } from '../helpers/wait.js';

// The built UIs under the hub's one header policy: every page still works, and the browser
// reports no blocked script, style, connection or frame.
let ctx: TestContext;
let browser: Browser;
let hub: string;

beforeAll(async () => {
  await ensureBuilt('dist/agent-ui/index.html', 'agent-ui/vite.config.ts');
  await ensureBuilt('dist/portal/index.html', 'customer-ui/portal.vite.config.ts');
  await ensureBuilt('dist/widget/widget.js', 'customer-ui/widget.vite.config.ts');
  const port = await freePort();
  hub = `http://127.0.0.1:${port}`;
  ctx = await createTestContext({ PUBLIC_URL: hub, UI_DIST_DIR: 'dist/agent-ui', PORTAL_DIST_DIR: 'dist/portal', WIDGET_DIST_DIR: 'dist/widget' });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

async function visit(page: Page, url: string, ready: (p: Page) => Promise<unknown>): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  const res = await page.goto(`${hub}${url}`);
  expect(res!.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  await ready(page);
  return problems;
}

describe('pages load under the content security policy', () => {
  it('agent workspace, supervisor and admin views (signed in with the session cookie)', async () => {
    const agent = await makeAgent(ctx.db.pool, { email: 'csp-admin@example.test', role: 'admin' });
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    try {
      const problems = await visit(page, '/', (p) => p.locator('#email, input[type=email]').first().waitFor());
      await page.locator('input[type=email]').first().fill(agent.email);
      await page.locator('input[type=password]').first().fill(agent.password);
      await page.locator('button[type=submit]').first().click();
      await page.waitForFunction(() => !document.querySelector('input[type=password]'));
      for (const path of ['/supervisor', '/admin']) {
        await page.goto(`${hub}${path}`);
        await page.waitForFunction(() => (document.querySelector('#app')?.textContent ?? '').trim().length > 0);
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('portal, widget demo, API docs and the set-up page', async () => {
    for (const [url, ready] of [
      ['/portal/', (p: Page) => p.waitForURL(/\/portal\/signin/)],
      ['/widget/demo', (p: Page) => p.waitForFunction(() => [...document.querySelectorAll('*')].some((e) => e.shadowRoot?.querySelector('.launcher')))],
      ['/docs/', (p: Page) => p.locator('.swagger-ui .info').waitFor()],
      ['/setup?token=unknown', (p: Page) => p.locator('h1').waitFor()],
    ] as const) {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      try {
        expect(await visit(page, url, ready), url).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });
});
