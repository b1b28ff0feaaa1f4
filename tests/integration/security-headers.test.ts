import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestContext, type TestContext } from '../helpers/context.js';

let ctx: TestContext;
let dir: string;
beforeAll(async () => {
  // Stand-in builds: the headers do not depend on what the pages contain.
  dir = await mkdtemp(path.join(os.tmpdir(), 'ch-ui-'));
  for (const d of ['ui', 'portal/assets']) await mkdir(path.join(dir, d), { recursive: true });
  await writeFile(path.join(dir, 'ui/index.html'), '<!doctype html><title>agent</title>');
  await writeFile(path.join(dir, 'portal/index.html'), '<!doctype html><title>portal</title>');
  ctx = await createTestContext({ UI_DIST_DIR: path.join(dir, 'ui'), PORTAL_DIST_DIR: path.join(dir, 'portal'), METRICS_TOKEN: 'scrape-token-0123456789' });
});
afterAll(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

describe('every HTML page gets the same security headers', () => {
  it.each([
    ['agent workspace', '/'],
    ['supervisor view', '/supervisor'],
    ['admin view', '/admin/agents'],
    ['portal', '/portal/'],
    ['widget demo page', '/widget/demo'],
    ['API docs', '/docs/'],
    ['set-up page', '/setup?token=nope'],
  ])('%s (%s)', async (_name, url) => {
    const r = await ctx.app.inject({ method: 'GET', url });
    expect(r.headers['content-type']).toMatch(/text\/html/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/base-uri 'none'/);
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('same-origin');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the widget script stays loadable from the business’s own sites', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/widget/demo' });
    expect(r.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const api = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(api.headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});

describe('/metrics', () => {
  it('needs the METRICS_TOKEN bearer token', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
    const ok = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/contacthub_http_request_duration_seconds/);
  });
});
