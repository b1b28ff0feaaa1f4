/**
 * Customer notices (received, needs your reply, solved, closed, CSAT request): ingest (a new case) and
 * the lifecycle (a status change) record that a case owes one (table case_notices, in their own
 * statement or transaction); this turns each owed
 * notice into an outbound system interaction on the case — the case's channel when it can carry a
 * message (email, SMS), else email, else SMS (voice calls get an SMS) — in the customer's language.
 * The outbound worker then delivers it like an agent reply: at most once once the provider took it
 * (delivery_attempts), and every attempt in the interaction's delivery history.
 */
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Log } from '../lib/log.js';
import { withTransaction, type Queryable, type Tx } from '../db/pool.js';
import type { CustomerNoticeEvent } from '../contracts/vocabulary.js';
import { bestEffort } from '../lib/best-effort.js';
import { newToken, sha256 } from '../lib/tokens.js';
import { lang } from './messages.js';
import { noticeSettings, noticeTemplate, renderNotice, type NoticeSettings } from './notice-templates.js';

export interface NoticeDeps {
  db: pg.Pool;
  config: Config;
  log?: Log;
  /** where delivery jobs go; without it (or if Redis is down) the outbound sweep picks them up within a minute */
  outbound?: { add(name: string, data: { interactionId: number }, opts: { jobId: string }): Promise<unknown> };
}

const CSAT_LINK_DAYS = 30;

/**
 * Materialises pending notices, oldest first, in short transactions of `batch` rows (locked, so two
 * workers never build one twice), until none is left. Returns the interactions queued for delivery.
 */
