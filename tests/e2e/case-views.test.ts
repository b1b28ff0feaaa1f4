import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ARTIFACTS, launchChromium, watchErrors, startUiServer, signIn } from './agent-ui-helpers.js';

// A supervisor narrows "Unassigned" to a tag in the filter bar, saves it as a view, selects the cases with
// the keyboard and assigns them in bulk to an agent — in English and in Persian.

const KEY = 'test-inbound-key-0123456789';
let ctx: TestContext;
let base: string;
let browser: Browser;
let alice: Awaited<ReturnType<typeof makeAgent>>;
let bob: Awaited<ReturnType<typeof makeAgent>>;
let sue: Awaited<ReturnType<typeof makeAgent>>;
let seq = 0;

async function inbound(tags: string[]) {
  seq++;
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/inbound',
    headers: { 'x-api-key': KEY },
    payload: { channel: 'sms', providerMessageId: `e2e-cv-${seq}`, from: { kind: 'phone', value: `+1415555${String(2000 + seq)}`, name: `Customer ${seq}` }, text: `question ${seq}`, tags },
  });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; caseNumber: number };
}

beforeAll(async () => {
  ({ ctx, base } = await startUiServer({ ROUTING_SWEEP_MS: '600000' }));
  const q = await makeQueue(ctx.db.pool, { name: 'support', isDefault: true });
  alice = await makeAgent(ctx.db.pool, { email: 'alice@example.test', name: 'Alice Agent', queueIds: [q.id] });
  bob = await makeAgent(ctx.db.pool, { email: 'bob@example.test', name: 'Bob Builder', queueIds: [q.id] });
  sue = await makeAgent(ctx.db.pool, { email: 'sue@example.test', name: 'Sue Supervisor', role: 'supervisor' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

const signInAs = (page: Page, who: { email: string; password: string } = sue) => signIn(page, base, who.email, who.password);

describe('case views in Chromium', { timeout: 120_000 }, () => {
  for (const lang of ['en', 'fa'] as const) {
    it(`saves a filtered view and assigns its cases in bulk (${lang})`, async () => {
      const tag = `billing-${lang}`;
      const billing = [await inbound([tag]), await inbound([tag])];
      const other = await inbound(['shipping']);

      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await signInAs(page);
      if (lang === 'fa') {
        await page.getByTestId('language').selectOption('fa');
        expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
      }

      // the Views tab lists the built-in views with their counts
      await page.getByTestId('tab-views').click();
      const unassigned = page.locator('[data-testid="views-nav"] [data-view="unassigned"]');
      await unassigned.waitFor();
      expect(await unassigned.innerText()).toContain(lang === 'fa' ? 'بدون مسئول' : 'Unassigned');
      await unassigned.click();
      await page.waitForURL(/\/views\/unassigned$/);
      await expect.poll(() => page.getByTestId('view-row').count()).toBeGreaterThanOrEqual(3);

      // narrow it to the tag in the filter bar and save it as a personal view
      await page.getByTestId('toggle-filters').click();
      await page.locator('[data-filter="tags"]').fill(tag);
      await page.locator('[data-filter="tags"]').press('Tab');
      await expect.poll(() => page.getByTestId('view-row').count()).toBe(2);
      const rows = await page.getByTestId('view-row').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-case-id'))));
      expect(rows.sort()).toEqual(billing.map((b) => b.caseId).sort());
      const name = lang === 'fa' ? 'صورتحساب بی‌مسئول' : 'Unassigned billing';
      await page.getByTestId('save-view-name').fill(name);
      await page.getByTestId('save-view').click();
      await page.waitForURL(/\/views\/saved:\d+$/);
      const savedLink = page.locator('[data-testid="views-nav"] a', { hasText: name });
      await savedLink.waitFor();
      await expect.poll(() => savedLink.getByTestId('view-count').innerText()).toBe(lang === 'fa' ? '۲' : '2');
      expect(await page.getByTestId('view-title').innerText()).toBe(name);
      const saved = await ctx.db.pool.query(`SELECT filter, shared FROM case_views WHERE owner_agent_id = $1 AND name = $2`, [sue.id, name]);
      expect(saved.rows[0]).toMatchObject({ shared: false, filter: { tags: [tag], assignee: ['none'] } });

      // select both with the keyboard (x, j, x) and assign them to Alice in one action
      await page.getByTestId('view-title').click();
      await page.keyboard.press('x');
      await page.keyboard.press('j');
      await page.keyboard.press('x');
      await page.getByTestId('bulk-bar').waitFor();
      expect(await page.getByTestId('bulk-count').innerText()).toContain(lang === 'fa' ? '۲' : '2');
      await page.getByTestId('bulk-kind').selectOption('assign');
      await page.getByTestId('bulk-value').selectOption(String(alice.id));
      await page.screenshot({ path: path.join(ARTIFACTS, `case-views-bulk-${lang}.png`) });
      await page.getByTestId('bulk-apply').click();

      await expect
        .poll(async () => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM cases WHERE id = ANY($1) AND assignee_id = $2`, [billing.map((b) => b.caseId), alice.id])).rows[0].n)
        .toBe(2);
      for (const b of billing) {
        const a = await ctx.db.pool.query(`SELECT action, actor_id FROM audit_log WHERE entity = 'case' AND entity_id = $1`, [String(b.caseId)]);
        expect(a.rows).toEqual([{ action: 'case.bulk.assign', actor_id: sue.id }]);
      }
      expect((await ctx.db.pool.query(`SELECT assignee_id FROM cases WHERE id = $1`, [other.caseId])).rows[0].assignee_id).toBeNull();
      // assigned, they have left the view: the list empties and the sidebar count follows
      await expect.poll(() => page.getByTestId('view-row').count()).toBe(0);
      await expect.poll(() => savedLink.getByTestId('view-count').innerText()).toBe(lang === 'fa' ? '۰' : '0');
      await page.screenshot({ path: path.join(ARTIFACTS, `case-views-done-${lang}.png`) });
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('shows who else has the case open, and asks before sending over a customer message that arrived meanwhile', async () => {
    const c = await inbound(['collision']);
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [c.caseId, alice.id]);
    const aliceCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const bobCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const a = await aliceCtx.newPage();
    const b = await bobCtx.newPage();
    const errors = [...watchErrors(a), ...watchErrors(b)];
    await signInAs(a, alice);
    await signInAs(b, bob);
    await a.goto(`${base}/cases/${c.caseId}`);
    await a.waitForSelector(`[data-testid="case-page"][data-case-id="${c.caseId}"]`);
    await b.goto(`${base}/cases/${c.caseId}`);
    await b.waitForSelector(`[data-testid="case-page"][data-case-id="${c.caseId}"]`);
    // each sees the other's face, not their own
    await a.locator(`[data-testid="case-viewers"] [data-agent-id="${bob.id}"]`).waitFor();
    await b.locator(`[data-testid="case-viewers"] [data-agent-id="${alice.id}"]`).waitFor();
    expect(await a.locator(`[data-testid="case-viewers"] [data-agent-id="${alice.id}"]`).count()).toBe(0);
    // Bob typing a reply shows on Alice's screen
    await b.getByTestId('composer-text').click();
    await b.keyboard.type('Let me check');
    await a.getByTestId('typing').waitFor();
    expect(await a.getByTestId('typing').innerText()).toContain('Bob Builder');

    // Alice starts a draft; the customer writes again before she sends
    await a.getByTestId('composer-text').fill('Please restart the router.');
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'sms', providerMessageId: 'e2e-cv-collision', from: { kind: 'phone', value: `+1415555${String(2000 + seq)}` }, text: 'Never mind, it works again!' },
    });
    expect(r.json().caseId).toBe(c.caseId);
    await a.getByTestId('composer-send').click();
    const warning = a.getByTestId('collision-warning');
    await warning.waitFor();
    expect(await warning.innerText()).toContain('Never mind, it works again!');
    const sent = () => ctx.db.pool.query(`SELECT text FROM interactions WHERE case_id = $1 AND direction = 'outbound'`, [c.caseId]).then((x) => x.rows.map((y) => y.text));
    expect(await sent()).toEqual([]);
    await a.screenshot({ path: path.join(ARTIFACTS, 'case-collision-en.png') });
    await a.getByTestId('collision-send').click();
    await expect.poll(sent).toEqual(['Please restart the router.']);
    await warning.waitFor({ state: 'detached' });

    // Bob leaves the case: his face goes from Alice's screen
    await bobCtx.close();
    await expect.poll(() => a.locator('[data-testid="case-viewers"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await aliceCtx.close();
  });
});
