import type pg from 'pg';
import type { Config } from '../config.js';
import type { Log } from '../lib/log.js';
import { sendSystemMail } from './mailer.js';
import { lang, t } from './messages.js';
import { noticeSettings, noticeTemplate, renderNotice } from './notice-templates.js';
import { publicThread, renderTranscript } from './transcript.js';
import type { NotificationJob } from './jobs.js';
import { beginAttempt, bodyDigest, finishAttempt, markAmbiguous, noteAttempt, outcomeUnknown, staleAttempts, wasAccepted } from '../outbound/attempts.js';
import { systemSmsLine } from '../channels/sms/lines.js';
import { smsProvider } from '../channels/sms/providers/index.js';
import type { SmsAttemptNote } from '../channels/sms/provider.js';

export interface NotificationDeps {
  db: pg.Pool;
  config: Config;
  log: Log;
}

/**
 * Sends one system notification; throws on a failure worth retrying. With `key` (the job's unique
 * id) the send is recorded in delivery_attempts like an agent reply: never again once the provider
 * took it, and an attempt interrupted mid-call is looked up at the SMS provider or resent with the same
 * Message-ID (mail) — see README "Reliability".
 */
export async function handleNotification(deps: NotificationDeps, job: NotificationJob, key?: string): Promise<void> {
  // Trying the portal on a laptop without a mail server or SMS account: the worker log shows the
  // sign-in secret instead. Never in production, where a missing provider is a failure to retry.
  if (deps.config.nodeEnv === 'development') {
    if (job.kind === 'magic-link' && !deps.config.smtp.url) return void deps.log.warn({ to: job.to, link: job.link }, 'SMTP_URL not set: portal sign-in link (development only)');
    if (job.kind === 'sms-code') {
      const line = await systemSmsLine(deps.db, deps.config.portal.smsFrom);
      if (!line || !smsProvider(line.provider).configured(deps.config)) {
        return void deps.log.warn({ to: job.to, code: job.code }, 'no SMS number with a configured provider: portal sign-in code (development only)');
      }
    }
  }
  switch (job.kind) {
    case 'magic-link': {
      const m = t(job.language);
      await once(deps, key, 'email', { to: job.to }, async (mid) => {
        const r = await sendSystemMail(deps.config, {
          to: job.to,
          subject: m.magicLinkSubject,
          text: m.magicLinkBody(job.link, deps.config.portal.magicLinkTtlMinutes),
          language: job.language,
          messageId: mid,
        });
        return { provider: 'email', providerMessageId: r.messageId };
      });
      return;
    }
    case 'sms-code': {
      const body = t(job.language).smsCode(job.code, deps.config.portal.codeTtlMinutes);
      // the sign-in code goes out from PORTAL_SMS_FROM's number (else the first SMS number), through that number's provider
      const line = await systemSmsLine(deps.db, deps.config.portal.smsFrom);
      if (!line) throw new Error('PORTAL_SMS_FROM or an SMS-enabled number (Admin → Phone numbers) is needed to send sign-in codes by SMS');
      const note: Omit<SmsAttemptNote, 'localId'> = { provider: line.provider, to: job.to, from: line.e164, sender: line.sender, bodySha: bodyDigest(body) };
      await once(deps, key, 'sms', note, async (_mid, attemptId) => {
        const r = await smsProvider(line.provider).sendSystem(deps.config, { to: job.to, line, body, localId: String(attemptId) });
        return { provider: line.provider, providerMessageId: r.providerMessageId };
      });
      return;
    }
    case 'chat-transcript': {
      const c = await deps.db.query(`SELECT number FROM cases WHERE id = $1`, [job.caseId]);
      if (!c.rowCount) return;
      const mail = renderTranscript(await publicThread(deps.db, job.caseId), job.language, c.rows[0].number);
      await once(deps, key, 'email', { to: job.to }, async (mid) => {
        const r = await sendSystemMail(deps.config, { to: job.to, ...mail, language: job.language, messageId: mid });
        return { provider: 'email', providerMessageId: r.messageId };
      });
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
        `SELECT c.number, c.subject, COALESCE(c.language, cu.language) AS language, cu.name,
                (SELECT value FROM customer_identities WHERE customer_id = c.customer_id AND kind = 'email' AND opted_out_at IS NULL ORDER BY verified DESC, id LIMIT 1) AS email
           FROM interactions i JOIN cases c ON c.id = i.case_id JOIN customers cu ON cu.id = c.customer_id
          WHERE i.id = $1`,
        [job.interactionId],
      );
      const row = r.rows[0];
      if (!row?.email) return;
      // the "agent replied on the portal" template (Admin → Customer notifications), unless turned off there
      const settings = await noticeSettings(deps.db);
      if (settings.events.replied === false) return;
      const language = lang(row.language);
      const m = renderNotice(await noticeTemplate(deps.db, 'replied', language), {
        name: row.name || (language === 'fa' ? 'مشتری' : 'there'),
        number: String(row.number),
        subject: row.subject ?? '',
        link: `${deps.config.publicUrl}/portal/requests/${row.number}`,
        team: settings.team || (language === 'fa' ? 'تیم پشتیبانی' : 'The support team'),
        days: String(settings.autoCloseDays),
      });
      await once(deps, key, 'email', { to: row.email }, async (mid) => {
        const r = await sendSystemMail(deps.config, {
          to: row.email,
          subject: m.subject,
          text: m.body,
          language,
          messageId: mid,
        });
        return { provider: 'email', providerMessageId: r.messageId };
      });
      return;
    }
  }
}

