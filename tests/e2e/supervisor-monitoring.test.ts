import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import type { TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, postTwilio, sid } from '../helpers/twilio-signing.js';
import { ARTIFACTS, openPage } from './agent-ui-helpers.js';
import { startTwilioUiHub, type TwilioUiHub } from './twilio-ui-hub.js';

const MAIN = '+14155550200';
const SUP_PHONE = '+14155550988';
let hub: TwilioUiHub;
let ctx: TestContext;
let api: TwilioApiServer;
let base: string;
let browser: Browser;
let sup: Awaited<ReturnType<typeof makeAgent>>;
let agent: Awaited<ReturnType<typeof makeAgent>>;

beforeAll(async () => {
  // no browser phone on this hub: the supervisor is rung on their own phone
  hub = await startTwilioUiHub({ number: MAIN, channels: ['voice'] });
  ({ ctx, api, base, browser } = hub);
  agent = await makeAgent(ctx.db.pool, { name: 'Carol Agent', queueIds: [hub.queueId] });
  sup = await makeAgent(ctx.db.pool, { role: 'supervisor', name: 'Sara Supervisor', email: 'sara@example.test' });
  await ctx.db.pool.query(`UPDATE agents SET phone = $2 WHERE id = $1`, [sup.id, SUP_PHONE]);
}, 120_000);

afterAll(async () => {
  await hub?.close();
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

    const { page, errors } = await openPage(browser, { width: 1440, height: 900 });
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
