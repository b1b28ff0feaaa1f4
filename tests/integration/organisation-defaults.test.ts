import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';

// What Admin → Settings stores is used: the portal wears the branding and the organisation's language
// and time zone, and a new customer whose language nobody knows gets the organisation's language.
let ctx: TestContext;
let token: string;
beforeAll(async () => {
  ctx = await createTestContext();
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
});
afterAll(async () => ctx?.close());

const organisation = async () => (await ctx.app.inject({ method: 'GET', url: '/portal/api/organisation' })).json();
const newCustomer = async (value: string) => {
  const r = await ingest(ctx.app.ingestDeps, { channel: 'api', provider: 'test', providerMessageId: `m-${value}`, from: { kind: 'api', value }, subject: 'hello', text: 'hello', raw: {} });
  return (await ctx.db.pool.query(`SELECT cu.language, c.language AS case_language FROM customers cu JOIN cases c ON c.customer_id = cu.id WHERE c.id = $1`, [r.caseId])).rows[0];
};

describe('organisation settings in use', () => {
  it('the portal gets the branding, language and time zone; new customers get the default language', async () => {
    expect(await organisation()).toEqual({ name: '', language: 'en', timeZone: 'UTC', colour: null, logoUrl: null });
    expect(await newCustomer('before-settings')).toEqual({ language: 'en', case_language: 'en' });

    const put = await ctx.app.inject({
      method: 'PUT', url: '/api/v1/admin/settings', headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Acme', defaultLanguage: 'fa', timeZone: 'Asia/Tehran', branding: { name: 'Acme Help', colour: '#125b50', logoUrl: '/files/logo.png' } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(await organisation()).toEqual({ name: 'Acme Help', language: 'fa', timeZone: 'Asia/Tehran', colour: '#125b50', logoUrl: '/files/logo.png' });
    expect(await newCustomer('after-settings')).toEqual({ language: 'fa', case_language: 'fa' });

    // a language the message shows still wins
    const told = await ingest(ctx.app.ingestDeps, {
      channel: 'api', provider: 'test', providerMessageId: 'm-told', from: { kind: 'api', value: 'told' }, subject: 'hi', text: 'hi', raw: {}, customer: { language: 'en' },
    });
    expect((await ctx.db.pool.query(`SELECT cu.language FROM customers cu JOIN cases c ON c.customer_id = cu.id WHERE c.id = $1`, [told.caseId])).rows[0].language).toBe('en');
  });
});
