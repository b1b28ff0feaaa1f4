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
import { noticeSettings, noticeTemplate, renderNotice, type NoticeSettings, type NoticeTemplate } from './notice-templates.js';

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
 *
 * This runs on the hot path (a status change nudges it) and most notices end skipped, so a batch costs
 * a fixed number of round trips, not a few per notice: its cases in one query, the customers'
 * addresses in one, every skip in one update, the messages sent and their notices' states in one more.
 * Only a CSAT request has a statement of its own (its link's token).
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
      const notices: PendingNotice[] = r.rows.map((n) => ({ id: Number(n.id), caseId: Number(n.case_id), event: n.event as CustomerNoticeEvent }));
      const skips = new Map<number, string>();
      // an event turned off is skipped without reading its case
      for (const n of notices) if (settings.events[n.event] === false) skips.set(n.id, 'turned off in Admin → Customer notifications');
      const cases = await noticeCases(tx, unique(notices.filter((n) => !skips.has(n.id)).map((n) => n.caseId)));
      for (const n of notices) {
        if (skips.has(n.id)) continue;
        const k = cases.get(n.caseId);
        const why = k ? staleOrNeedless(n.event, k) : 'case gone';
        if (why) skips.set(n.id, why);
      }
      const reach = await targetsOf(tx, unique(notices.filter((n) => !skips.has(n.id)).map((n) => n.caseId)).map((id) => cases.get(id)!));
      const messages: NoticeMessage[] = [];
      const templates = new Map<string, Promise<NoticeTemplate>>();
      for (const n of notices) {
        if (skips.has(n.id)) continue;
        const target = reach.get(n.caseId);
        if (!target) {
          skips.set(n.id, 'no email address or phone number to reach the customer');
          continue;
        }
        messages.push(await noticeMessage(tx, deps.config, settings, templates, n, cases.get(n.caseId)!, target));
      }
      const out = await queueNoticeMessages(tx, messages);
      if (skips.size) {
        await tx.query(
          `UPDATE case_notices n SET state = 'skipped', skip_reason = s.reason FROM unnest($1::bigint[], $2::text[]) AS s(id, reason) WHERE n.id = s.id`,
          [[...skips.keys()], [...skips.values()]],
        );
      }
      return { rows: r.rowCount ?? 0, queued: out };
    });
    const outbound = deps.outbound;
    // sent together, so the batch's jobs share Redis round trips
    if (outbound) {
      await Promise.all(queued.map((id) => bestEffort(outbound.add('deliver', { interactionId: id }, { jobId: `out-${id}` }), deps.log, 'queueing a customer notice')));
    }
    all.push(...queued);
    if (rows < batch) return all;
  }
}

interface PendingNotice {
  id: number;
  caseId: number;
  event: CustomerNoticeEvent;
}

/** What a notice needs of its case. */
interface NoticeCase {
  id: number;
  number: number;
  subject: string | null;
  channel: string;
  status: string;
  customerId: number;
  name: string | null;
  language: string | null;
  rated: boolean;
  acknowledged: boolean;
}

interface Target {
  channel: 'email' | 'sms';
  to: string;
}

const unique = (ids: number[]): number[] => [...new Set(ids)];

/** The cases of a batch of notices, by id (a case deleted since is absent). */
async function noticeCases(tx: Tx, caseIds: number[]): Promise<Map<number, NoticeCase>> {
  if (!caseIds.length) return new Map();
  const r = await tx.query(
    // OFFSET 0 keeps each EXISTS a look-up by case: without it the planner may hash the whole subquery
    // instead (one scan of every interaction per batch), as it did while a fast-growing table's statistics
    // still said it was small
    `SELECT c.id, c.number, c.subject, c.channel, c.status, c.customer_id, cu.name, COALESCE(c.language, cu.language) AS language,
            EXISTS (SELECT 1 FROM csat_ratings r WHERE r.case_id = c.id OFFSET 0) AS rated,
            -- mail to a mailbox with its own automatic acknowledgement (sent, or held back as noise) gets no second receipt
            (EXISTS (SELECT 1 FROM interactions i WHERE i.case_id = c.id AND i.direction = 'outbound' AND i.metadata->>'autoAck' = 'true' OFFSET 0)
             OR EXISTS (SELECT 1 FROM interactions i JOIN mailboxes m ON m.id = (i.metadata->>'mailboxId')::bigint
                         WHERE i.case_id = c.id AND i.direction = 'inbound' AND m.auto_ack OFFSET 0)) AS acknowledged
       FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ANY($1::bigint[])`,
    [caseIds],
  );
  return new Map(
    r.rows.map((k) => [
      Number(k.id),
      { id: Number(k.id), number: Number(k.number), subject: k.subject, channel: k.channel, status: k.status, customerId: Number(k.customer_id), name: k.name, language: k.language, rated: k.rated, acknowledged: k.acknowledged },
    ]),
  );
}

/** Why the notice is no longer (or never was) worth sending, whoever the customer is; null: send it if they can be reached. */
function staleOrNeedless(event: CustomerNoticeEvent, k: NoticeCase): string | null {
  // the state may have moved on before the notice was built: say only what is still true
  const still: Partial<Record<CustomerNoticeEvent, string[]>> = { needs_reply: ['pending'], solved: ['solved'], csat: ['solved', 'closed'], closed: ['closed'] };
  if (still[event] && !still[event]!.includes(k.status)) return `the case is ${k.status} now`;
  if (event === 'received') {
    // on a call or a live chat the customer is talking to us already (ingest owes no receipt there; older rows may)
    if (k.channel === 'voice' || k.channel === 'chat') return `a ${k.channel} customer needs no receipt`;
    if (k.acknowledged) return "the mailbox's own acknowledgement says so";
  }
  if (event === 'csat' && k.rated) return 'already rated';
  return null;
}

