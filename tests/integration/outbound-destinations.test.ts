import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, find, findAll, parseTwiml, postTwilio, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { checkPhoneNumber } from '../../server/src/outbound/destination-policy.js';
import { loadConfig, ConfigError } from '../../server/src/config.js';

// Toll fraud: an agent (or a stolen agent session) must not be able to text or call premium-rate or far-away
// numbers, nor numbers they typed into a customer's profile themselves.

let ctx: TestContext;
let api: TwilioApiServer;
let agentToken: string;
let supervisorToken: string;
let agentId: number;
const OUR_NUMBER = '+14155550100';
const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const login = async (a: { email: string; password: string }) =>
  (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token as string;

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(twilioEnv(api.url, { PORTAL_SMS_FROM: OUR_NUMBER }));
  const queue = await makeQueue(ctx.db.pool, { name: 'phones', channels: ['sms', 'voice'], isDefault: true });
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  const agent = await makeAgent(ctx.db.pool, { queueIds: [queue.id] });
  const supervisor = await makeAgent(ctx.db.pool, { role: 'supervisor', queueIds: [queue.id] });
  agentId = agent.id;
  await ctx.db.pool.query(`UPDATE agents SET phone = '+14155550999' WHERE id = $1`, [agent.id]);
  agentToken = await login(agent);
  supervisorToken = await login(supervisor);
  const n = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(await login(admin)), payload: { e164: OUR_NUMBER } });
  expect(n.statusCode).toBe(201);
});
afterAll(async () => {
  await ctx?.close();
  await api?.close();
});

