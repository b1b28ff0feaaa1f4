import type { Queryable } from '../../db/pool.js';
import { decryptSecret } from '../../lib/crypto-box.js';

export interface Mailbox {
  id: number;
  name: string;
  address: string;
  displayName: string;
  queueId: number | null;
  active: boolean;
  imap: {
    host: string | null;
    port: number;
    tls: boolean;
    user: string | null;
    password: string | null;
    folder: string;
    markSeen: boolean;
    processedFolder: string | null;
    pollIntervalSeconds: number;
  };
  smtp: { host: string | null; port: number; security: 'tls' | 'starttls' | 'none'; user: string | null; password: string | null };
  auth: { method: 'password' | 'oauth2-microsoft'; tenantId: string | null; clientId: string | null; clientSecret: string | null };
  autoAck: boolean;
  autoAckTemplates: Record<string, { subject?: string; text?: string }>;
  /** added under agents' replies (not acknowledgements), per language */
  signature: Record<string, string>;
  /** Changes whenever the configuration changes: a running IMAP session restarts on a new value. */
  version: string;
}

const COLS = `id, name, address, display_name, queue_id, active, imap_host, imap_port, imap_tls, imap_user, imap_password_enc, imap_folder,
  mark_seen, processed_folder, poll_interval_seconds, smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_enc,
  auto_ack, auto_ack_templates, auth_method, oauth_tenant_id, oauth_client_id, oauth_client_secret_enc, signature, updated_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toMailbox(key: Buffer, r: any): Mailbox {
  const open = (boxed: string | null) => (boxed ? decryptSecret(key, boxed) : null);
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    displayName: r.display_name,
    queueId: r.queue_id,
    active: r.active,
    imap: {
      host: r.imap_host,
      port: r.imap_port,
      tls: r.imap_tls,
      user: r.imap_user,
      password: open(r.imap_password_enc),
      folder: r.imap_folder,
      markSeen: r.mark_seen,
      processedFolder: r.processed_folder,
      pollIntervalSeconds: r.poll_interval_seconds,
    },
    smtp: { host: r.smtp_host, port: r.smtp_port, security: r.smtp_security, user: r.smtp_user, password: open(r.smtp_password_enc) },
    auth: { method: r.auth_method, tenantId: r.oauth_tenant_id, clientId: r.oauth_client_id, clientSecret: open(r.oauth_client_secret_enc) },
    autoAck: r.auto_ack,
    autoAckTemplates: r.auto_ack_templates ?? {},
    signature: r.signature ?? {},
    version: new Date(r.updated_at).toISOString(),
  };
}

export async function loadMailbox(db: Queryable, key: Buffer, id: number): Promise<Mailbox | null> {
  const r = await db.query(`SELECT ${COLS} FROM mailboxes WHERE id = $1`, [id]);
  return r.rowCount ? toMailbox(key, r.rows[0]) : null;
}

/** Mailboxes a worker should read: active and with IMAP configured. */
export async function imapMailboxes(db: Queryable, key: Buffer): Promise<Mailbox[]> {
  const r = await db.query(`SELECT ${COLS} FROM mailboxes WHERE active AND imap_host IS NOT NULL AND (imap_user IS NOT NULL OR auth_method <> 'password') ORDER BY id`);
  return r.rows.map((row) => toMailbox(key, row));
}

/** The mailbox a message was addressed to (To/Cc/Delivered-To), for mail relayed by webhook. */
export async function mailboxForRecipients(db: Queryable, key: Buffer, recipients: string[]): Promise<Mailbox | null> {
  if (!recipients.length) return null;
  const r = await db.query(`SELECT ${COLS} FROM mailboxes WHERE active AND address = ANY($1) ORDER BY id LIMIT 1`, [recipients.map((x) => x.toLowerCase())]);
  return r.rowCount ? toMailbox(key, r.rows[0]) : null;
}

/** The mailbox a case is answered from: the one its mail arrived at, else the first one that can send. */
export async function mailboxForCase(db: Queryable, key: Buffer, caseId: number, preferredId?: number | null): Promise<Mailbox | null> {
  if (preferredId) {
    const m = await loadMailbox(db, key, preferredId);
    if (m) return m;
  }
  const r = await db.query(
    `SELECT (metadata->>'mailboxId')::bigint AS id FROM interactions
      WHERE case_id = $1 AND channel = 'email' AND metadata ? 'mailboxId' ORDER BY id DESC LIMIT 1`,
    [caseId],
  );
  if (r.rows[0]?.id) {
    const m = await loadMailbox(db, key, r.rows[0].id);
    if (m) return m;
  }
  const any = await db.query(`SELECT ${COLS} FROM mailboxes WHERE active AND smtp_host IS NOT NULL ORDER BY id LIMIT 1`);
  return any.rowCount ? toMailbox(key, any.rows[0]) : null;
}

export async function ownAddresses(db: Queryable): Promise<Set<string>> {
  const r = await db.query(`SELECT address FROM mailboxes`);
  return new Set(r.rows.map((x) => x.address as string));
}
