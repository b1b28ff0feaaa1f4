import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';

let ctx: TestContext;
let cookie: string;
let bearer: string;
let base: string;
const OWN = 'https://support.example.test';
const PARTNER = 'https://crm.example.test';
const EVIL = 'https://evil.example';

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: OWN, ALLOWED_ORIGINS: PARTNER });
  const a = await makeAgent(ctx.db.pool, { email: 'csrf@example.test', role: 'supervisor' });
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  cookie = `ch_session=${r.cookies.find((c) => c.name === 'ch_session')!.value}`;
  bearer = r.json().token;
  base = await listenLocally(ctx);
});
afterAll(() => ctx.close());

const canned = (headers: Record<string, string>, payload: string, shortcut: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/canned-responses', headers, payload: payload.replace('SHORTCUT', shortcut) });
const json = JSON.stringify({ shortcut: 'SHORTCUT', title: 'Hi', body: 'Hello there' });
const count = async () => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM canned_responses WHERE shortcut ~ '^(evil|form|plain)'`)).rows[0].n;

describe('cookie-authenticated mutations come from the hub’s own pages, as JSON', () => {
  it('a foreign Origin is refused with a reason and changes nothing', async () => {
    const r = await canned({ cookie, origin: EVIL, 'content-type': 'application/json' }, json, 'evil1');
    expect(r.statusCode).toBe(403);
    expect(r.json().message).toMatch(/Origin https:\/\/evil\.example is not allowed/);
    const cross = await canned({ cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, json, 'evil2');
    expect(cross.statusCode).toBe(403);
    const unknown = await canned({ cookie, 'content-type': 'application/json' }, json, 'evil3');
    expect(unknown.statusCode).toBe(403);
    expect(unknown.json().message).toMatch(/bearer token/);
    // logout too: a foreign page cannot end the session
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: EVIL } })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
    expect(await count()).toBe(0);
  });

  it('a form-encoded body is refused even from the right origin', async () => {
    const r = await canned({ cookie, origin: OWN, 'content-type': 'application/x-www-form-urlencoded' }, 'shortcut=form1&title=Hi&body=Hello', 'x');
    expect(r.statusCode).toBe(415);
    expect(r.json().message).toMatch(/send JSON/);
    const plain = await canned({ cookie, origin: OWN, 'content-type': 'text/plain' }, json, 'plain1');
    expect(plain.statusCode).toBe(415);
    expect(await count()).toBe(0);
  });

  it('JSON from PUBLIC_URL, an ALLOWED_ORIGINS entry, the host itself, or Sec-Fetch-Site: same-origin is accepted', async () => {
    expect((await canned({ cookie, origin: OWN, 'content-type': 'application/json' }, json, 'own')).statusCode).toBe(201);
    expect((await canned({ cookie, origin: PARTNER, 'content-type': 'application/json' }, json, 'partner')).statusCode).toBe(201);
    expect((await canned({ cookie, origin: 'http://hub.lan:8080', host: 'hub.lan:8080', 'content-type': 'application/json' }, json, 'host')).statusCode).toBe(201);
    expect((await canned({ cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, json, 'sfs')).statusCode).toBe(201);
  });

  it('bearer and API-key requests, and signed webhooks with form bodies, are not affected', async () => {
    expect((await canned({ authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, json, 'bearer')).statusCode).toBe(201);
    const inbound = await ctx.app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': ctx.config.inboundApiKey!, cookie },
      payload: { channel: 'api', from: { kind: 'email', value: 'a@example.test' }, text: 'hello', providerMessageId: 'csrf-1' },
    });
    expect([200, 201]).toContain(inbound.statusCode);
    // a browser carrying the cookie to a webhook does not turn the webhook into a cookie route
    const hook = await ctx.app.inject({ method: 'POST', url: '/webhooks/twilio/sms', headers: { cookie, origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'From=%2B15550001111&Body=hi' });
    expect(hook.json().message).not.toMatch(/cookie/);
  });

  it('the portal cookie follows the same rule', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/portal/api/requests', headers: { cookie: 'ch_portal=chp_anything', origin: EVIL }, payload: { subject: 's', description: 'd' } });
    expect(r.statusCode).toBe(403);
  });
});

describe('Socket.IO: CORS from configuration, cookie handshakes check Origin', () => {
  const open = (nsp: string, opts: { origin?: string; cookie?: string; token?: string }) =>
    new Promise<string>((resolve) => {
      const s = connect(`${base}${nsp}`, {
        transports: ['websocket'], reconnection: false, forceNew: true,
        auth: opts.token ? { token: opts.token } : {},
        extraHeaders: { ...(opts.origin ? { origin: opts.origin } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}) },
      });
      const done = (v: string) => (s.disconnect(), resolve(v));
      s.once('connect', () => done('connected'));
      s.once('connect_error', (e) => done(e.message));
    });

  it('a cookie handshake from a foreign page is refused; from the hub’s page it connects', async () => {
    expect(await open('/agent', { origin: EVIL, cookie })).toBe('forbidden origin');
    expect(await open('/supervisor', { origin: EVIL, cookie })).toBe('forbidden origin');
    expect(await open('/agent', { origin: OWN, cookie })).toBe('connected');
    expect(await open('/agent', { origin: PARTNER, cookie })).toBe('connected');
    // a token in the handshake is not ambient authority: any origin may use it
    expect(await open('/agent', { origin: EVIL, token: bearer })).toBe('connected');
  });

  it('polling CORS grants credentials only to configured origins', async () => {
    const poll = (origin: string) => fetch(`${base}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const own = await poll(OWN);
    expect(own.headers.get('access-control-allow-origin')).toBe(OWN);
    expect(own.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await poll(EVIL);
    expect(evil.headers.get('access-control-allow-origin')).toBe('*');
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('is off, and says how to switch it on', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(404);
    expect(r.json().message).toMatch(/METRICS_TOKEN/);
  });
});
