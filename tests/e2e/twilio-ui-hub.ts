import { expect } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, twilioEnv } from '../helpers/twilio-signing.js';
import { launchChromium, startUiServer } from './agent-ui-helpers.js';

export interface TwilioUiHub {
  ctx: TestContext;
  api: TwilioApiServer;
  base: string;
  browser: Browser;
  queueId: number;
  close(): Promise<void>;
}

/**
 * The hub serving the built workspace over HTTP, its Twilio REST calls going to the local stand-in (without an API key
 * and TwiML app: no browser phone), one default queue on the given channels and one voice number on it, and Chromium.
 */
export async function startTwilioUiHub(o: { number: string; channels: string[] }): Promise<TwilioUiHub> {
  const api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  const { ctx, base } = await startUiServer({ ROUTING_SWEEP_MS: '600000', ...twilioEnv(api.url) });
  const q = await makeQueue(ctx.db.pool, { name: 'support', isDefault: true, channels: o.channels });
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token as string;
  const add = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` }, payload: { e164: o.number, queueId: q.id } });
  expect(add.statusCode, add.body).toBe(201);
  const browser = await launchChromium();
  return {
    ctx, api, base, browser, queueId: q.id,
    async close() {
      await browser.close();
      await ctx.close();
      await api.close();
    },
  };
}
