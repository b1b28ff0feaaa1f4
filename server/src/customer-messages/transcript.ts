import type { Queryable } from '../db/pool.js';
import { escapeHtml } from './html.js';
import { t } from './messages.js';

export interface TranscriptLine {
  at: Date;
  who: 'customer' | 'agent';
  name: string | null;
  text: string;
}

/** The public conversation of a case: customer and agent messages, never internal notes. */
export async function publicThread(db: Queryable, caseId: number): Promise<TranscriptLine[]> {
  const r = await db.query(
    `SELECT i.created_at, i.direction, i.text, a.name AS agent_name
       FROM interactions i LEFT JOIN agents a ON a.id = i.author_agent_id
      WHERE i.case_id = $1 AND i.direction IN ('inbound', 'outbound') AND i.kind <> 'note'
      ORDER BY i.created_at, i.id`,
    [caseId],
  );
  return r.rows.map((row) => ({
    at: row.created_at,
    who: row.direction === 'inbound' ? 'customer' : 'agent',
    name: row.agent_name ?? null,
    text: row.text,
  }));
}

export function renderTranscript(lines: TranscriptLine[], language: string, caseNumber: number) {
  const m = t(language);
  const fmt = new Intl.DateTimeFormat(language === 'fa' ? 'fa-IR' : 'en-GB', { dateStyle: 'short', timeStyle: 'short', timeZone: 'UTC' });
  const label = (l: TranscriptLine) => (l.who === 'customer' ? m.you : l.name ?? m.agent);
  const text = [m.transcriptIntro, '', ...lines.map((l) => `[${fmt.format(l.at)}] ${label(l)}: ${l.text}`)].join('\n');
  const dir = language === 'fa' ? 'rtl' : 'ltr';
  const html =
    `<div dir="${dir}"><p>${escapeHtml(m.transcriptIntro)}</p>` +
    lines.map((l) => `<p><small>${escapeHtml(fmt.format(l.at))}</small> <b>${escapeHtml(label(l))}</b>: ${escapeHtml(l.text).replace(/\n/g, '<br>')}</p>`).join('') +
    `</div>`;
  return { subject: m.transcriptSubject(caseNumber), text, html };
}
