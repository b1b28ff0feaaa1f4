import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { issueFirstRunLink } from '../../server/src/setup/first-run.js';
import { openingHoursFor } from '../../server/src/business-hours/opening-hours.js';
import { REDIS_URL } from '../helpers/env.js';

let ctx: TestContext;
let sink: SmtpSink;
let admin: string;
let supervisor: string;

const login = async (email: string, password: string) => {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  return r.statusCode === 200 ? (r.json().token as string) : null;
};
const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, token: string, payload?: object) =>
  ctx.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, payload });
const form = (url: string, fields: Record<string, string>) =>
  ctx.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

beforeAll(async () => {
  sink = await startSmtpSink();
  ctx = await createTestContext({ SMTP_URL: sink.url, PUBLIC_URL: 'https://hub.example.test' });
});
afterAll(async () => {
  await ctx?.close();
  await sink?.close();
});

/** The script `npm start` runs (outside development) after migrating, as an operator's environment would. */
const firstRunCli = () =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/src/setup/first-run-cli.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: ctx.db.url, REDIS_URL, QUEUE_PREFIX: ctx.config.queuePrefix, ENCRYPTION_KEY: 'b'.repeat(64), PUBLIC_URL: 'https://hub.example.test' },
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('first run', () => {
  it('npm start prints the first-run link while nobody can administer the hub', () => {
    const r = firstRunCli();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/No admin yet.*\n.*https:\/\/hub\.example\.test\/setup\?token=chf_\S+/);
  }, 180_000);

  it('the link npm start prints names the organisation and creates the first admin, once; then the page is gone', async () => {
    const link = await issueFirstRunLink(ctx.db.pool);
    expect(link).not.toBeNull();
    const page = await ctx.app.inject({ method: 'GET', url: `/setup?token=${link!.token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/Organisation name/);
    expect(page.body).toMatch(/Asia\/Tehran/);

    const bad = await form('/setup', { token: link!.token, organisationName: '', language: 'fa', timeZone: 'Mars/Base', adminName: 'Olga', email: 'olga@example.test', password: 'long enough pass', confirm: 'long enough pass' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/the organisation needs a name; unknown time zone &#34;Mars\/Base&#34;/);

    const ok = await form('/setup', { token: link!.token, organisationName: 'Acme Support', language: 'fa', timeZone: 'Asia/Tehran', adminName: 'Olga Owner', email: 'Olga@Example.test', password: 'long enough pass', confirm: 'long enough pass' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/Password saved/);
    admin = (await login('olga@example.test', 'long enough pass'))!;
    expect(admin).toBeTruthy();

    const settings = await call('GET', '/admin/settings', admin);
    expect(settings.json()).toMatchObject({ name: 'Acme Support', defaultLanguage: 'fa', timeZone: 'Asia/Tehran', publicUrl: 'https://hub.example.test' });
    expect(settings.json().setUpAt).toBeTruthy();

    // spent, and no new one is issued now that an admin can sign in
    expect((await ctx.app.inject({ method: 'GET', url: `/setup?token=${link!.token}` })).statusCode).toBe(404);
    expect(await issueFirstRunLink(ctx.db.pool)).toBeNull();
    const again = firstRunCli();
    expect(again.status).toBe(0);
    expect(again.stdout).not.toMatch(/setup\?token/);
    const sup = await makeAgent(ctx.db.pool, { role: 'supervisor', email: 'sara@example.test' });
    supervisor = (await login(sup.email, sup.password))!;
  });
});

describe('agents: invitation and password reset by mailed link', () => {
  it('an invited agent chooses the password through a one-time link; the admin never sees it', async () => {
    const q = await makeQueue(ctx.db.pool, { name: 'sales' });
    const r = await call('POST', '/admin/agents', admin, { email: 'reza@example.test', name: 'Reza', language: 'fa', skills: ['fa'], queueIds: [q.id] });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ email: 'reza@example.test', inviteSentTo: 'reza@example.test' });
    expect(JSON.stringify(r.json())).not.toMatch(/chr_|password/);
    const mail = await sink.waitFor((m) => m.to && JSON.stringify(m.to).includes('reza@example.test') ? true : false);
    expect(mail.subject).toBe('حساب کاربری شما در contact-hub');
    const token = /reset-password\?token=(\S+)/.exec(mail.text ?? '')![1]!;

    const page = await ctx.app.inject({ method: 'GET', url: `/reset-password?token=${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/dir="rtl"/);
    expect((await form('/reset-password', { token, password: 'short', confirm: 'short' })).statusCode).toBe(400);
    expect((await form('/reset-password', { token, password: 'reza password 1', confirm: 'reza password 1' })).statusCode).toBe(200);
    expect((await form('/reset-password', { token, password: 'reza password 2', confirm: 'reza password 2' })).statusCode).toBe(404);
    const reza = (await login('reza@example.test', 'reza password 1'))!;
    expect(reza).toBeTruthy();

    // a reset ends nothing until the new password is chosen; then every session of the account ends
    const id = r.json().id;
    expect((await call('POST', `/admin/agents/${id}/password-reset`, supervisor)).statusCode).toBe(403);
    const reset = await call('POST', `/admin/agents/${id}/password-reset`, admin);
    expect(reset.statusCode).toBe(200);
    expect(reset.json().sentTo).toBe('reza@example.test');
    const second = await sink.waitFor((m) => m.subject === 'انتخاب رمز عبور تازه');
    const token2 = /reset-password\?token=(\S+)/.exec(second.text ?? '')![1]!;
    expect((await call('GET', '/auth/me', reza)).statusCode).toBe(200);
    await ctx.app.inject({ method: 'POST', url: '/reset-password', payload: { token: token2, password: 'reza password 3' } });
    expect((await call('GET', '/auth/me', reza)).statusCode).toBe(401);
    expect(await login('reza@example.test', 'reza password 3')).toBeTruthy();

    const actions = (await ctx.db.pool.query(`SELECT action FROM audit_log WHERE entity = 'agent' AND entity_id = $1 ORDER BY id`, [String(id)])).rows.map((x) => x.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'agent.invite_sent', 'agent.password_set_by_link', 'agent.password_reset_sent']));
  });
});

