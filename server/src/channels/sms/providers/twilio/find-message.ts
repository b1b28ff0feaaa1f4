import type { Config } from '../../../../config.js';
import { twilioClient } from '../../../twilio/client.js';
import { bodyDigest } from '../../../../outbound/attempts.js';

/**
 * How much earlier than our attempt Twilio's clock may put the message: its dates have whole seconds
 * and hosts keep NTP time. An identical message older than this is another message, not ours.
 */
export const RECONCILE_CLOCK_MARGIN_MS = 60_000;

/**
 * Looks for a message we may have sent without recording it (the process died between Twilio's
 * answer and our write), matched on To, From and the body (by digest: the body itself may be a
 * secret), never older than the attempt (less RECONCILE_CLOCK_MARGIN_MS), so an earlier identical
 * message is not taken for this one. Sids already recorded for other messages are skipped, so two
 * identical replies to one customer are told apart. Two lists are read, newest first:
 *  - messages sent since the attempt: Twilio's `DateSent>` filter (`dateSentAfter`; Twilio documents
 *    it per GMT day, on or after midnight, so the exact time is checked here as well);
 *  - the newest messages to that number without a date filter, for one Twilio has only queued or is
 *    still sending: it has no date_sent yet, so a DateSent filter leaves it out.
 */
export async function findSentMessage(
  config: Config,
  q: { to: string; from: string; bodySha: string; since: Date; isKnown: (sid: string) => Promise<boolean> },
): Promise<{ sid: string; status: string } | null> {
  const client = twilioClient(config);
  const after = q.since.getTime() - RECONCILE_CLOCK_MARGIN_MS;
  const sent = await client.messages.list({ to: q.to, from: q.from, dateSentAfter: new Date(after), limit: 50 });
  const newest = await client.messages.list({ to: q.to, from: q.from, limit: 50 });
  const candidates = [
    ...sent.filter((m) => m.dateSent && m.dateSent.getTime() >= after),
    ...newest.filter((m) => !m.dateSent && m.dateCreated && m.dateCreated.getTime() >= after),
  ];
  for (const m of candidates) {
    if (bodyDigest(m.body ?? '') !== q.bodySha) continue;
    if (await q.isKnown(m.sid)) continue;
    return { sid: m.sid, status: m.status };
  }
  return null;
}
