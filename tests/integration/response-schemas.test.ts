import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ChatStatus, LiveStats, VisitorCreated, WidgetConversation } from '../../server/src/contracts/views.js';
import { AgentReportRow, HeatmapCell, KpiPoint, KpiSummary, ReportOptions, ReportSummary, Staffing, VolumeRow } from '../../server/src/contracts/kpi.js';
import { Type } from 'typebox';

// The routes the dashboards and the widget read declare their answers: OpenAPI documents them and the
// answers the server sends are exactly the schema (Fastify serialises against it).
let ctx: TestContext;
let token: string;

beforeAll(async () => {
  ctx = await createTestContext();
  await makeQueue(ctx.db.pool, { name: 'support', channels: ['chat', 'email'] });
  const sup = await makeAgent(ctx.db.pool, { role: 'supervisor' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: sup.email, password: sup.password } })).json().token;
});
afterAll(async () => ctx?.close());

const UI_ROUTES = [
  ['get', '/api/v1/kpi/summary'],
  ['get', '/api/v1/kpi/timeseries'],
  ['get', '/api/v1/kpi/occupancy'],
  ['get', '/api/v1/kpi/staffing'],
  ['get', '/api/v1/supervisor/stats'],
  ['get', '/api/v1/agents/me/offers'],
  ['get', '/api/v1/reports/options'],
  ['get', '/api/v1/reports/summary'],
  ['get', '/api/v1/reports/volume'],
  ['get', '/api/v1/reports/agents'],
  ['get', '/api/v1/reports/heatmap'],
  ['get', '/api/v1/reports/breakdown'],
  ['get', '/api/v1/reports/cases'],
  ['get', '/api/v1/voice/token'],
  ['get', '/api/v1/voice/calls'],
  ['get', '/api/v1/voice/calls/live'],
  ['get', '/widget/api/status'],
  ['post', '/widget/api/visitors'],
  ['patch', '/widget/api/visitor'],
  ['get', '/widget/api/conversation'],
  ['post', '/widget/api/messages'],
  ['post', '/widget/api/offline-messages'],
] as const;

describe('response schemas of the dashboard and widget routes', () => {
  it('OpenAPI documents a success answer for each', () => {
    const doc = ctx.app.swagger() as { paths: Record<string, Record<string, { responses?: Record<string, { content?: unknown }> }>> };
    const missing = UI_ROUTES.filter(([m, p]) => {
      const responses = doc.paths[p]?.[m]?.responses ?? {};
      return !Object.entries(responses).some(([code, r]) => code.startsWith('2') && r.content);
    });
    expect(missing).toEqual([]);
  });

  it('what the server answers is the schema', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const win = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';
    const get = async (url: string, headers: Record<string, string> = auth) => {
      const r = await ctx.app.inject({ method: 'GET', url, headers });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    expect(Value.Errors(KpiSummary, await get(`/api/v1/kpi/summary?${win}`))).toEqual([]);
    expect(Value.Errors(Type.Array(KpiPoint), await get(`/api/v1/kpi/timeseries?${win}`))).toEqual([]);
    expect(Value.Errors(Staffing, await get('/api/v1/kpi/staffing?arrivalsPerHour=200&ahtSeconds=180'))).toEqual([]);
    const live = await get('/api/v1/supervisor/stats');
    expect(Value.Errors(LiveStats, live)).toEqual([]);
    expect(live.queues.map((q: { name: string }) => q.name)).toContain('support');

    const options = await get('/api/v1/reports/options');
    expect(Value.Errors(ReportOptions, options)).toEqual([]);
    expect(options.queues.map((q: { name: string }) => q.name)).toContain('support');
    expect(Value.Errors(ReportSummary, await get(`/api/v1/reports/summary?${win}`))).toEqual([]);
    expect(Value.Errors(Type.Array(VolumeRow), await get(`/api/v1/reports/volume?${win}&bucket=hour`))).toEqual([]);
    expect(Value.Errors(Type.Array(AgentReportRow), await get(`/api/v1/reports/agents?${win}`))).toEqual([]);
    const cells = await get(`/api/v1/reports/heatmap?${win}`);
    expect(cells.length).toBeGreaterThan(0);
    expect(Value.Errors(Type.Array(HeatmapCell), cells)).toEqual([]);

    expect(Value.Errors(ChatStatus, await get('/widget/api/status', {}))).toEqual([]);
    const created = await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', payload: { name: 'Sara', language: 'fa' } });
    expect(created.statusCode).toBe(201);
    expect(Value.Errors(VisitorCreated, created.json())).toEqual([]);
    const conv = await get('/widget/api/conversation', { 'x-visitor-token': created.json().token });
    expect(Value.Errors(WidgetConversation, conv)).toEqual([]);
    expect(conv.visitor).toMatchObject({ name: 'Sara', language: 'fa' });
  });
});
