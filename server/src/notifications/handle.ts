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
  // Trying the portal on a laptop without a mail server or SMS account: the worker log shows the
  // sign-in secret instead. Never in production, where a missing provider is a failure to retry.
  if (deps.config.nodeEnv === 'development') {
    if (job.kind === 'magic-link' && !deps.config.smtp.url) return void deps.log.warn({ to: job.to, link: job.link }, 'SMTP_URL not set: portal sign-in link (development only)');
    if (job.kind === 'sms-code' && !deps.config.portal.smsFrom) return void deps.log.warn({ to: job.to, code: job.code }, 'PORTAL_SMS_FROM not set: portal sign-in code (development only)');
  }
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
    case 'transcript-confirm': {
      // Fixed text and a link only: nothing a visitor typed reaches an address nobody has proved.
      const m = t(job.language);
      await sendSystemMail(deps.config, {
        to: job.to,
        subject: m.transcriptConfirmSubject,
        text: m.transcriptConfirmBody(job.link, deps.config.transcripts.confirmTtlMinutes),
        language: job.language,
      });
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
