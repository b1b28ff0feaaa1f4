import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { buildApp } from '../../server/src/app.js';
import { createPortalSession } from '../../server/src/channels/portal/sign-in.js';
import { createVisitor } from '../../server/src/channels/chat/visitors.js';
import { ACCESS_MATRIX, CALLERS, README_TABLE_END, README_TABLE_START, accessTableMarkdown, type Answer, type Caller } from '../../server/src/access/matrix.js';
import { REDIS_URL } from '../helpers/env.js';
import { Redis } from 'ioredis';

// Every route of the OpenAPI document, called as every kind of caller, answers what the access table says.
// Staff routes get a deliberately incomplete body: the access rule runs before validation, so an allowed
// caller hears 400 (or the route's own answer) and a refused one 401/403/404 — nothing is changed by the probe.

let db: TestDb;
let app: FastifyInstance;
let config: ReturnType<typeof testConfig>;
/** Requests whose route got past every access check into its handler's preHandler stage. */
const reachedHandler = new Set<string>();

const KEY = 'test-inbound-key-0123456789';
const fx = {} as {
  caseId: number; caseNumber: number; otherCaseId: number; spareCaseId: number; customerId: number; identityId: number;
  attachmentId: number; callId: number; recordingSid: string; articleId: number; articleSlug: string; spareAgentId: number;
};
const creds = {} as Record<Caller, Record<string, string>>;
const logins = {} as Record<Caller, { email: string; password: string } | null>;

async function staffToken(a: { email: string; password: string }) {
  const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: a });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().token as string;
}

