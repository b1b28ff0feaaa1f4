import { withdrawCase } from '../../lifecycle/withdraw.js';
import { changeCaseStatus } from '../../lifecycle/status.js';
import type { RoutingDeps } from '../../lifecycle/deps.js';

/**
 * A chat visitor left before an agent took the conversation: the case leaves the queue (a
 * pending offer is rescinded, an `abandoned` event feeds the abandonment KPI) and, as nobody can
 * answer a visitor who is gone, the conversation is closed. False when an agent already had it.
 */
export async function leaveQueue(deps: RoutingDeps, caseId: number): Promise<boolean> {
  const r = await withdrawCase(deps, caseId, 'customer_left');
  if (!r.withdrawn) return false;
  await changeCaseStatus(deps, { caseId, status: 'closed', agentId: null, resolutionNote: 'visitor left before an agent answered' });
  return true;
}
