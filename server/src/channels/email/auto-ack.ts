import type { Queryable } from '../../db/pool.js';
import type { Mailbox } from './mailboxes.js';

interface Template {
  subject: string;
  text: string;
}

// The acknowledgement catalogue; a mailbox can override any language in auto_ack_templates.
const DEFAULT_TEMPLATES: Record<'en' | 'fa', Template> = {
  en: {
    subject: 'We received your message: {subject} [#{number}]',
    text:
      'Hello {name},\n\n' +
      'Thank you for writing to us. Your message has been received and recorded as case #{number}; an agent will answer as soon as possible.\n\n' +
      'To add anything, simply reply to this email and keep [#{number}] in the subject.\n\n' +
      '{team}',
  },
  fa: {
    subject: 'پیام شما دریافت شد: {subject} [#{number}]',
    text:
      '{name} گرامی، سلام\n\n' +
      'از پیام شما سپاسگزاریم. پیام شما دریافت و با شماره پرونده #{number} ثبت شد؛ همکاران ما در اسرع وقت پاسخ خواهند داد.\n\n' +
      'برای افزودن توضیحات، کافی است به همین ایمیل پاسخ دهید و [#{number}] را در موضوع نگه دارید.\n\n' +
      '{team}',
  },
};

export function renderAutoAck(
  mailbox: Pick<Mailbox, 'displayName' | 'address' | 'autoAckTemplates'>,
  language: string,
  v: { number: number; subject: string; name: string | null },
): Template {
  const lang = language === 'fa' ? 'fa' : 'en';
  const base = DEFAULT_TEMPLATES[lang];
  const custom = mailbox.autoAckTemplates?.[lang] ?? {};
  const fill = (t: string) =>
    t
      .replaceAll('{number}', String(v.number))
      .replaceAll('{subject}', v.subject || (lang === 'fa' ? 'بدون موضوع' : 'no subject'))
      .replaceAll('{name}', v.name || (lang === 'fa' ? 'مشتری' : 'there'))
      .replaceAll('{team}', mailbox.displayName || mailbox.address);
  return { subject: fill(custom.subject ?? base.subject), text: fill(custom.text ?? base.text) };
}

/**
 * Records the acknowledgement of a new case as an outbound system message (status queued); the caller puts
 * it on the outbound queue, and the recovery sweep does if that fails. Returns null when it must not be sent.
 */
export async function recordAutoAck(
  db: Queryable,
  a: { caseId: number; mailbox: Mailbox; to: string; maxPerHour: number },
): Promise<number | null> {
  // Two autoresponders answering each other would loop forever: cap acknowledgements per address.
  const recent = await db.query(
    `SELECT count(*)::int AS n FROM interactions
      WHERE channel = 'email' AND direction = 'outbound' AND kind = 'system' AND to_address = $1
        AND metadata->>'autoAck' = 'true' AND created_at > now() - interval '1 hour'`,
    [a.to],
  );
  if (recent.rows[0].n >= a.maxPerHour) return null;
  const c = await db.query(
    `SELECT c.number, c.subject, c.customer_id, cu.name, COALESCE(c.language, cu.language) AS language
       FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`,
    [a.caseId],
  );
  const row = c.rows[0];
  if (!row) return null;
  const t = renderAutoAck(a.mailbox, row.language, { number: row.number, subject: row.subject, name: row.name });
  const r = await db.query(
    `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, from_address, to_address, subject, text, delivery_status, metadata)
     VALUES ($1, $2, 'email', 'outbound', 'system', $3, $4, $5, $6, 'queued', $7) RETURNING id`,
    [a.caseId, row.customer_id, a.mailbox.address, a.to, t.subject, t.text, JSON.stringify({ autoAck: true, mailboxId: a.mailbox.id, language: row.language })],
  );
  return r.rows[0].id;
}
