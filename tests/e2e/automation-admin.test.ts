import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { automationDeps } from '../helpers/hub-workers.js';
import { processInbox } from '../../server/src/automation/engine.js';
import { ARTIFACTS, launchChromium, startUiServer, openPage, signInAt } from './agent-ui-helpers.js';

// An admin builds an automation rule in the browser (Admin → Automation rules), the rule does what the form said,
// and the screens read right to left in Persian.

let ctx: TestContext;
let base: string;
let browser: Browser;
let admin: Awaited<ReturnType<typeof makeAgent>>;
let billingId: number;

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }));
  await makeQueue(ctx.db.pool, { name: 'Support', isDefault: true });
  billingId = (await makeQueue(ctx.db.pool, { name: 'Billing' })).id;
  admin = await makeAgent(ctx.db.pool, { role: 'admin', name: 'Olga Owner', email: 'olga@acme.test' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe('Admin → Automation rules', { timeout: 120_000 }, () => {
  it('an admin creates a rule in the form; it routes the next matching case; fa renders right to left', async () => {
    const { page, errors } = await openPage(browser, { width: 1440, height: 1000 });
    // steps wait longer than a page needs alone: the suite runs four files at once on two cores
    page.setDefaultTimeout(20_000);
    await signInAt(page, base, admin.email, admin.password);
    await page.waitForSelector('[data-testid="connection"].conn-on');
    await page.getByTestId('language').selectOption('en');

    await page.goto(`${base}/admin/automation-rules`);
    // the shipped examples are listed, switched off
    await page.getByTestId('rule-row-VIP customers get high priority').waitFor();
    expect(await page.getByTestId('rule-enabled-VIP customers get high priority').isChecked()).toBe(false);

    await page.getByTestId('rule-new').click();
    await page.getByTestId('rule-name').fill('Invoices go to billing');
    await page.getByTestId('rule-trigger').selectOption('case_created');
    await page.getByTestId('rule-words').fill('invoice, صورتحساب');
    await page.getByTestId('rule-words-in').selectOption('both');
    await page.getByTestId('rule-tier-vip').check();
    await page.getByTestId('rule-action-type-0').selectOption('set_queue');
    await page.getByTestId('rule-action-queue-0').selectOption({ label: 'Billing' });
    await page.getByTestId('rule-add-action').click();
    await page.getByTestId('rule-action-type-1').selectOption('set_priority');
    await page.getByTestId('rule-action-priority-1').selectOption('urgent');
    await page.getByTestId('rule-stop').check();
    await page.getByTestId('rule-save').click();
    await page.getByTestId('rule-saved').waitFor();
    await page.getByTestId('rule-row-Invoices go to billing').waitFor();
    expect(errors).toEqual([]);

    const row = (await ctx.db.pool.query(`SELECT enabled, trigger, conditions, actions, stop_processing FROM automation_rules WHERE name = 'Invoices go to billing'`)).rows[0];
    expect(row).toEqual({
      enabled: true,
      trigger: { on: 'case_created' },
      conditions: { customerTiers: ['vip'], keywords: { words: ['invoice', 'صورتحساب'], in: 'both' } },
      actions: [{ type: 'set_queue', queueId: billingId }, { type: 'set_priority', priority: 'urgent' }],
      stop_processing: true,
    });

    // the rule as saved does its work: a VIP's message about an invoice lands in billing, urgent
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': 'test-inbound-key-0123456789' },
      payload: { channel: 'email', providerMessageId: 'e2e-1', from: { kind: 'email', value: 'vip@example.com' }, subject: 'Question', text: 'Where is my invoice?' },
    });
    const { caseId, customerId } = r.json();
    await ctx.db.pool.query(`UPDATE customers SET tier = 'vip' WHERE id = $1`, [customerId]);
    const deps = automationDeps(ctx);
    while ((await processInbox(deps)) > 0);
    expect((await ctx.db.pool.query(`SELECT queue_id, priority FROM cases WHERE id = $1`, [caseId])).rows[0]).toEqual({ queue_id: billingId, priority: 'urgent' });

    // what the rule did is in the case's timeline, in the reader's language
    await page.goto(`${base}/cases/${caseId}`);
    const entry = page.getByTestId('rule-entry');
    await entry.waitFor();
    expect(await entry.innerText()).toContain('Rule “Invoices go to billing”');
    expect(await entry.innerText()).toContain('moved to queue Billing');
    expect(await entry.innerText()).toContain('set priority Urgent');
    await page.goto(`${base}/admin/automation-rules`);
    await page.getByTestId('rule-row-VIP customers get high priority').waitFor();

    // an example is switched on from the list
    await page.getByTestId('rule-enabled-VIP customers get high priority').check();
    await expect.poll(async () => (await ctx.db.pool.query(`SELECT enabled FROM automation_rules WHERE example_key = 'vip-high'`)).rows[0].enabled).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'automation-rules-en.png') });

    // Persian: the page flips right to left and speaks Persian
    await page.getByTestId('language').selectOption('fa');
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await page.locator('.adm-head h2').innerText()).toBe('قاعده‌های خودکار');
    expect(await page.getByTestId('rule-new').innerText()).toBe('قاعدهٔ تازه');
    await page.getByTestId('rule-row-Invoices go to billing').getByRole('button', { name: /Invoices go to billing/ }).click();
    expect(await page.getByTestId('rule-trigger').locator('option:checked').innerText()).toBe('پرونده‌ای ساخته شود');
    // the form's start edge is the right edge in RTL
    const form = await page.getByTestId('rule-form').boundingBox();
    const name = await page.getByTestId('rule-name').boundingBox();
    expect(form!.x + form!.width - (name!.x + name!.width)).toBeLessThan(name!.x - form!.x);
    await page.screenshot({ path: path.join(ARTIFACTS, 'automation-rules-fa.png') });

    // Webhooks: subscribe a URL; the signing secret is shown once
    await page.getByTestId('admin-tab-webhooks').click();
    await page.getByTestId('webhook-new').click();
    await page.getByTestId('webhook-name').fill('CRM');
    await page.getByTestId('webhook-url').fill('http://127.0.0.1:9/hook');
    await page.getByTestId('webhook-save').click();
    await page.getByTestId('webhook-secret').waitFor();
    await page.getByTestId('webhook-row-CRM').waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.screenshot({ path: path.join(ARTIFACTS, 'webhooks-fa.png') });
    expect(errors).toEqual([]);
  });
});
