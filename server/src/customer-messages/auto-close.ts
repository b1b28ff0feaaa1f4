import type { RoutingDeps } from '../lifecycle/deps.js';
import { changeCaseStatus } from '../lifecycle/status.js';
import { bestEffort } from '../lib/best-effort.js';
import { noticeSettings } from './notice-templates.js';

/**
 * Closes solved cases the customer has not answered for the configured number of days (Admin →
 * Customer notifications; 0 = never). A customer reply reopens a solved case, so "still solved since
 * solved_at" is "no reply since". Status changes go through the lifecycle (which also owes the
 * customer the "closed" notice). `now` is injectable so tests need not wait days.
 */
export async function autoCloseSolved(deps: RoutingDeps, opts: { now?: Date; limit?: number } = {}): Promise<number[]> {
  const { autoCloseDays } = await noticeSettings(deps.db);
  if (autoCloseDays <= 0) return [];
  const now = opts.now ?? new Date();
  const r = await deps.db.query(
    `SELECT id FROM cases WHERE status = 'solved' AND solved_at < $1::timestamptz - make_interval(days => $2) ORDER BY solved_at LIMIT $3`,
    [now.toISOString(), autoCloseDays, opts.limit ?? 200],
  );
  const closed: number[] = [];
  for (const row of r.rows) {
    const id = Number(row.id);
    // one case refusing (reopened meanwhile: 409) must not stop the others
    const res = await bestEffort(changeCaseStatus(deps, { caseId: id, status: 'closed', agentId: null }), deps.log, `auto-closing case ${id}`);
    if (res?.changed) closed.push(id);
  }
  return closed;
}
