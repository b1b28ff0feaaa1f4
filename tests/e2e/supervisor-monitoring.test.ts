import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, postTwilio, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { ARTIFACTS, ensureUiBuilt, launchChromium, watchErrors } from './agent-ui-helpers.js';

const MAIN = '+14155550200';
const SUP_PHONE = '+14155550988';
let ctx: TestContext;
let api: TwilioApiServer;
let base: string;
let browser: Browser;
let sup: Awaited<ReturnType<typeof makeAgent>>;
let agent: Awaited<ReturnType<typeof makeAgent>>;

beforeAll(async () => {
  const dist = ensureUiBuilt();
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  // no API key / TwiML app: no browser phone, so the supervisor is rung on their own phone
  ctx = await createTestContext({ UI_DIST_DIR: dist, ROUTING_SWEEP_MS: '600000', ...twilioEnv(api.url) });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  const q = await makeQueue(ctx.db.pool, { name: 'support', isDefault: true, channels: ['voice'] });
  agent = await makeAgent(ctx.db.pool, { name: 'Carol Agent', queueIds: [q.id] });
  sup = await makeAgent(ctx.db.pool, { role: 'supervisor', name: 'Sara Supervisor', email: 'sara@example.test' });
  await ctx.db.pool.query(`UPDATE agents SET phone = $2 WHERE id = $1`, [sup.id, SUP_PHONE]);
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token as string;
  const add = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` }, payload: { e164: MAIN, queueId: q.id } });
  expect(add.statusCode, add.body).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  await api?.close();
});

describe('live call monitoring in Chromium', { timeout: 60_000 }, () => {
  it('a supervisor sees a live call on the dashboard and clicks Listen: the supervisor joins the call’s conference muted', async () => {
    // a caller talking to Carol in the call's conference
    const callerSid = sid('CA');
    const r = await postTwilio(ctx.app, '/webhooks/twilio/voice', { CallSid: callerSid, AccountSid: TWILIO_TEST.accountSid, From: '+14155550177', To: MAIN, CallStatus: 'ringing' });
    expect(r.statusCode).toBe(200);
    const call = (await ctx.db.pool.query(`SELECT id, case_id FROM calls WHERE call_sid = $1`, [callerSid])).rows[0];
    const name = `hub-call-${call.id}-e2e`;
    const agentLeg = sid('CA');
    const conferenceSid = api.conferenceJoined(name, callerSid, 'customer');
    api.conferenceJoined(name, agentLeg, `agent-${agent.id}`);
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [call.case_id, agent.id]);
    await ctx.db.pool.query(
      `UPDATE calls SET state = 'in_progress', agent_id = $2, agent_call_sid = $3, conference_name = $4, conference_sid = $5, answered_at = now() WHERE id = $1`,
      [call.id, agent.id, agentLeg, name, conferenceSid],
    );

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchErrors(page);
    try {
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login/);
      await page.getByTestId('login-email').fill(sup.email);
      await page.getByTestId('login-password').fill(sup.password);
      await page.getByTestId('login-submit').click();
      await page.waitForSelector('[data-testid="connection"].conn-on');
      await page.goto(`${base}/supervisor`);
      const row = page.getByTestId(`live-call-${call.id}`);
      await row.waitFor();
      expect(await row.textContent()).toContain('Carol Agent');
      expect(await row.textContent()).toContain('+14155550177');

      await page.getByTestId(`monitor-listen-${call.id}`).click();
      await page.getByTestId(`monitor-notice-${call.id}`).getByText('Your phone rings: answer it to start listening.').waitFor();
      const created = api.find(new RegExp(`^POST .*/Conferences/${conferenceSid}/Participants\\.json$`));
      expect(created).toHaveLength(1);
      expect(created[0]!.form).toMatchObject({ To: SUP_PHONE, From: MAIN, Muted: 'true', Label: `supervisor-${sup.id}` });
      // the dashboard shows who is monitoring, and the supervisor's mode
      await page.getByTestId(`monitored-by-${call.id}`).getByText('Sara Supervisor: listening').waitFor();
      expect(await page.getByTestId(`monitor-listen-${call.id}`).getAttribute('aria-pressed')).toBe('true');

      // whisper from the same row switches the participant to coaching the agent
      await page.getByTestId(`monitor-whisper-${call.id}`).click();
      await page.getByTestId(`monitored-by-${call.id}`).getByText('Sara Supervisor: whispering').waitFor();
      const update = api.find(/\/Participants\/CA[0-9a-f]{32}\.json$/).at(-1)!;
      expect(update.form).toMatchObject({ Coaching: 'true', CallSidToCoach: agentLeg });
      await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-monitoring.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
