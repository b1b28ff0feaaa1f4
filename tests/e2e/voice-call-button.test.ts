import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import type { TwilioApiServer } from '../helpers/twilio-api-server.js';
import { ARTIFACTS, openPage, signIn } from './agent-ui-helpers.js';
import { startTwilioUiHub, type TwilioUiHub } from './twilio-ui-hub.js';

const KEY = 'test-inbound-key-0123456789';
const MAIN = '+14155550200';
const AGENT_PHONE = '+14155550999';
let hub: TwilioUiHub;
let ctx: TestContext;
let api: TwilioApiServer;
let base: string;
let browser: Browser;
let agent: Awaited<ReturnType<typeof makeAgent>>;

beforeAll(async () => {
  // the email case of the second test lands in the queue too, so the agent may open its customer
  hub = await startTwilioUiHub({ number: MAIN, channels: ['voice', 'sms', 'email'] });
  ({ ctx, api, base, browser } = hub);
  agent = await makeAgent(ctx.db.pool, { email: 'carol@example.test', name: 'Carol Agent', queueIds: [hub.queueId] });
  await ctx.db.pool.query(`UPDATE agents SET phone = $2 WHERE id = $1`, [agent.id, AGENT_PHONE]);
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

describe('click-to-call in Chromium', { timeout: 60_000 }, () => {
  it('the agent calls the customer of an SMS case from the case header; the call request reaches Twilio', async () => {
    const r = await ctx.app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY },
      payload: { channel: 'sms', providerMessageId: 'e2e-call-1', from: { kind: 'phone', value: '+14155550123', name: 'Maria Garcia' }, text: 'Please call me about my bill' },
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
    const { caseId } = r.json() as { caseId: number };

    const { page, errors } = await openPage(browser, { width: 1440, height: 900 });
    try {
      await signIn(page, base, agent.email, agent.password);
      await page.goto(`${base}/cases/${caseId}`);
      const call = page.getByTestId('action-call');
      await call.waitFor();
      expect(await call.getAttribute('title')).toContain('+14155550123');
      // browser calling is not configured here: no softphone in the top bar
      expect(await page.getByTestId('softphone').count()).toBe(0);
      await call.click();
      // the number is isolated as a left-to-right run (so a Persian sentence keeps its "+" in front)
      await page.getByText('Calling \u2066+14155550123\u2069: answer your phone to be connected.').waitFor();

      const create = api.find(/Calls\.json$/);
      expect(create).toHaveLength(1);
      expect(create[0].form).toMatchObject({ To: AGENT_PHONE, From: MAIN });
      const rows = (await ctx.db.pool.query(`SELECT direction, customer_number, agent_id FROM calls WHERE case_id = $1`, [caseId])).rows;
      expect(rows).toEqual([{ direction: 'outbound', customer_number: '+14155550123', agent_id: agent.id }]);

      // Twilio refusing the call is told to the agent, with Twilio's reason
      api.failNext(/Calls\.json$/, { status: 400, code: 21215, message: 'Geographic permission for this number is not enabled' });
      await call.click();
      await page.getByText(/The call could not be placed: .*Geographic permission/).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'voice-call-button.png') });
      // the refused request itself is the one error the browser reports
      expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 502 (Bad Gateway)']);
    } finally {
      await page.close();
    }
  });

  it('a number the agent typed into the profile is marked, and calling it shows the server’s reason; nothing reaches Twilio', async () => {
    const r = await ctx.app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY },
      payload: { channel: 'email', providerMessageId: 'e2e-call-2', from: { kind: 'email', value: 'omid@example.test', name: 'Omid' }, subject: 'Call me', text: 'My number is below' },
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
    const { caseId, customerId } = r.json() as { caseId: number; customerId: number };
    const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } })).json().token as string;
    const added = await ctx.app.inject({ method: 'POST', url: `/api/v1/customers/${customerId}/identities`, headers: { authorization: `Bearer ${token}` }, payload: { kind: 'phone', value: '+14155550777' } });
    expect(added.statusCode, added.body).toBe(201);
    const calls = api.find(/Calls\.json$/).length;

    const { page, errors } = await openPage(browser, { width: 1440, height: 900 });
    try {
      await signIn(page, base, agent.email, agent.password);
      await page.goto(`${base}/cases/${caseId}`);
      await page.locator('[data-identity="+14155550777"] [data-testid="identity-unconfirmed"]').waitFor();
      const call = page.getByTestId('action-call');
      await call.click();
      await page.getByText(/The call could not be placed: .*added by an agent; a supervisor must confirm it/).waitFor();
      expect(api.find(/Calls\.json$/)).toHaveLength(calls);
      expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
    } finally {
      await page.close();
    }
  });
});
