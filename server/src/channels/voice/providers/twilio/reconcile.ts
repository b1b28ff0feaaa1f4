import type { Config } from '../../../../config.js';
import type { RoutingDeps } from '../../../../lifecycle/deps.js';
import { isRetryableTwilioError, restErrorInfo, twilioClient } from '../../../twilio/client.js';
import { callEnded } from '../../lifecycle.js';

const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/**
 * Safety net for lost status callbacks (the hub was down when Twilio called): calls that look live but have had no
 * news for a while are asked about at Twilio, and ended ones are finished as if the callback had arrived
 * (an abandoned caller still gets their callback case).
 */
export async function reconcileStaleCalls(deps: RoutingDeps & { config: Config }, staleMinutes = 30, limit = 50): Promise<number> {
  if (!deps.config.twilio.accountSid || !deps.config.twilio.authToken) return 0;
  const r = await deps.db.query(
    `SELECT id, call_sid FROM calls
      WHERE state <> 'completed' AND provider = 'twilio' AND call_sid LIKE 'CA%' AND updated_at < now() - make_interval(mins => $1)
      ORDER BY updated_at LIMIT $2`,
    [staleMinutes, limit],
  );
  let ended = 0;
  for (const row of r.rows as { id: number; call_sid: string }[]) {
    try {
      const c = await twilioClient(deps.config).calls(row.call_sid).fetch();
      if (FINAL.has(c.status)) {
        await callEnded(deps, row.id, c.status, c.duration ? Number(c.duration) : null);
        ended++;
      } else {
        // still live (a long conversation): look again later
        await deps.db.query(`UPDATE calls SET updated_at = now(), twilio_status = $2 WHERE id = $1`, [row.id, c.status]);
      }
    } catch (err) {
      if (isRetryableTwilioError(err)) throw err;
      if (restErrorInfo(err).status === 404) {
        await callEnded(deps, row.id, 'completed', null);
        ended++;
      } else deps.log?.warn({ err: restErrorInfo(err), callId: row.id }, 'could not reconcile a stale call');
    }
  }
  return ended;
}
