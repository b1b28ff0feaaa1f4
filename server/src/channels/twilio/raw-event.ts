import type { Queryable } from '../../db/pool.js';

/**
 * Records a Twilio callback that is not a new customer message (status change, recording, transcription).
 * Returns false when the same callback was already recorded: Twilio retries, and replays must change nothing.
 */
export async function recordCallback(
  db: Queryable,
  e: { provider: string; key: string; channel: 'sms' | 'voice'; payload: Record<string, string>; url: string },
): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING RETURNING id`,
    [e.provider, e.key, e.channel, JSON.stringify({ url: e.url }), JSON.stringify(e.payload)],
  );
  return (r.rowCount ?? 0) > 0;
}
