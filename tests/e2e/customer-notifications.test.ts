import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signInAt } from './agent-ui-helpers.js';
import { ingest } from '../../server/src/ingest/pipeline.js';

let ctx: TestContext;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let adminId: number;
let supToken: string;

beforeAll(async () => {
  ({ ctx, base } = await startUiServer());
  adminId = (await makeAgent(ctx.db.pool, { email: 'ava@example.test', name: 'Ava Admin', role: 'admin' })).id;
  const sup = await makeAgent(ctx.db.pool, { email: 'sam@example.test', name: 'Sam Supervisor', role: 'supervisor' });
  supToken = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: sup.email, password: sup.password } })).json().token;
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe('admin: customer notification templates, and the bell', () => {
  it('edits a template with a live preview in English and Persian, and a reassignment shows in the bell without a reload', async () => {
    await signInAt(page, base, 'ava@example.test');
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-customer-notifications').click();
    await page.waitForURL(/\/admin\/customer-notifications$/);

    // English: the "solved" template, edited and previewed with sample values before saving
    await page.getByTestId('notice-event').selectOption('solved');
    await expect.poll(() => page.getByTestId('notice-subject').inputValue()).toBe('Your request is solved [#{number}]');
    await page.getByTestId('notice-subject').fill('All sorted, {name} [#{number}]');
    await page.getByTestId('notice-preview').click();
    await expect.poll(() => page.getByTestId('notice-preview-subject').textContent()).toBe('All sorted, Sara Rezaei [#1042]');
    await page.getByTestId('notice-save').click();
    await page.getByTestId('notice-saved').waitFor();

    // Persian: the same event in fa, right to left, previewed in Persian
    await page.getByTestId('notice-language').selectOption('fa');
    await expect.poll(() => page.getByTestId('notice-subject').inputValue()).toBe('درخواست شما حل شد [#{number}]');
    expect(await page.getByTestId('notice-body').getAttribute('dir')).toBe('rtl');
    await page.getByTestId('notice-sms').fill('{name} گرامی، درخواست #{number} حل شد.');
    await page.getByTestId('notice-preview').click();
    await expect.poll(() => page.getByTestId('notice-preview-sms').textContent()).toBe('سارا رضایی گرامی، درخواست #1042 حل شد.');
    expect(await page.getByTestId('notice-preview-out').getAttribute('dir')).toBe('rtl');
    await page.getByTestId('notice-save').click();
    await page.getByTestId('notice-saved').waitFor();
    const saved = (await ctx.db.pool.query(`SELECT language, subject, sms FROM notice_templates WHERE event = 'solved' ORDER BY language`)).rows;
    expect(saved).toEqual([
      { language: 'en', subject: 'All sorted, {name} [#{number}]', sms: 'Your request #{number} is solved. Not quite? Reply within {days} days to reopen it. {team}' },
      { language: 'fa', subject: 'درخواست شما حل شد [#{number}]', sms: '{name} گرامی، درخواست #{number} حل شد.' },
    ]);

    // the workspace in Persian: the section's labels follow
    await page.getByTestId('language').selectOption('fa');
    await expect.poll(() => page.getByTestId('admin-tab-customer-notifications').textContent()).toBe('آگاه‌سازی مشتریان');
    await page.screenshot({ path: path.join(ARTIFACTS, 'customer-notifications-fa.png') });

    // a supervisor gives Ava a case: the bell counts it and names it, live
    const q = await makeQueue(ctx.db.pool);
    const c = await ingest(ctx.app.ingestDeps, { channel: 'api', provider: 'test', providerMessageId: 'bell-1', from: { kind: 'email', value: 'bell@example.test' }, subject: 'Bell', text: 'x', raw: {}, caseDefaults: { queueId: q.id } });
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c.caseId}/assign`, headers: { authorization: `Bearer ${supToken}` }, payload: { agentId: adminId } });
    expect(r.statusCode, r.body).toBe(200);
    await expect.poll(() => page.getByTestId('notifications').textContent(), { timeout: 10_000 }).toContain('1');
    await page.getByTestId('notifications').click();
    await expect.poll(() => page.locator('[data-kind="reassigned"]').first().textContent()).toContain(`Sam Supervisor پرونده‌ی #${c.caseNumber} را به شما سپرد`);
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.locator('[data-kind="reassigned"]').first().textContent()).toContain(`Sam Supervisor assigned #${c.caseNumber} to you`);
    expect(errors).toEqual([]);
  });
});
