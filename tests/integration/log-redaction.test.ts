import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../server/src/app.js';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import { logRedaction } from '../../server/src/lib/log-redaction.js';

let db: TestDb;
let app: FastifyInstance;
const lines: string[] = [];
const capture = () =>
  new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });

beforeAll(async () => {
  db = await freshDatabase();
  app = await buildApp({ config: testConfig(db.url, { LOG_LEVEL: 'info', TWILIO_AUTH_TOKEN: 'twilio-auth-token-0123456789abcd', KAVENEGAR_WEBHOOK_SECRET: 'kavenegar-url-secret-0123456789' }), logger: { level: 'info', stream: capture() } });
  // Code that logs a request's headers (a debugging line, a plugin) must not leak them either.
  app.get('/test/log-headers', async (req) => {
    req.log.info({ headers: req.headers }, 'headers seen');
    return { ok: true };
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('secrets never reach the logs', () => {
  it('token-bearing query parameters, auth headers, cookies, API keys and Twilio signatures are redacted in every line', async () => {
    const secrets = {
      magic: 'MAGICLINKTOKEN-aaaaaaaaaaaa',
      visitor: 'VISITORTOKEN-bbbbbbbbbbbb',
      bearer: 'BEARERTOKEN-cccccccccccc',
      cookie: 'SESSIONCOOKIE-dddddddddddd',
      apiKey: 'APIKEY-eeeeeeeeeeee',
      signature: 'TWILIOSIGNATURE-ffffffffffff',
      kavenegar: 'kavenegar-url-secret-0123456789',
      kavenegarGuess: 'KAVENEGARGUESS-gggggggggggg',
    };
    await app.inject({ method: 'GET', url: `/portal/auth/verify?token=${secrets.magic}` });
    await app.inject({ method: 'GET', url: `/widget/api/attachments/1?token=${secrets.visitor}&download=1` });
    await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${secrets.bearer}` } });
    await app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': secrets.apiKey }, payload: {} });
    await app.inject({
      method: 'POST',
      url: `/webhooks/twilio/sms?token=${secrets.magic}`,
      headers: { 'x-twilio-signature': secrets.signature, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'From=%2B15550001111&Body=hi',
    });
    // Kavenegar signs nothing: its callback URLs carry the secret as a path segment, right or wrong
    await app.inject({ method: 'GET', url: `/webhooks/kavenegar/${secrets.kavenegar}/receive?messageid=1&from=09120000000&message=hi` });
    await app.inject({ method: 'POST', url: `/webhooks/kavenegar/${secrets.kavenegarGuess}/delivery`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'messageid=1&status=10' });
    await app.inject({
      method: 'GET',
      url: '/test/log-headers',
      headers: { authorization: `Bearer ${secrets.bearer}`, cookie: `ch_session=${secrets.cookie}; ch_portal=${secrets.cookie}`, 'x-api-key': secrets.apiKey, 'x-twilio-signature': secrets.signature },
    });

    const log = lines.join('\n');
    // the requests were logged, with their paths and the parameter names, but none of the values
    expect(log).toMatch(/\/portal\/auth\/verify\?token=\[redacted\]/);
    expect(log).toMatch(/\/widget\/api\/attachments\/1\?token=\[redacted\]&download=1/);
    expect(log).toMatch(/rejected Twilio webhook/);
    expect(log).toMatch(/\/webhooks\/kavenegar\/\[redacted\]\/delivery/);
    expect(log).toMatch(/rejected a Kavenegar callback with a wrong secret/);
    expect(log).toMatch(/headers seen/);
    for (const [name, value] of Object.entries(secrets)) expect(log, name).not.toContain(value);
  });

  it('the workers’ loggers redact the same way', () => {
    const out: string[] = [];
    const log = pino({ level: 'info', ...logRedaction }, new Writable({ write: (c, _e, d) => (out.push(String(c)), d()) }));
    log.info({ url: '/portal/auth/verify?token=SECRET-1', headers: { authorization: 'Bearer SECRET-2' }, token: 'SECRET-3' }, 'x');
    expect(out.join('')).not.toMatch(/SECRET-/);
  });
});