describe('business hours', () => {
  it('keeps split shifts, holidays and the time zone per organisation or queue, and refuses overlapping shifts with the field', async () => {
    const q = await makeQueue(ctx.db.pool, { name: 'support-hours' });
    const weekly = { sat: [['08:00', '12:00'], ['13:00', '17:00']], sun: [['08:00', '17:00']], wed: [['08:00', '13:00']] };
    const org = await call('PUT', '/admin/business-hours', admin, { queueId: null, timeZone: 'Asia/Tehran', weekly, holidays: [{ date: '2027-03-21', name: 'Nowruz' }] });
    expect(org.statusCode).toBe(200);
    const own = await call('PUT', '/admin/business-hours', admin, { queueId: q.id, timeZone: 'Europe/London', weekly: { mon: [['09:00', '17:00']] } });
    expect(own.statusCode).toBe(200);
    const again = await call('PUT', '/admin/business-hours', admin, { queueId: null, timeZone: 'Asia/Tehran', weekly, holidays: [{ date: '2027-03-22', name: 'Nowruz 2' }, { date: '2027-03-21', name: 'Nowruz' }] });
    expect(again.json().id).toBe(org.json().id);
    expect(again.json().holidays.map((h: { date: string }) => h.date)).toEqual(['2027-03-21', '2027-03-22']);

    const overlap = await call('PUT', '/admin/business-hours', admin, { queueId: null, timeZone: 'Asia/Tehran', weekly: { sat: [['08:00', '12:00'], ['11:00', '17:00']] } });
    expect(overlap.statusCode).toBe(400);
    expect(overlap.json().details).toEqual([{ field: 'weekly.sat', reason: '08:00–12:00 overlaps 11:00–17:00' }]);
    expect((await call('PUT', '/admin/business-hours', admin, { queueId: null, timeZone: 'Nowhere/City', weekly: {} })).json().message).toMatch(/unknown time zone/);

    // supervisors read them; changing them is for admins
    expect((await call('GET', '/admin/business-hours', supervisor)).json()).toHaveLength(2);
    expect((await call('PUT', '/admin/business-hours', supervisor, { queueId: null, timeZone: 'UTC', weekly: {} })).statusCode).toBe(403);
    // what the voice channel consults for a number without hours of its own
    expect(await openingHoursFor(ctx.db.pool, q.id)).toMatchObject({ timezone: 'Europe/London', weekly: { mon: [['09:00', '17:00']] } });
    expect(await openingHoursFor(ctx.db.pool, null)).toMatchObject({ timezone: 'Asia/Tehran', holidays: [{ date: '2027-03-21' }, { date: '2027-03-22' }] });
    expect((await call('DELETE', `/admin/business-hours/${own.json().id}`, admin)).statusCode).toBe(204);
    expect(await openingHoursFor(ctx.db.pool, q.id)).toMatchObject({ timezone: 'Asia/Tehran' });
    const audit = (await call('GET', '/admin/audit?entity=business_hours', admin)).json();
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['delete', 'update', 'create', 'create']);
    expect(audit[1]).toMatchObject({ actorName: 'Olga Owner', before: { holidays: [{ date: '2027-03-21' }] }, after: { holidays: [{ date: '2027-03-21' }, { date: '2027-03-22' }] } });
  });
});

