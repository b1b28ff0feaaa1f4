import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { signInAgent } from '../helpers/hub-workers.js';

let ctx: TestContext;
let token: string;
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: 'https://help.example.test' });
  // publishing articles is a supervisor's job
  token = await signInAgent(ctx, await makeAgent(ctx.db.pool, { role: 'supervisor' }));
  const articles = [
    { title: 'Resetting your password', body: 'Open **Settings**, choose *Security* and click "Reset password". A link is emailed to you.', category: 'account', language: 'en', published: true },
    { title: 'Shipping times', body: 'Orders ship within two business days.', category: 'orders', language: 'en', published: true },
    { title: 'بازنشانی رمز عبور', body: 'برای تغییر رمز عبور به بخش تنظیمات بروید و گزینهٔ امنیت را انتخاب کنید. کتاب راهنما را ببینید.', category: 'حساب', language: 'fa', published: true },
    { title: 'زمان ارسال سفارش‌ها', body: 'سفارش‌ها ظرف دو روز کاری ارسال می‌شوند.', category: 'سفارش', language: 'fa', published: true },
    { title: 'Internal draft about password policy', body: 'Not ready.', category: 'account', language: 'en', published: false },
  ];
  for (const a of articles) {
    const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/kb/articles', headers: auth(), payload: a });
    expect(r.statusCode).toBe(201);
  }
});
afterAll(async () => ctx?.close());

const titles = (rows: { title: string }[]) => rows.map((r) => r.title);

describe('knowledge base search', () => {
  it('finds English articles by stemmed words and returns the contract fields with a public portal link', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/api/v1/kb/articles?q=reset%20passwords&language=en', headers: auth() });
    expect(r.statusCode).toBe(200);
    const rows = r.json();
    expect(titles(rows)).toContain('Resetting your password');
    expect(titles(rows)).not.toContain('Shipping times');
    const a = rows.find((x: { title: string }) => x.title === 'Resetting your password');
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['id', 'title', 'slug', 'excerpt', 'body', 'language', 'category', 'published', 'url']));
    expect(a.url).toBe(`https://help.example.test/portal/kb/${a.slug}`);
    expect(a.excerpt).not.toContain('**');
    // staff search includes drafts
    const drafts = await ctx.app.inject({ method: 'GET', url: '/api/v1/kb/articles?q=password', headers: auth() });
    expect(titles(drafts.json())).toContain('Internal draft about password policy');
  });

  it('finds Persian articles, also when typed with Arabic letter forms or a zero-width non-joiner', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb?q=${encodeURIComponent('رمز عبور')}&language=fa` });
    expect(r.statusCode).toBe(200);
    expect(titles(r.json())).toEqual(['بازنشانی رمز عبور']);
    // Arabic kaf (ك) must find Persian kaf (ک)
    const arabicKaf = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb?q=${encodeURIComponent('كتاب')}` });
    expect(titles(arabicKaf.json())).toEqual(['بازنشانی رمز عبور']);
    const zwnj = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb?q=${encodeURIComponent('سفارش‌ها')}` });
    expect(titles(zwnj.json())).toEqual(['زمان ارسال سفارش‌ها']);
  });

  it('portal search shows only published articles and suggests articles for a half-typed subject', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/portal/api/kb?q=password' });
    expect(titles(r.json())).toEqual(['Resetting your password']);
    expect(r.json()[0].body).toBeUndefined();
    const suggest = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb?mode=any&q=${encodeURIComponent('I cannot reset my passw')}` });
    expect(titles(suggest.json())[0]).toBe('Resetting your password');
    const nothing = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb?q=${encodeURIComponent("'&|!:*")}` });
    expect(nothing.statusCode).toBe(200);
    expect(nothing.json()).toEqual([]);
  });

  it('renders the Markdown of a published article as sanitised HTML; drafts are not public', async () => {
    const created = await ctx.app.inject({
      method: 'POST', url: '/api/v1/kb/articles', headers: auth(),
      payload: { title: 'Contact us', body: 'Write to [us](https://example.test) <script>alert(1)</script> **now**', published: true },
    });
    const slug = created.json().slug;
    const page = await ctx.app.inject({ method: 'GET', url: `/portal/api/kb/${slug}` });
    expect(page.json().html).toContain('<strong>now</strong>');
    expect(page.json().html).not.toContain('<script>');
    const draft = (await ctx.app.inject({ method: 'GET', url: '/api/v1/kb/articles?published=false', headers: auth() })).json()[0];
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/kb/${draft.slug}` })).statusCode).toBe(404);
  });

  it('edits and publishes through PATCH, keeping the search index current', async () => {
    const draft = (await ctx.app.inject({ method: 'GET', url: '/api/v1/kb/articles?published=false', headers: auth() })).json()[0];
    const r = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/kb/articles/${draft.id}`, headers: auth(), payload: { title: 'Password policy', body: 'Passwords need twelve characters.', published: true } });
    expect(r.statusCode).toBe(200);
    const found = await ctx.app.inject({ method: 'GET', url: '/portal/api/kb?q=twelve' });
    expect(titles(found.json())).toEqual(['Password policy']);
    expect((await ctx.app.inject({ method: 'PATCH', url: '/api/v1/kb/articles/999999', headers: auth(), payload: { title: 'x' } })).statusCode).toBe(404);
  });

  it('requires a staff session to write and validates input', async () => {
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/kb/articles', payload: { title: 'x', body: 'y' } })).statusCode).toBe(401);
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/v1/kb/articles', headers: auth(), payload: { title: '', body: 'y' } });
    expect(bad.statusCode).toBe(400);
  });
});
