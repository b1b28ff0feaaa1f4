import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import twilio from 'twilio';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Redis } from 'ioredis';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import { REDIS_URL } from '../helpers/env.js';
import { TWILIO_TEST, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { buildApp } from '../../server/src/app.js';
import type { Config } from '../../server/src/config.js';
import { createPortalSession } from '../../server/src/channels/portal/sign-in.js';
import { toWellFormed } from '../../server/src/lib/unicode.js';

/**
 * Every public endpoint (no staff session: widget, portal, KB, health, login, docs, the inbound API with a valid key)
 * and every webhook (Twilio with valid signatures, the email webhook), fed seeded, bounded random and hostile input:
 * no answer may be a 5xx. Routes are taken from the app as it registers them, so a new route is fuzzed without
 * anyone listing it here.
 */

const SEED = 20261130;
const RUNS = 1500;
const TIME_LIMIT_MS = 100_000;
const API_KEY = 'test-inbound-key-0123456789';
/** Paths that need no staff session; anything else is kept only if it answers a credential-less probe without 401/403. */
const PUBLIC_PREFIXES = ['/widget', '/portal', '/healthz', '/readyz', '/docs', '/webhooks/', '/api/v1/inbound', '/api/v1/auth/login'];

interface Route {
  method: string;
  url: string;
  schema?: RouteOptions['schema'];
}

let db: TestDb;
let app: FastifyInstance;
let config: Config;
let storageDir: string;
let visitorToken: string;
let portalCookie: string;
const routes: Route[] = [];
const fuzzed: Route[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  storageDir = await mkdtemp(path.join(os.tmpdir(), 'ch-fuzz-'));
  // Twilio's REST API points at a closed loopback port: nothing leaves the machine.
  config = testConfig(db.url, twilioEnv('http://127.0.0.1:9'), storageDir);
  app = await buildApp({
    config,
    logger: false,
    onRoute: (r) => {
      for (const m of ([] as string[]).concat(r.method)) routes.push({ method: m, url: r.url, schema: r.schema });
    },
  });
  await app.ready();
  const v = await app.inject({ method: 'POST', url: '/widget/api/visitors', payload: { name: 'Fuzz' } });
  visitorToken = v.json().token;
  portalCookie = `ch_portal=${(await createPortalSession(db.pool, { kind: 'email', value: 'fuzz@example.test' }, 'en', 1)).token}`;
  // a little real data so ids and slugs sometimes hit something
  await app.inject({
    method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': API_KEY },
    payload: { providerMessageId: 'fuzz-seed', from: { kind: 'email', value: 'fuzz@example.test' }, text: 'seed' },
  });

  for (const r of routes) {
    if (r.method === 'HEAD' && routes.some((x) => x.method === 'GET' && x.url === r.url)) continue;
    if (PUBLIC_PREFIXES.some((p) => r.url.startsWith(p))) {
      fuzzed.push(r);
      continue;
    }
    // the staff API (sessions, roles) is covered by its own tests; validation may answer there before authentication
    if (r.url.startsWith('/api/')) continue;
    const probe = await app.inject({ method: r.method as 'GET', url: fillPath(r.url, () => '1'), remoteAddress: '10.9.9.9' });
    if (probe.statusCode !== 401 && probe.statusCode !== 403) fuzzed.push(r);
  }
}, 60_000);

