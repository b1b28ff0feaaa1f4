import type pg from 'pg';
import type { Config } from '../config.js';
import type { Log } from '../lib/log.js';
import { sendSystemMail } from './mailer.js';
import { sendSystemSms } from './sms.js';
import { t } from './messages.js';
import { publicThread, renderTranscript } from './transcript.js';
import type { NotificationJob } from './jobs.js';

export interface NotificationDeps {
  db: pg.Pool;
  config: Config;
  log: Log;
}

/** Sends one system notification; throws on a failure worth retrying. */
export async function handleNotification(deps: NotificationDeps, job: NotificationJob): Promise<void> {
  switch (job.kind) {
    case 'magic-link': {
      const m = t(job.language);
      await sendSystemMail(deps.config, {
        to: job.to,
        subject: m.magicLinkSubject,
        text: m.magicLinkBody(job.link, deps.config.portal.magicLinkTtlMinutes),
        language: job.language,
      });
      return;
    }
    case 'sms-code':
      await sendSystemSms(deps.config, job.to, t(job.language).smsCode(job.code, deps.config.portal.codeTtlMinutes));
      return;
    case 'chat-transcript': {
      const c = await deps.db.query(`SELECT number FROM cases WHERE id = $1`, [job.caseId]);
      if (!c.rowCount) return;
      const mail = renderTranscript(await publicThread(deps.db, job.caseId), job.language, c.rows[0].number);
      await sendSystemMail(deps.config, { to: job.to, ...mail, language: job.language });
      return;
    }
    case 'portal-reply': {
      // Tell the customer a reply waits in the portal, at the email address they use there.
      const r = await deps.db.query(
        `SELECT c.number, c.subject, cu.language,
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'email' AND opted_out_at IS NULL ORDER BY verified DESC, id LIMIT 1) AS email
           FROM interactions i JOIN cases c ON c.id = i.case_id JOIN customers cu ON cu.id = c.customer_id
          WHERE i.id = $1`,
        [job.interactionId],
      );
      const row = r.rows[0];
      if (!row?.email) return;
      const m = t(row.language);
      await sendSystemMail(deps.config, {
        to: row.email,
        subject: m.replySubject(row.number, row.subject),
        text: m.replyBody(`${deps.config.publicUrl}/portal/requests/${row.number}`),
        language: row.language,
      });
      return;
    }
  }
}