export async function sweepCustomerNotices(deps: NoticeDeps, batch = 25): Promise<number[]> {
  const settings = await noticeSettings(deps.db);
  const all: number[] = [];
  for (;;) {
    const { rows, queued } = await withTransaction(deps.db, async (tx) => {
      const r = await tx.query(
        `SELECT id, case_id, event FROM case_notices WHERE state = 'pending' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batch],
      );
      const out: number[] = [];
      for (const n of r.rows) {
        const res = await buildNotice(tx, deps.config, settings, Number(n.case_id), n.event as CustomerNoticeEvent);
        if ('skip' in res) {
          await tx.query(`UPDATE case_notices SET state = 'skipped', skip_reason = $2 WHERE id = $1`, [n.id, res.skip]);
        } else {
          await tx.query(`UPDATE case_notices SET state = 'queued', interaction_id = $2 WHERE id = $1`, [n.id, res.interactionId]);
          out.push(res.interactionId);
        }
      }
      return { rows: r.rowCount ?? 0, queued: out };
    });
    for (const id of queued) {
      if (deps.outbound) await bestEffort(deps.outbound.add('deliver', { interactionId: id }, { jobId: `out-${id}` }), deps.log, 'queueing a customer notice');
    }
    all.push(...queued);
    if (rows < batch) return all;
  }
}

interface Target {
  channel: 'email' | 'sms';
  to: string;
}

async function buildNotice(
  tx: Tx,
  config: Config,
  settings: NoticeSettings,
  caseId: number,
  event: CustomerNoticeEvent,
): Promise<{ skip: string } | { interactionId: number }> {
  if (settings.events[event] === false) return { skip: 'turned off in Admin → Customer notifications' };
  const c = await tx.query(
    `SELECT c.id, c.number, c.subject, c.channel, c.status, c.customer_id, cu.name, COALESCE(c.language, cu.language) AS language,
            EXISTS (SELECT 1 FROM csat_ratings r WHERE r.case_id = c.id) AS rated,
            -- mail to a mailbox with its own automatic acknowledgement (sent, or held back as noise) gets no second receipt
            (EXISTS (SELECT 1 FROM interactions i WHERE i.case_id = c.id AND i.direction = 'outbound' AND i.metadata->>'autoAck' = 'true')
             OR EXISTS (SELECT 1 FROM interactions i JOIN mailboxes m ON m.id = (i.metadata->>'mailboxId')::bigint
                         WHERE i.case_id = c.id AND i.direction = 'inbound' AND m.auto_ack)) AS acknowledged
       FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`,
    [caseId],
  );
  const k = c.rows[0];
  if (!k) return { skip: 'case gone' };
  // the state may have moved on before the notice was built: say only what is still true
  const still: Partial<Record<CustomerNoticeEvent, string[]>> = { needs_reply: ['pending'], solved: ['solved'], csat: ['solved', 'closed'], closed: ['closed'] };
  if (still[event] && !still[event]!.includes(k.status)) return { skip: `the case is ${k.status} now` };
  if (event === 'received') {
    // on a call or a live chat the customer is talking to us already
    if (k.channel === 'voice' || k.channel === 'chat') return { skip: `a ${k.channel} customer needs no receipt` };
    if (k.acknowledged) return { skip: "the mailbox's own acknowledgement says so" };
  }
  if (event === 'csat' && k.rated) return { skip: 'already rated' };

  const target = await targetOf(tx, caseId, k.channel, k.customer_id);
  if (!target) return { skip: 'no email address or phone number to reach the customer' };
  const language = lang(k.language);
  let csatLink = '';
  if (event === 'csat') {
    const token = newToken();
    await tx.query(
      `INSERT INTO csat_requests (token_hash, case_id, customer_id, language, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))`,
      [sha256(token), caseId, k.customer_id, language, CSAT_LINK_DAYS],
    );
    csatLink = `${config.publicUrl}/portal/csat/${token}`;
  }
  const t = renderNotice(await noticeTemplate(tx, event, language), {
    name: k.name || (language === 'fa' ? 'مشتری' : 'there'),
    number: String(k.number),
    subject: k.subject || '',
    link: `${config.publicUrl}/portal/requests/${k.number}`,
    csatLink,
    team: settings.team || (language === 'fa' ? 'تیم پشتیبانی' : 'The support team'),
    days: String(settings.autoCloseDays),
  });
  const r = await tx.query(
    `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, to_address, subject, text, delivery_status, metadata)
     VALUES ($1, $2, $3, 'outbound', 'system', $4, $5, $6, 'queued', $7) RETURNING id`,
    [
      caseId,
      k.customer_id,
      target.channel,
      target.to,
      target.channel === 'email' ? t.subject : null,
      target.channel === 'email' ? t.body : t.sms,
      JSON.stringify({ notice: event, language }),
    ],
  );
  return { interactionId: Number(r.rows[0].id) };
}

/**
 * Where the customer is reached: the address they wrote from on an email or SMS case, else their
 * email (portal, chat, API), else their phone by SMS (voice, or no email). Opted-out identities are skipped.
 */
async function targetOf(db: Queryable, caseId: number, channel: string, customerId: number): Promise<Target | null> {
  const r = await db.query(
    `SELECT ci.kind, ci.value,
            (SELECT max(i.id) FROM interactions i WHERE i.case_id = $1 AND i.direction = 'inbound' AND i.from_address = ci.value) AS used
       FROM customer_identities ci
      WHERE ci.customer_id = $2 AND ci.kind IN ('email', 'phone') AND ci.opted_out_at IS NULL
      ORDER BY used DESC NULLS LAST, ci.verified DESC, ci.id DESC`,
    [caseId, customerId],
  );
  const email = r.rows.find((x) => x.kind === 'email');
  const phone = r.rows.find((x) => x.kind === 'phone');
  const prefer = channel === 'sms' || channel === 'voice' ? [phone, email] : [email, phone];
  const pick = prefer.find(Boolean);
  if (!pick) return null;
  return { channel: pick.kind === 'email' ? 'email' : 'sms', to: pick.value };
}

/** The customer's rating link: the case it rates, while it is valid. */
export async function csatRequest(db: Queryable, token: string): Promise<{ caseId: number; customerId: number; language: string; number: number; rating: number | null } | null> {
  const r = await db.query(
    `SELECT q.case_id, q.customer_id, q.language, c.number, (SELECT rating FROM csat_ratings WHERE case_id = q.case_id) AS rating
       FROM csat_requests q JOIN cases c ON c.id = q.case_id WHERE q.token_hash = $1 AND q.expires_at > now()`,
    [sha256(token)],
  );
  const x = r.rows[0];
  return x ? { caseId: Number(x.case_id), customerId: Number(x.customer_id), language: x.language, number: Number(x.number), rating: x.rating } : null;
}