describe('settings, API keys, profile, knowledge base, audit filters', () => {
  it('settings validate the time zone and colours; the widget and branding options are kept', async () => {
    const bad = await call('PUT', '/admin/settings', admin, { name: 'Acme', defaultLanguage: 'en', timeZone: 'UTC', branding: { colour: 'red' } });
    expect(bad.statusCode).toBe(400);
    const r = await call('PUT', '/admin/settings', admin, {
      name: 'Acme Help', defaultLanguage: 'en', timeZone: 'Europe/London',
      widget: { language: 'fa', prechat: 'required', title: 'Chat', colour: '#0b5fff' }, branding: { name: 'Acme', colour: '#112233', logoUrl: 'https://cdn.example.test/logo.png' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ name: 'Acme Help', widget: { prechat: 'required' }, branding: { colour: '#112233' } });
    expect((await call('GET', '/admin/settings', supervisor)).statusCode).toBe(403);
  });

  it('an API key is shown once; the list never holds it; a revoked key stops working', async () => {
    const k = await call('POST', '/admin/api-keys', admin, { name: 'CRM' });
    const { id, key } = k.json();
    const list = await call('GET', '/admin/api-keys', admin);
    expect(list.json()).toEqual([expect.objectContaining({ id, name: 'CRM', createdBy: 'Olga Owner', revokedAt: null })]);
    expect(list.body).not.toContain(key);
    const inbound = (k2: string) => ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': k2 }, payload: { from: { email: 'c@example.test' }, text: 'hi' } });
    expect((await inbound(key)).statusCode).not.toBe(401);
    await call('DELETE', `/admin/api-keys/${id}`, admin);
    expect((await inbound(key)).statusCode).toBe(401);
  });

  it('my profile: name, language, phone for calls, notification preferences — validated, audited', async () => {
    const me = (await call('GET', '/auth/profile', supervisor)).json();
    expect(me).toMatchObject({ email: 'sara@example.test', phone: null, notificationPrefs: {} });
    const bad = await call('PATCH', '/auth/profile', supervisor, { phone: '0912 123' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/phone/);
    const r = await call('PATCH', '/auth/profile', supervisor, { name: 'Sara S', language: 'fa', phone: '+989121234567', notificationPrefs: { offerSound: false } });
    expect(r.json()).toMatchObject({ name: 'Sara S', language: 'fa', phone: '+989121234567', notificationPrefs: { offerSound: false } });
    // the role is not mine to change here
    expect((await call('PATCH', '/auth/profile', supervisor, { role: 'admin' })).json().role).toBe('supervisor');
  });

  it('knowledge-base articles are deleted by supervisors only', async () => {
    const agent = await makeAgent(ctx.db.pool, {});
    const agentToken = (await login(agent.email, agent.password))!;
    const a = (await call('POST', '/kb/articles', admin, { title: 'Refunds', body: '# Refunds', language: 'en' })).json();
    expect((await call('DELETE', `/kb/articles/${a.id}`, agentToken)).statusCode).toBe(403);
    expect((await call('DELETE', `/kb/articles/${a.id}`, supervisor)).statusCode).toBe(204);
    expect((await call('GET', `/kb/articles/${a.id}`, admin)).statusCode).toBe(404);
  });

  it('the audit log filters by who, what and when', async () => {
    const adminId = (await call('GET', '/auth/me', admin)).json().id;
    const byAdmin = (await call('GET', `/admin/audit?actorId=${adminId}&entity=organisation`, admin)).json();
    expect(byAdmin.length).toBeGreaterThan(0);
    expect(byAdmin.every((e: { actorId: number; entity: string }) => e.actorId === adminId && e.entity === 'organisation')).toBe(true);
    const future = (await call('GET', `/admin/audit?since=${encodeURIComponent('2999-01-01T00:00:00Z')}`, admin)).json();
    expect(future).toEqual([]);
    expect((await call('GET', '/admin/audit?action=profile', admin)).json()[0]).toMatchObject({ action: 'profile.update', before: { name: expect.any(String) }, after: { name: 'Sara S' } });
  });
});