beforeAll(async () => {
  db = await freshDatabase();
  config = testConfig(db.url, { PUBLIC_URL: 'http://hub.example.test' });
  app = await buildApp({ config, logger: false });
  // a root hook runs after every route-level access rule (preValidation) and validation: reaching it means "allowed"
  app.addHook('preHandler', async (req) => {
    reachedHandler.add(String(req.headers['x-matrix-probe']));
  });
  await app.ready();

  const q = await makeQueue(db.pool, { name: 'billing' });
  const other = await makeQueue(db.pool, { name: 'sales' });
  const people = {
    member: await makeAgent(db.pool, { queueIds: [q.id] }),
    otherQueue: await makeAgent(db.pool, { queueIds: [other.id] }),
    assignee: await makeAgent(db.pool, { queueIds: [other.id] }),
    supervisor: await makeAgent(db.pool, { role: 'supervisor' }),
    admin: await makeAgent(db.pool, { role: 'admin' }),
  };
  fx.spareAgentId = (await makeAgent(db.pool)).id;

  const inbound = async (id: string, extra: Record<string, unknown> = {}) => {
    const r = await app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY },
      payload: { channel: 'email', providerMessageId: id, from: { kind: 'email', value: 'kay@example.com', name: 'Kay' }, subject: `Case ${id}`, text: 'hello', queue: 'billing', ...extra },
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json() as { caseId: number; caseNumber: number; customerId: number; interactionId: number };
  };
  const c = await inbound('m-1', { attachments: [{ filename: 'note.txt', contentType: 'text/plain', contentBase64: Buffer.from('hi').toString('base64') }] });
  // separate cases of the same customer for links and for supervisor actions that change a case
  fx.otherCaseId = (await inbound('m-2', { channel: 'api', subject: 'Second' })).caseId;
  expect(fx.otherCaseId).not.toBe(c.caseId);
  await db.pool.query(`UPDATE cases SET status = 'open' WHERE id = $1`, [fx.otherCaseId]);
  fx.spareCaseId = (await inbound('m-3', { from: { kind: 'email', value: 'spare@example.com' } })).caseId;
  Object.assign(fx, { caseId: c.caseId, caseNumber: c.caseNumber, customerId: c.customerId });
  await db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [c.caseId, people.assignee.id]);
  fx.identityId = (await db.pool.query(`SELECT id FROM customer_identities WHERE customer_id = $1 LIMIT 1`, [c.customerId])).rows[0].id;
  fx.attachmentId = (await db.pool.query(`SELECT t.id FROM attachments t JOIN interactions i ON i.id = t.interaction_id WHERE i.case_id = $1`, [c.caseId])).rows[0].id;
  fx.callId = (
    await db.pool.query(
      `INSERT INTO calls (call_sid, direction, case_id, interaction_id, customer_number, state) VALUES ('CA' || md5(random()::text), 'inbound', $1, $2, '+14155550100', 'completed') RETURNING id`,
      [c.caseId, c.interactionId],
    )
  ).rows[0].id;
  fx.recordingSid = `RE${'a'.repeat(32)}`;
  await db.pool.query(`INSERT INTO call_recordings (recording_sid, call_id, interaction_id, kind) VALUES ($1, $2, $3, 'call')`, [fx.recordingSid, fx.callId, c.interactionId]);
  // a draft for the staff routes (publishing is checked per request, see MATRIX_NOTES), a published one for the portal
  const art = await db.pool.query(`INSERT INTO kb_articles (title, slug, body, published) VALUES ('Refunds draft', 'refunds-draft', 'Soon', false) RETURNING id`);
  const pub = await db.pool.query(`INSERT INTO kb_articles (title, slug, body, published) VALUES ('Refunds', 'refunds', 'How refunds work', true) RETURNING slug`);
  Object.assign(fx, { articleId: art.rows[0].id, articleSlug: pub.rows[0].slug });

  const portal = await createPortalSession(db.pool, { kind: 'email', value: 'pat@example.test' }, 'en', 24);
  const visitor = await createVisitor(db.pool, { name: 'Vee' });
  creds.anonymous = {};
  creds.visitor = { 'x-visitor-token': visitor.token };
  creds.portal = { cookie: `ch_portal=${portal.token}` };
  logins.anonymous = logins.visitor = logins.portal = null;
  for (const [caller, a] of Object.entries(people) as [Caller, { email: string; password: string }][]) {
    logins[caller] = a;
    creds[caller] = { authorization: `Bearer ${await staffToken(a)}` };
  }
});
afterAll(async () => {
  await app?.close();
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const keys = await r.keys(`${config.queuePrefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
  await db?.drop();
});

/** Concrete URL for an OpenAPI path, pointing at the fixtures. */
function concrete(path: string): string {
  const spare = /^\/api\/v1\/supervisor\/cases\//.test(path);
  const values: Record<string, string> = {
    number: String(fx.caseNumber),
    attachmentId: String(fx.attachmentId),
    otherId: String(fx.otherCaseId),
    identityId: String(fx.identityId),
    sid: fx.recordingSid,
    slug: fx.articleSlug,
  };
  const id = (): string => {
    if (path.startsWith('/api/v1/cases/')) return String(fx.caseId);
    if (spare) return String(fx.spareCaseId);
    if (path.startsWith('/api/v1/customers/')) return String(fx.customerId);
    if (path.startsWith('/api/v1/voice/calls/')) return String(fx.callId);
    if (path.startsWith('/api/v1/kb/articles/')) return String(fx.articleId);
    if (path.startsWith('/api/v1/offers/')) return randomUUID();
    if (path.startsWith('/api/v1/admin/agents/') || path.startsWith('/api/v1/supervisor/agents/')) return String(fx.spareAgentId);
    if (path.startsWith('/widget/api/attachments/') || path.startsWith('/portal/api/attachments/')) return String(fx.attachmentId);
    return '999999';
  };
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'id' ? id() : values[name]));
}

/** Query strings a route needs to get past validation to its own answer, and bodies for routes outside the staff API. */
function requestFor(method: string, path: string): { url: string; payload?: unknown } {
  const url = concrete(path);
  if (method === 'GET' && path === '/api/v1/voice/calls') return { url: `${url}?caseId=${fx.caseId}` };
  if (method === 'POST' && path === '/api/v1/voice/calls') return { url, payload: { caseId: fx.caseId, to: 'not a number' } };
  const bodies: Record<string, unknown> = {
    'POST /widget/api/messages': { text: 'hello from the matrix', clientId: 'matrix-1' },
    'POST /widget/api/offline-messages': { email: 'offline@example.test', text: 'call me' },
    'POST /portal/api/requests': { subject: 'Matrix', description: 'a request' },
    'POST /portal/api/requests/{number}/replies': { text: 'a reply' },
    'POST /portal/api/requests/{number}/rating': { rating: 5 },
    'PATCH /widget/api/visitor': { name: 'Vee' },
  };
  const key = `${method} ${path}`;
  if (key in bodies) return { url, payload: bodies[key] };
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) return { url, payload: { matrixProbe: [] } };
  return { url };
}

describe('role × route access matrix', () => {
  it('covers every route in the OpenAPI document, and nothing else', () => {
    const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes.filter((r) => !(r in ACCESS_MATRIX)), 'routes missing from server/src/access/matrix.ts').toEqual([]);
    expect(Object.keys(ACCESS_MATRIX).filter((r) => !routes.includes(r)), 'table rows without a route').toEqual([]);
  });

  it('answers every caller as the table says', async () => {
    const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ops)) {
        const method = m.toUpperCase();
        const route = `${method} ${path}`;
        const expected = ACCESS_MATRIX[route];
        if (!expected) continue;
        for (const caller of CALLERS) {
          const { url, payload } = requestFor(method, path);
          const probe = randomUUID();
          const res = await app.inject({
            method: method as never,
            url,
            payload: payload as never,
            headers: { origin: 'http://hub.example.test', 'x-matrix-probe': probe, ...creds[caller] },
          });
          const got = res.statusCode;
          const want: Answer = expected[caller];
          // "ok": the access rules let it through; the route may still refuse the probe's input or not find what it names
          const allowed = got !== 401 && got !== 403 && (got !== 404 || reachedHandler.has(probe));
          // (a 5xx other than 500 is the route's own answer, e.g. 503 for voice not configured here)
          const fine = want === 'ok' ? allowed && got !== 500 : got === want;
          if (!fine) wrong.push(`${route} as ${caller}: expected ${want}, got ${got} ${res.body.slice(0, 120)}`);
          // signing out ends the caller's session: sign in again for the next routes
          if (got < 400 && route === 'POST /api/v1/auth/logout' && logins[caller]) creds[caller] = { authorization: `Bearer ${await staffToken(logins[caller]!)}` };
          if (got < 400 && route === 'POST /portal/api/auth/logout' && caller === 'portal') {
            creds.portal = { cookie: `ch_portal=${(await createPortalSession(db.pool, { kind: 'email', value: 'pat@example.test' }, 'en', 24)).token}` };
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the README access table is the one generated from the matrix', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(README_TABLE_START);
    const end = readme.indexOf(README_TABLE_END);
    expect(start, 'README has the access-table markers').toBeGreaterThan(-1);
    expect(readme.slice(start + README_TABLE_START.length, end).trim(), 'run npm run access-table').toBe(accessTableMarkdown().trim());
  });
});
