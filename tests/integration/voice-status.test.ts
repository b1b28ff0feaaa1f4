import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';

let plain: TestContext;
let configured: TestContext;

beforeAll(async () => {
  plain = await createTestContext();
  configured = await createTestContext({
    TWILIO_ACCOUNT_SID: 'AC' + 'c'.repeat(32), TWILIO_AUTH_TOKEN: 'auth-token-for-tests',
    TWILIO_API_KEY_SID: 'SK' + 'a'.repeat(32), TWILIO_API_KEY_SECRET: 'api-key-secret-for-tests', TWILIO_TWIML_APP_SID: 'AP' + 'b'.repeat(32),
  });
}, 60_000);
afterAll(async () => {
  await plain?.close();
  await configured?.close();
});

async function statusOf(ctx: TestContext) {
  const a = await makeAgent(ctx.db.pool);
  const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token as string;
  return ctx.app.inject({ method: 'GET', url: '/api/v1/voice/status', headers: { authorization: `Bearer ${token}` } });
}

describe('GET /api/v1/voice/status', () => {
  it('tells the workspace whether to offer the browser phone, with 200 either way', async () => {
    const off = await statusOf(plain);
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ browserCalling: false, outboundCalls: false });
    const on = await statusOf(configured);
    expect(on.json()).toEqual({ browserCalling: true, outboundCalls: false });
    expect((await plain.app.inject({ method: 'GET', url: '/api/v1/voice/status' })).statusCode).toBe(401);
  });

  it('offers the Call button only with a Twilio account and a voice-enabled number', async () => {
    await plain.db.pool.query(`INSERT INTO phone_numbers (e164, voice_enabled) VALUES ('+14155550111', true)`);
    expect((await statusOf(plain)).json().outboundCalls).toBe(false); // a number, but no account
    await configured.db.pool.query(`INSERT INTO phone_numbers (e164, voice_enabled) VALUES ('+14155550112', false)`);
    expect((await statusOf(configured)).json().outboundCalls).toBe(false); // an account, but no number that calls
    await configured.db.pool.query(`UPDATE phone_numbers SET voice_enabled = true`);
    expect((await statusOf(configured)).json().outboundCalls).toBe(true);
  });
});
