import { describe, expect, it } from 'vitest';
import { caseFilterSql, caseOrderSql, likeEscape } from '../../server/src/cases/case-filter.js';
import { CASE_SORTS } from '../../server/src/contracts/case-views.js';

const ctx = { viewerId: 42, now: new Date('2026-11-30T10:00:00Z') };

describe('case filter → SQL', () => {
  it('an empty filter only hides merged cases and binds nothing', () => {
    const params: unknown[] = [];
    expect(caseFilterSql({}, ctx, params)).toBe('c.merged_into_id IS NULL');
    expect(params).toEqual([]);
  });

  it('binds every value as a parameter, numbered after the caller’s own', () => {
    const params: unknown[] = ['viewer'];
    const sql = caseFilterSql({ status: ['open'], channel: ['sms', 'email'], priority: ['urgent'], text: "x'; DROP TABLE cases; --" }, ctx, params);
    expect(sql).toContain('c.status = ANY($2::text[])');
    expect(sql).toContain('c.channel = ANY($3::text[])');
    expect(sql).toContain('c.priority = ANY($4::text[])');
    expect(sql).not.toContain('DROP TABLE');
    expect(params).toEqual(['viewer', ['open'], ['sms', 'email'], ['urgent'], "%x'; drop table cases; --%"]);
  });

  it('"me" is the viewer and "none" is unassigned, either matching', () => {
    const params: unknown[] = [];
    const sql = caseFilterSql({ assignee: ['me', 'none', 7, 42] }, ctx, params);
    expect(sql).toContain('(c.assignee_id = ANY($1::bigint[]) OR c.assignee_id IS NULL)');
    expect(params).toEqual([[42, 7]]);
  });

  it('tags are lower-cased and match any of them; a number in the text also matches the case number', () => {
    const params: unknown[] = [];
    const sql = caseFilterSql({ tags: [' Billing ', 'VIP'], text: '#1042' }, ctx, params);
    expect(sql).toContain('c.tags && $1::text[]');
    expect(sql).toContain('c.number = $3');
    expect(params).toEqual([['billing', 'vip'], '%1042%', 1042]);
  });

  it('looks for % and _ literally', () => {
    expect(likeEscape('50%_off\\')).toBe('50\\%\\_off\\\\');
  });

  it('ranges are half-open: from inclusive, to exclusive', () => {
    const params: unknown[] = [];
    const sql = caseFilterSql({ createdFrom: '2026-11-01T00:00:00Z', createdTo: '2026-11-02T00:00:00Z', updatedFrom: '2026-11-01T00:00:00Z' }, ctx, params);
    expect(sql).toContain('c.created_at >= $1::timestamptz');
    expect(sql).toContain('c.created_at < $2::timestamptz');
    expect(sql).toContain('c.updated_at >= $3::timestamptz');
  });

  it('SLA states and "pending due" are judged against the given time', () => {
    const params: unknown[] = [];
    const sql = caseFilterSql({ sla: ['breached', 'at_risk'], pendingDue: true, mentionsMe: true }, ctx, params);
    expect(sql).toMatch(/< \$1::timestamptz/);
    expect(sql).toContain("c.status = 'pending' AND c.pending_until <= $2::timestamptz");
    expect(sql).toContain('vn.agent_id = $3');
    expect(params).toEqual(['2026-11-30T10:00:00.000Z', '2026-11-30T10:00:00.000Z', 42]);
  });

  it('every sort ends on the id, so pages never overlap', () => {
    for (const s of CASE_SORTS) expect(caseOrderSql(s)).toMatch(/c\.id( DESC)?$/);
  });
});