afterAll(async () => {
  console.log(`fuzz: ${sent} requests, answers by status: ${JSON.stringify(statuses)}`);
  await app?.close();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const keys = await redis.keys(`${config.queuePrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await db?.drop();
  await rm(storageDir, { recursive: true, force: true });
});

function fillPath(url: string, value: (name: string) => string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => value(name)).replace(/\*$/, () => value('*'));
}

/** Strings that broke things before, or plausibly could. */
const HOSTILE = [
 '', ' ', '\u0000', 'a\u0000b', '%00', '%FF', '%ED%A0%80', '%', '\ud800', 'x\udfffy', '99999999999999999999', '9223372036854775808', '-1', '0', '1', '1.5', '1e400',
  'NaN', 'null', 'true', '[]', '{}', '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", 'سلام دنیا', '\u202Egnp.exe',
  '9999-99-99T99:99:99Z_1', '2024-01-01T00:00:00.000Z_99999999999999999999', '+989121234567', 'a@b.co', 'x'.repeat(3000), '\r\nX-Injected: 1',
];
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.constantFrom(1e20, -1, 0, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 1.5, true, false, null),
);
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileScalar, { maxKeys: 3 }) },
);

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; anyOf?: Schema[]; format?: string; pattern?: string };

/** Values shaped like the schema (so requests get past validation and reach handlers) mixed with hostile ones. */
function fromSchema(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 3) return hostileJson;
  const typed = ((): fc.Arbitrary<unknown> | null => {
    if (s.enum) return fc.constantFrom(...s.enum);
    if (s.anyOf?.length) return fc.oneof(...s.anyOf.map((x) => fromSchema(x, depth + 1)));
    const t = Array.isArray(s.type) ? s.type[0] : s.type;
    if (t === 'object' || s.properties) {
      const props = Object.entries(s.properties ?? {});
      if (!props.length) return fc.dictionary(hostileString, hostileScalar, { maxKeys: 3 });
      return fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, depth + 1)])), { requiredKeys: [] });
    }
    if (t === 'array') return fc.array(fromSchema(s.items, depth + 1), { maxLength: 3 });
    if (t === 'integer') return fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom(1e20, 2 ** 53, 2 ** 63));
    if (t === 'number') return fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(1e308, -1e308));
    if (t === 'boolean') return fc.boolean();
    if (t === 'string') {
      if (s.format === 'email') return fc.constantFrom('a@b.co', 'ann@example.test', 'x\u0000@b.co', 'بی@example.test');
      if (s.format === 'date-time') return fc.constantFrom('2024-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '0000-00-00T00:00:00Z');
      return hostileString;
    }
    return null;
  })();
  return typed ? fc.oneof({ weight: 4, arbitrary: typed }, { weight: 1, arbitrary: hostileJson }) : hostileJson;
}

const TWILIO_PARAMS = [
  'From', 'To', 'Body', 'MessageSid', 'SmsSid', 'NumMedia', 'MediaUrl0', 'MediaContentType0', 'MessageStatus', 'ErrorCode', 'CallSid', 'CallStatus',
  'Digits', 'CallDuration', 'RecordingUrl', 'RecordingSid', 'RecordingDuration', 'TranscriptionText', 'TranscriptionStatus', 'QueueTime',
  'QueuePosition', 'DialCallStatus', 'DialCallSid', 'DialCallDuration', 'Direction', 'Caller', 'Called', 'ParentCallSid', 'QueueResult',
  'OptOutType', 'FromCountry', 'CaseId', 'SpeechResult',
];
const twilioValue = (name: string) =>
  fc.oneof(
    { weight: 2, arbitrary: hostileString },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ...({
          From: ['+14155550123', '+989121234567', 'client:agent-1'], To: ['+14155550100'], MessageSid: [sid('SM'), sid('MM')], SmsSid: [sid('SM')],
          CallSid: [sid('CA')], ParentCallSid: [sid('CA')], NumMedia: ['0', '1', '11', '-3'], CallStatus: ['ringing', 'in-progress', 'completed', 'busy'],
          MessageStatus: ['sent', 'delivered', 'failed'], Digits: ['1', '9', '#'], MediaUrl0: ['https://api.twilio.com/2010-04-01/x', 'http://127.0.0.1:9/m'],
        } as Record<string, string[]>)[name] ?? ['1'],
      ),
    },
  );
const twilioForm = fc
  .subarray(TWILIO_PARAMS, { maxLength: 10 })
  .chain((names) => fc.record(Object.fromEntries(names.map((n) => [n, twilioValue(n)])) as Record<string, fc.Arbitrary<string>>))
  .map((p) => ({ AccountSid: TWILIO_TEST.accountSid, ...p }));
const webhookQuery = fc.dictionary(fc.constantFrom('callId', 'agentId', 'caseId', 'attempt', 'lang', 'queueId', 'mailbox'), hostileString, { maxKeys: 2 });

const mime = fc
  .record({
    from: fc.oneof(fc.constant('Ann <ann@example.test>'), hostileString),
    subject: hostileString,
    messageId: fc.oneof(fc.constant('<m1@example.test>'), hostileString),
    contentType: fc.oneof(fc.constantFrom('text/plain; charset=utf-8', 'text/html', 'multipart/mixed; boundary=b', 'audio/mpeg; x=1, text/html'), hostileString),
    body: hostileString,
  })
  .map(
    (m) =>
      `From: ${m.from}\r\nTo: support@example.test\r\nSubject: ${m.subject}\r\nMessage-ID: ${m.messageId}\r\nContent-Type: ${m.contentType}\r\n\r\n` +
      (m.contentType.startsWith('multipart')
        ? `--b\r\nContent-Type: text/plain\r\n\r\n${m.body}\r\n--b\r\nContent-Type: video/mp4;,text/html\r\nContent-Disposition: attachment; filename="${m.subject}"\r\n\r\n<script>x</script>\r\n--b--\r\n`
        : m.body),
  );

interface Req {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Values starting with % go into the path as they are (raw escapes such as %00 or invalid UTF-8); the rest are encoded. */
const pathSegment = (v: string) => (v.startsWith('%') ? v : encodeURIComponent(toWellFormed(v)));

function requestFor(r: Route, p: { pathValues: string[]; query: Record<string, unknown>; body: unknown; form: Record<string, string>; raw: string; creds: boolean }): Req {
  let i = 0;
  const url = fillPath(r.url, () => pathSegment(p.pathValues[i++ % p.pathValues.length] ?? '1'));
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(p.query)) for (const x of ([] as unknown[]).concat(v)) qs.append(k, typeof x === 'string' ? x : JSON.stringify(x));
  const full = qs.size ? `${url}?${qs}` : url;
  const headers: Record<string, string> = { origin: config.publicUrl };
  if (p.creds) {
    headers['x-visitor-token'] = visitorToken;
    headers.cookie = portalCookie;
    headers['x-api-key'] = API_KEY;
  }
  if (r.method === 'GET' || r.method === 'HEAD' || r.method === 'OPTIONS') return { method: r.method, url: full, headers };
  if (r.url.startsWith('/webhooks/twilio/')) {
    const form = new URLSearchParams(p.form).toString();
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TEST.authToken, `${config.publicUrl}${full}`, p.form);
    return { method: r.method, url: full, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: form };
  }
  if (r.url.startsWith('/webhooks/email/')) return { method: r.method, url: full, headers: { ...headers, 'content-type': 'message/rfc822' }, payload: Buffer.from(p.raw) };
  return { method: r.method, url: full, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(p.body) ?? 'null' };
}

const failures: { req: Req; status: number; body: string }[] = [];
let sent = 0;
const statuses: Record<number, number> = {};
let ip = 0;

async function send(req: Req) {
  sent++;
  // a different client address each time, so per-IP rate limits answer 429 less often and handlers run
  const res = await app.inject({ ...(req as { method: 'GET' }), remoteAddress: `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip++ & 255}` });
  statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
  if (res.statusCode >= 500 && failures.length < 50) failures.push({ req: { ...req, payload: String(req.payload ?? '').slice(0, 300) }, status: res.statusCode, body: res.body.slice(0, 300) });
}

describe('fuzz of public endpoints and webhooks', () => {
  it('covers the public routes and every webhook the app registers', () => {
    const urls = new Set(fuzzed.map((r) => r.url));
    for (const u of ['/widget/api/attachments/:id', '/portal/api/kb/:slug', '/webhooks/twilio/sms', '/webhooks/twilio/status', '/webhooks/twilio/voice', '/webhooks/email/mime', '/api/v1/inbound', '/api/v1/auth/login', '/healthz']) {
      expect(urls.has(u), u).toBe(true);
    }
    // staff routes are not part of this fuzz
    expect(urls.has('/api/v1/cases/:id')).toBe(false);
  });

  it('answers the known-bad inputs on every public route and webhook with a 4xx, never a 5xx', async () => {
    for (const r of fuzzed) {
      for (const v of HOSTILE) {
        await send(requestFor(r, { pathValues: [v], query: { before: v, id: v, callId: v }, body: { text: v, id: v, email: v, caseId: v }, form: { AccountSid: TWILIO_TEST.accountSid, From: v, Body: v, CallSid: v, MessageSid: v }, raw: `From: ${v}\r\nSubject: ${v}\r\n\r\n${v}`, creds: true }));
      }
    }
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 1)).toEqual([]);
  }, 200_000);

  it(`answers ${RUNS} seeded random requests without a 5xx`, async () => {
    const route = fc.constantFrom(...fuzzed);
    await fc.assert(
      fc.asyncProperty(
        route.chain((r) =>
          fc.record({
            r: fc.constant(r),
            pathValues: fc.array(hostileString, { minLength: 1, maxLength: 3 }),
            query: r.url.startsWith('/webhooks/') ? webhookQuery : fromSchema(r.schema?.querystring as Schema).map((q) => (q && typeof q === 'object' && !Array.isArray(q) ? (q as Record<string, unknown>) : {})),
            body: fromSchema(r.schema?.body as Schema),
            form: twilioForm,
            raw: mime,
            creds: fc.boolean(),
          }),
        ),
        async ({ r, ...p }) => {
          await send(requestFor(r, p));
          return true;
        },
      ),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThan(200);
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 1)).toEqual([]);
  }, 200_000);
});