/**
 * At most once towards the provider once it took the message, at least once until then. `send`
 * gets a stable Message-ID for mail (a resend after an unknown outcome carries the same one).
 */
async function once(
  deps: NotificationDeps,
  key: string | undefined,
  channel: 'email' | 'sms',
  request: Record<string, unknown>,
  send: (messageId: string | undefined, attemptId: number | undefined) => Promise<{ provider: string; providerMessageId: string }>,
): Promise<void> {
  if (!key) {
    await send(undefined, undefined);
    return;
  }
  const k = { systemKey: key };
  if (await wasAccepted(deps.db, k)) return;
  const { stale, inFlight } = await staleAttempts(deps.db, k, deps.config.outbound.attemptLeaseMs);
  if (inFlight) throw new Error(`notification ${key} is being sent by another worker`);
  for (const a of stale) {
    const r = a.request as Partial<SmsAttemptNote> & { called?: boolean };
    if (channel === 'sms' && r.called && r.to && (r.sender ?? r.from) && r.bodySha) {
      // notes from before SMS providers name only Twilio's From
      const note: SmsAttemptNote = { provider: r.provider ?? 'twilio', to: r.to, from: r.from ?? r.sender!, sender: r.sender ?? r.from!, bodySha: r.bodySha, localId: String(a.id) };
      const found = await smsProvider(note.provider).reconcile(deps, { startedAt: a.startedAt, note }, async (id) =>
        ((await deps.db.query(`SELECT 1 FROM delivery_attempts WHERE provider_message_id = $1 LIMIT 1`, [id])).rowCount ?? 0) > 0,
      );
      if (found.kind === 'accepted') {
        await finishAttempt(deps.db, a.id, { outcome: 'accepted', provider: found.provider, providerMessageId: found.providerMessageId, error: 'found at the provider after an interrupted attempt' });
        return;
      }
      await finishAttempt(deps.db, a.id, found.kind === 'not_sent' ? { outcome: 'not_sent', error: 'interrupted; not found at the provider' } : { outcome: 'unknown', error: found.note });
    } else if (!r.called) {
      await finishAttempt(deps.db, a.id, { outcome: 'not_sent', error: 'interrupted before the provider was called' });
    } else {
      await finishAttempt(deps.db, a.id, { outcome: 'unknown', error: 'interrupted during the SMTP exchange; sent again with the same Message-ID' });
    }
  }
  const attempt = await beginAttempt(deps.db, k, channel, request);
  if (!attempt) throw new Error(`notification ${key} is being sent by another worker`);
  const messageId = channel === 'email' ? `${key}@${new URL(deps.config.publicUrl).hostname}` : undefined;
  await noteAttempt(deps.db, attempt.id, { called: true, ...(messageId ? { messageId } : {}) });
  try {
    const r = await send(messageId, attempt.id);
    await finishAttempt(deps.db, attempt.id, { outcome: 'accepted', provider: r.provider, providerMessageId: r.providerMessageId || messageId || null });
  } catch (err) {
    const e = err as { status?: number; responseCode?: number; message?: string };
    // no answer at all (connection cut, timeout): the provider may have taken it; reconcile before a resend
    const ambiguous = outcomeUnknown(err) && !/not configured|are needed|is needed/.test(e.message ?? '');
    await (ambiguous
      ? markAmbiguous(deps.db, attempt.id, `no answer from the provider: ${e.message}`)
      : finishAttempt(deps.db, attempt.id, { outcome: 'failed', providerCode: e.responseCode ?? e.status ?? null, error: e.message ?? String(err) })
    ).catch((x) =>
      deps.log.warn({ err: x, key }, 'could not record a failed notification attempt'),
    );
    throw err;
  }
}
