import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { Config } from '../../../../config.js';
import type { Log } from '../../../../lib/log.js';
import { addTwilioJob, type TwilioJob } from '../../../twilio/jobs.js';
import { isRetryableTwilioError, restErrorInfo } from '../../../twilio/client.js';
import { redirectCall } from './calls-api.js';

/** Arms the queue's maximum wait for a queued caller (counted from when they first queued, so a requeue keeps it). */
export async function scheduleMaxWait(db: pg.Pool, jobs: Queue<TwilioJob>, callId: number): Promise<void> {
  const r = await db.query(
    `SELECT c.queued_at, q.max_wait_seconds FROM calls c LEFT JOIN queues q ON q.id = c.queue_id WHERE c.id = $1 AND c.state = 'queued'`,
    [callId],
  );
  const row = r.rows[0];
  if (!row?.queued_at || !row.max_wait_seconds) return;
  const due = new Date(row.queued_at).getTime() + row.max_wait_seconds * 1000;
  await addTwilioJob(jobs, { kind: 'max-wait', callId, queuedAt: new Date(row.queued_at).toISOString() }, Math.max(0, due - Date.now()));
}

/**
 * The maximum wait is over and the caller is still queued: claim the call (so only one timer acts) and move it out
 * of the Twilio queue to the voicemail TwiML. The hold TwiML's own `<Leave>` check is the second path to the same end.
 */
export async function maxWaitReached(deps: { db: pg.Pool; config: Config; log: Log }, callId: number, queuedAt: string): Promise<boolean> {
  const r = await deps.db.query(
    `UPDATE calls SET state = 'voicemail', updated_at = now()
      WHERE id = $1 AND state = 'queued' AND outcome IS NULL AND date_trunc('milliseconds', queued_at) = $2::timestamptz
      RETURNING call_sid`,
    [callId, queuedAt],
  );
  if (!r.rowCount) return false;
  try {
    await redirectCall(deps.config, r.rows[0].call_sid, '/voice/missed', { callId });
    return true;
  } catch (err) {
    // Not sent to voicemail after all: the caller is still queued (or gone, which the status callback records).
    await deps.db.query(`UPDATE calls SET state = 'queued', updated_at = now() WHERE id = $1 AND state = 'voicemail' AND outcome IS NULL`, [callId]);
    if (isRetryableTwilioError(err)) throw err;
    deps.log.warn({ err: restErrorInfo(err), callId }, 'could not move a caller past the maximum wait to voicemail');
    return false;
  }
}
