import type pg from 'pg';
import type { Config } from '../../../../config.js';
import type { Log } from '../../../../lib/log.js';
import type { AttachmentStore } from '../../../../storage/attachment-store.js';
import { rebaseTwilioUrl } from '../../../twilio/client.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES, plainMediaType, storeAttachment } from '../../../../storage/attachment-policy.js';

const EXT: Record<string, string> = {
  'image/jpeg': '.jpg', 'image/png': '.png', 'image/gif': '.gif', 'image/webp': '.webp', 'image/heic': '.heic',
  'video/mp4': '.mp4', 'video/3gpp': '.3gp', 'audio/mpeg': '.mp3', 'audio/amr': '.amr', 'audio/ogg': '.ogg',
  'application/pdf': '.pdf', 'text/vcard': '.vcf', 'text/x-vcard': '.vcf', 'text/plain': '.txt',
};

export class MediaGoneError extends Error {}

/**
 * Downloads an MMS's media from Twilio (authenticated with the account) and stores each file as an attachment
 * of the interaction. Idempotent: files already stored are skipped, so a retried job finishes the rest.
 */
export async function fetchSmsMedia(deps: { db: pg.Pool; config: Config; store: AttachmentStore; log: Log }, interactionId: number): Promise<number> {
  const r = await deps.db.query(`SELECT metadata FROM interactions WHERE id = $1`, [interactionId]);
  const meta = r.rows[0]?.metadata as { media?: { url: string; contentType: string }[]; mediaPending?: boolean } | undefined;
  if (!meta?.mediaPending || !meta.media?.length) return 0;
  const { accountSid, authToken, apiBaseUrl } = deps.config.twilio;
  const auth = accountSid && authToken ? `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` : null;
  let stored = 0;
  const failed: string[] = [];
  for (const [i, m] of meta.media.entries()) {
    const contentId = `twilio-media-${i}`;
    const have = await deps.db.query(`SELECT 1 FROM attachments WHERE interaction_id = $1 AND content_id = $2`, [interactionId, contentId]);
    if (have.rowCount) continue;
    const res = await fetch(rebaseTwilioUrl(m.url, apiBaseUrl), { headers: auth ? { authorization: auth } : {}, signal: AbortSignal.timeout(30_000) });
    if (res.status === 404 || res.status === 410 || res.status === 403) {
      failed.push(`${m.url}: HTTP ${res.status}`);
      continue;
    }
    if (!res.ok) throw new Error(`media download failed with HTTP ${res.status}`);
    const buf = Buffer.from(await res.arrayBuffer());
    const maxBytes = deps.store.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
    if (buf.length > maxBytes) {
      failed.push(`${m.url}: larger than ${maxBytes} bytes`);
      continue;
    }
    const declared = plainMediaType(res.headers.get('content-type') ?? m.contentType) ?? '';
    const s = await storeAttachment(deps.store, { filename: `mms-${interactionId}-${i + 1}${EXT[declared] ?? ''}`, contentType: declared, content: buf });
    const ins = await deps.db.query(
      `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key, content_id)
       SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM attachments WHERE interaction_id = $1 AND content_id = $7)`,
      [interactionId, s.filename, s.contentType, s.size, s.sha256, s.key, contentId],
    );
    if (!ins.rowCount) await deps.store.remove(s.key);
    else stored++;
  }
  await deps.db.query(
    `UPDATE interactions SET metadata = (metadata - 'mediaPending') || $2::jsonb, updated_at = now() WHERE id = $1`,
    [interactionId, JSON.stringify(failed.length ? { mediaErrors: failed } : {})],
  );
  return stored;
}

/** Interactions whose media job never ran (Redis was down at ingest time). */
export async function pendingMediaInteractions(db: pg.Pool, limit = 100): Promise<number[]> {
  const r = await db.query(
    `SELECT id FROM interactions WHERE channel = 'sms' AND metadata ? 'mediaPending' AND created_at < now() - interval '1 minute'
      ORDER BY id LIMIT $1`,
    [limit],
  );
  return r.rows.map((x) => x.id as number);
}
