import type { Config } from '../../config.js';
import { twilioClient } from './client.js';
import { bodyDigest } from '../../outbound/attempts.js';

/**
 * Looks for a message we may have sent without recording it (the process died between Twilio's
 * answer and our write): Twilio's Messages list filtered by To and From, newest first, matched on
 * the body (by digest: the body itself may be a secret) and created no earlier than the attempt
 * started (less a clock-skew margin). Sids already recorded for other messages are skipped, so two
 * identical replies to one customer are told apart. DateSent is not used as a filter: a message
 * Twilio has only queued has no date_sent yet, and that is exactly the one we are looking for.
 */
export async function findSentMessage(
  config: Config,
  q: { to: string; from: string; bodySha: string; since: Date; isKnown: (sid: string) => Promise<boolean> },
): Promise<{ sid: string; status: string } | null> {
  const list = await twilioClient(config).messages.list({ to: q.to, from: q.from, limit: 50 });
  const after = q.since.getTime() - 5 * 60_000;
  for (const m of list) {
    if (m.dateCreated && m.dateCreated.getTime() < after) continue;
    if (bodyDigest(m.body ?? '') !== q.bodySha) continue;
    if (await q.isKnown(m.sid)) continue;
    return { sid: m.sid, status: m.status };
  }
  return null;
}