/** A notice ready to go: the outbound interaction to write for it. */
interface NoticeMessage {
  noticeId: number;
  caseId: number;
  customerId: number;
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  text: string;
  metadata: { notice: CustomerNoticeEvent; language: string };
}

/** Renders one notice (a template read once per event and language in a batch; a CSAT request gets its link). */
async function noticeMessage(
  tx: Tx,
  config: Config,
  settings: NoticeSettings,
  templates: Map<string, Promise<NoticeTemplate>>,
  n: PendingNotice,
  k: NoticeCase,
  target: Target,
): Promise<NoticeMessage> {
  const language = lang(k.language);
  let csatLink = '';
  if (n.event === 'csat') {
    const token = newToken();
    await tx.query(
      `INSERT INTO csat_requests (token_hash, case_id, customer_id, language, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))`,
      [sha256(token), k.id, k.customerId, language, CSAT_LINK_DAYS],
    );
    csatLink = `${config.publicUrl}/portal/csat/${token}`;
  }
  const key = `${n.event}:${language}`;
  if (!templates.has(key)) templates.set(key, noticeTemplate(tx, n.event, language));
  const t = renderNotice(await templates.get(key)!, {
    name: k.name || (language === 'fa' ? 'مشتری' : 'there'),
    number: String(k.number),
    subject: k.subject || '',
    link: `${config.publicUrl}/portal/requests/${k.number}`,
    csatLink,
    team: settings.team || (language === 'fa' ? 'تیم پشتیبانی' : 'The support team'),
    days: String(settings.autoCloseDays),
  });
  return {
    noticeId: n.id,
    caseId: k.id,
    customerId: k.customerId,
    channel: target.channel,
    to: target.to,
    subject: target.channel === 'email' ? t.subject : null,
    text: target.channel === 'email' ? t.body : t.sms,
    metadata: { notice: n.event, language },
  };
}

/**
 * Writes the batch's notices as queued outbound interactions and marks each notice queued with its
 * interaction, in one statement whatever the batch's size (it was two per notice). The interactions' ids
 * are drawn first, so each notice is tied to its own without relying on the order rows come back in.
 * Answers the interactions' ids.
 */
async function queueNoticeMessages(tx: Tx, messages: NoticeMessage[]): Promise<number[]> {
  if (!messages.length) return [];
  const r = await tx.query(
    `WITH src AS MATERIALIZED (
       SELECT nextval(pg_get_serial_sequence('interactions', 'id')) AS interaction_id, x.*
         FROM json_to_recordset($1::json) AS x("noticeId" bigint, "caseId" bigint, "customerId" bigint, channel text, "to" text, subject text, text text, metadata jsonb)
     ), written AS (
       INSERT INTO interactions (id, case_id, customer_id, channel, direction, kind, to_address, subject, text, delivery_status, metadata)
       SELECT interaction_id, "caseId", "customerId", channel, 'outbound', 'system', "to", subject, text, 'queued', metadata FROM src
     )
     UPDATE case_notices n SET state = 'queued', interaction_id = src.interaction_id FROM src WHERE n.id = src."noticeId"
     RETURNING src.interaction_id`,
    [JSON.stringify(messages)],
  );
  return r.rows.map((x) => Number(x.interaction_id));
}

/**
 * Where each customer is reached, by case: the address they wrote from on an email or SMS case, else
 * their email (portal, chat, API), else their phone by SMS (voice, or no email). Opted-out identities
 * are skipped. One query for the whole batch; a case absent from the answer cannot be reached.
 */
async function targetsOf(db: Queryable, cases: NoticeCase[]): Promise<Map<number, Target>> {
  const out = new Map<number, Target>();
  if (!cases.length) return out;
  const r = await db.query(
    // a customer's identities are read by customer only, and filtered after (OFFSET 0 keeps the planner from
    // moving the filters into the scan): statistics taken while the table was small made it join the batch to
    // all phones and emails, or AND the customer's few identities with every phone and email through the
    // (kind, value) index, a cost that grew with the table (455 index entries per case in one logged plan)
    `SELECT t.case_id, ci.kind, ci.value
       FROM unnest($1::bigint[], $2::bigint[]) AS t(case_id, customer_id)
       CROSS JOIN LATERAL (SELECT * FROM (SELECT ci.id, ci.kind, ci.value, ci.verified, ci.opted_out_at FROM customer_identities ci
                                          WHERE ci.customer_id = t.customer_id OFFSET 0) mine
                            WHERE mine.kind IN ('email', 'phone') AND mine.opted_out_at IS NULL) ci
       CROSS JOIN LATERAL (SELECT max(i.id) AS used FROM interactions i
                            WHERE i.case_id = t.case_id AND i.direction = 'inbound' AND i.from_address = ci.value) u
      ORDER BY t.case_id, u.used DESC NULLS LAST, ci.verified DESC, ci.id DESC`,
    [cases.map((k) => k.id), cases.map((k) => k.customerId)],
  );
  for (const k of cases) {
    const mine = r.rows.filter((x) => Number(x.case_id) === k.id);
    const email = mine.find((x) => x.kind === 'email');
    const phone = mine.find((x) => x.kind === 'phone');
    const pick = (k.channel === 'sms' || k.channel === 'voice' ? [phone, email] : [email, phone]).find(Boolean);
    if (pick) out.set(k.id, { channel: pick.kind === 'email' ? 'email' : 'sms', to: pick.value });
  }
  return out;
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
