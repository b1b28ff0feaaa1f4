/**
 * The one translation of a case filter (contracts/case-views.ts) into SQL: a WHERE condition over the
 * case row `c` and its customer `cu`, every value a bind parameter. Pure (no database), so its semantics
 * are unit-tested on the text and integration-tested on rows. Callers add the access scope
 * (access/policy.ts caseScope) and choose the ORDER BY with `caseOrderSql`.
 */
import type { CaseFilter, CaseSort } from '../contracts/case-views.js';
import { slaDueSql, slaStateSql } from '../sla/view-state.js';

export interface FilterContext {
  /** the agent looking: "me" in assignee, @mentions */
  viewerId: number;
  /** the time SLA states and "pending due" are judged against */
  now: Date;
}

/** `%` and `_` typed into the search box are looked for literally. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * Appends the filter's values to `params` and returns the condition (numbered from params.length + 1).
 * Merged cases (folded into another) never show in a view.
 */
export function caseFilterSql(f: CaseFilter, ctx: FilterContext, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const and: string[] = ['c.merged_into_id IS NULL'];
  const list = <T>(v: T[] | undefined) => (v && v.length ? v : null);

  const status = list(f.status);
  if (status) and.push(`c.status = ANY(${p(status)}::text[])`);
  const channel = list(f.channel);
  if (channel) and.push(`c.channel = ANY(${p(channel)}::text[])`);
  const queues = list(f.queueId);
  if (queues) and.push(`c.queue_id = ANY(${p(queues)}::bigint[])`);
  const assignee = list(f.assignee);
  if (assignee) {
    const ids = [...new Set(assignee.map((a) => (a === 'me' ? ctx.viewerId : a)).filter((a): a is number => typeof a === 'number'))];
    const or: string[] = [];
    if (ids.length) or.push(`c.assignee_id = ANY(${p(ids)}::bigint[])`);
    if (assignee.includes('none')) or.push('c.assignee_id IS NULL');
    and.push(`(${or.join(' OR ')})`);
  }
  const priority = list(f.priority);
  if (priority) and.push(`c.priority = ANY(${p(priority)}::text[])`);
  const type = list(f.type);
  if (type) and.push(`c.type = ANY(${p(type)}::text[])`);
  const tags = list(f.tags?.map((t) => t.trim().toLowerCase()).filter(Boolean));
  // `tags <> '{}'` is implied by the overlap; stated so the partial index of tagged open cases applies (migration 1703)
  if (tags) and.push(`c.tags && ${p(tags)}::text[] AND c.tags <> '{}'`);
  const tier = list(f.customerTier);
  if (tier) and.push(`cu.tier = ANY(${p(tier)}::text[])`);
  if (f.createdFrom) and.push(`c.created_at >= ${p(f.createdFrom)}::timestamptz`);
  if (f.createdTo) and.push(`c.created_at < ${p(f.createdTo)}::timestamptz`);
  if (f.updatedFrom) and.push(`c.updated_at >= ${p(f.updatedFrom)}::timestamptz`);
  if (f.updatedTo) and.push(`c.updated_at < ${p(f.updatedTo)}::timestamptz`);
  const routing = list(f.routingState);
  if (routing) and.push(`c.routing_state = ANY(${p(routing)}::text[])`);
  const sla = list(f.sla);
  if (sla) and.push(slaStateSql('c', sla, `${p(ctx.now.toISOString())}::timestamptz`));
  if (f.pendingDue) and.push(`(c.status = 'pending' AND c.pending_until <= ${p(ctx.now.toISOString())}::timestamptz)`);
  if (f.mentionsMe) {
    and.push(`EXISTS (SELECT 1 FROM notifications vn WHERE vn.case_id = c.id AND vn.agent_id = ${p(ctx.viewerId)} AND vn.kind = 'mention')`);
  }
  const text = f.text?.trim().replace(/^#/, '');
  if (text) {
    const like = p(`%${likeEscape(text.toLowerCase())}%`);
    const or = [`lower(c.subject) LIKE ${like}`, `lower(cu.name) LIKE ${like}`];
    if (/^\d{1,15}$/.test(text)) or.unshift(`c.number = ${p(Number(text))}`);
    and.push(`(${or.join(' OR ')})`);
  }
  return and.join('\n    AND ');
}

const PRIORITY_RANK = `CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END`;

/** ORDER BY for a sort; every order ends on the id so pages never overlap. */
export function caseOrderSql(sort: CaseSort): string {
  switch (sort) {
    case 'priority':
      return `${PRIORITY_RANK}, ${slaDueSql('c')} NULLS LAST, c.created_at, c.id`;
    case 'age':
      return 'c.created_at, c.id';
    case 'due':
      return `${slaDueSql('c')} NULLS LAST, c.pending_until NULLS LAST, c.id`;
    case 'activity':
      return 'c.last_activity_at DESC, c.id DESC';
  }
}