/** A customer who texted in from `from`: their SMS case, held by the agent. */
async function smsCase(from: string) {
  const r = await postTwilio(ctx.app, '/webhooks/twilio/sms', { MessageSid: sid('SM'), AccountSid: TWILIO_TEST.accountSid, From: from, To: OUR_NUMBER, Body: 'hello', NumMedia: '0' });
  expect(r.statusCode).toBe(200);
  const c = (await q(`SELECT c.id, c.customer_id FROM cases c JOIN interactions i ON i.case_id = c.id WHERE i.from_address = $1 ORDER BY c.id DESC LIMIT 1`, [from]))[0];
  await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2 WHERE id = $1`, [c.id, agentId]);
  return c as { id: number; customer_id: number };
}
const textTo = (token: string, caseId: number, to?: string) =>
  ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: auth(token), payload: { channel: 'sms', text: 'Your code is ready', ...(to ? { to } : {}) } });
const callTo = (token: string, caseId: number, to?: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/voice/calls', headers: auth(token), payload: { caseId, ...(to ? { to } : {}) } });
const addNumber = (token: string, customerId: number, value: string) =>
  ctx.app.inject({ method: 'POST', url: `/api/v1/customers/${customerId}/identities`, headers: auth(token), payload: { kind: 'phone', value } });
const outboundCount = async (caseId: number) => Number((await q(`SELECT count(*) AS n FROM interactions WHERE case_id = $1 AND direction = 'outbound'`, [caseId]))[0].n);

describe('outbound destinations (toll-fraud guard)', () => {
  it('an agent cannot text an arbitrary number from a case: 422 with the reason, nothing queued', async () => {
    const c = await smsCase('+14155550401');
    const r = await textTo(agentToken, c.id, '+14155550777');
    expect(r.statusCode).toBe(422);
    expect(r.json().message).toMatch(/not one of this customer's numbers/);
    expect(r.json().details).toEqual([expect.objectContaining({ field: 'to', code: 'not_customer_number' })]);
    expect(await outboundCount(c.id)).toBe(0);
    // the number the customer texted from is fine
    const ok = await textTo(agentToken, c.id);
    expect(ok.statusCode).toBe(201);
    expect((await q(`SELECT to_address FROM interactions WHERE id = $1`, [ok.json().interactionId]))[0].to_address).toBe('+14155550401');
  });

  it('a number an agent adds to the customer gets no SMS or call until a supervisor confirms it; the origin is recorded', async () => {
    const c = await smsCase('+14155550402');
    const calls = api.find(/Calls\.json$/).length;
    expect((await addNumber(agentToken, c.customer_id, '+1 415 555 0403')).statusCode).toBe(201);
    expect(await q(`SELECT origin, added_by_agent_id, added_by_role FROM customer_identities WHERE value = '+14155550403'`)).toEqual([
      { origin: 'staff', added_by_agent_id: agentId, added_by_role: 'agent' },
    ]);
    const sms = await textTo(agentToken, c.id, '+14155550403');
    expect(sms.statusCode).toBe(422);
    expect(sms.json().message).toMatch(/added by an agent; a supervisor must confirm it/);
    const call = await callTo(agentToken, c.id, '+14155550403');
    expect(call.statusCode).toBe(422);
    expect(call.json().message).toMatch(/supervisor must confirm/);
    expect(api.find(/Calls\.json$/)).toHaveLength(calls);
    // the profile tells the agent why
    const profile = (await ctx.app.inject({ method: 'GET', url: `/api/v1/customers/${c.customer_id}`, headers: auth(agentToken) })).json();
    expect(profile.identities.find((i: { value: string }) => i.value === '+14155550403')).toMatchObject({ origin: 'staff', addedByRole: 'agent', outboundAllowed: false });

    // a supervisor adding the same number confirms it
    expect((await addNumber(supervisorToken, c.customer_id, '+14155550403')).statusCode).toBe(201);
    expect((await textTo(agentToken, c.id, '+14155550403')).statusCode).toBe(201);
    expect((await callTo(agentToken, c.id, '+14155550403')).statusCode).toBe(201);
    expect(api.find(/Calls\.json$/)).toHaveLength(calls + 1);
  });

  it('a number an agent typed becomes the customer’s own once the customer texts from it', async () => {
    const c = await smsCase('+14155550408');
    expect((await addNumber(agentToken, c.customer_id, '+14155550409')).statusCode).toBe(201);
    expect((await textTo(agentToken, c.id, '+14155550409')).statusCode).toBe(422);
    const r = await postTwilio(ctx.app, '/webhooks/twilio/sms', { MessageSid: sid('SM'), AccountSid: TWILIO_TEST.accountSid, From: '+14155550409', To: OUR_NUMBER, Body: 'my other phone', NumMedia: '0' });
    expect(r.statusCode).toBe(200);
    expect((await textTo(agentToken, c.id, '+14155550409')).statusCode).toBe(201);
  });

  it('premium-rate numbers and numbers outside OUTBOUND_COUNTRIES are refused even when a supervisor added them', async () => {
    const c = await smsCase('+14155550404');
    const calls = api.find(/Calls\.json$/).length;
    for (const [number, why] of [
      ['+19005550199', /premium-rate/],
      ['+18765550123', /is in JM; SMS and calls may go only to US/],
      ['+442079460958', /is in GB; SMS and calls may go only to US/],
    ] as const) {
      expect((await addNumber(supervisorToken, c.customer_id, number)).statusCode).toBe(201);
      const sms = await textTo(agentToken, c.id, number);
      expect(sms.statusCode).toBe(422);
      expect(sms.json().message).toMatch(why);
      const call = await callTo(supervisorToken, c.id, number);
      expect(call.statusCode).toBe(422);
      expect(call.json().message).toMatch(why);
    }
    expect(await outboundCount(c.id)).toBe(0);
    expect(api.find(/Calls\.json$/)).toHaveLength(calls);
  });

  it('a browser call through the TwiML app follows the same rules', async () => {
    const c = await smsCase('+14155550405');
    await addNumber(agentToken, c.customer_id, '+14155550406');
    const twiml = parseTwiml((await postTwilio(ctx.app, '/webhooks/twilio/voice/client', { CallSid: sid('CA'), From: `client:agent-${agentId}`, To: '+14155550406', CaseId: String(c.id) })).body);
    expect(findAll(twiml, 'Dial')).toHaveLength(0);
    expect(find(twiml, 'Say').text).toMatch(/supervisor must confirm/);
    const own = parseTwiml((await postTwilio(ctx.app, '/webhooks/twilio/voice/client', { CallSid: sid('CA'), From: `client:agent-${agentId}`, To: '+14155550405', CaseId: String(c.id) })).body);
    expect(find(find(own, 'Dial'), 'Number').text).toBe('+14155550405');
  });

  it('portal sign-in codes are not sent to premium-rate or foreign numbers', async () => {
    for (const phone of ['+19005550199', '+989121234567']) {
      const r = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code', payload: { phone } });
      expect(r.statusCode).toBe(422);
      expect(r.json().details).toEqual([expect.objectContaining({ field: 'phone' })]);
    }
    expect((await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code', payload: { phone: '+14155550407' } })).statusCode).toBe(202);
  });
});

describe('OUTBOUND_COUNTRIES', () => {
  const env = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:6379', NODE_ENV: 'test' };
  it('defaults to the business’s own country and accepts a list', () => {
    expect(loadConfig(env).outbound.countries).toEqual(['US']);
    expect(loadConfig({ ...env, TWILIO_DEFAULT_COUNTRY: 'ir' }).outbound.countries).toEqual(['IR']);
    const cfg = loadConfig({ ...env, OUTBOUND_COUNTRIES: 'us, ca,GB' });
    expect(cfg.outbound.countries).toEqual(['US', 'CA', 'GB']);
    expect(checkPhoneNumber(cfg.outbound.countries, '+442079460958')).toBeNull();
    expect(checkPhoneNumber(cfg.outbound.countries, '+449098790000')?.code).toBe('premium_rate');
    expect(checkPhoneNumber(cfg.outbound.countries, '+882123456789')?.code).toBe('invalid_number');
    expect(() => loadConfig({ ...env, OUTBOUND_COUNTRIES: 'US,XX' })).toThrow(ConfigError);
  });
});
