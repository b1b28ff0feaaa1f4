import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest, conflict, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { normaliseIdentity, InvalidIdentityError } from '../../../ingest/identity.js';
import { invalidatePhoneNumberLookups } from '../../../channels/twilio/number-cache.js';
import { smsProvider } from '../../../channels/sms/providers/index.js';
import { voiceProvider, voiceProviderOf } from '../../../channels/voice/providers/index.js';
import { PHONE_NUMBER_COLUMNS, validTimeZone, type PhoneNumberConfig } from '../../../channels/twilio/numbers.js';
import {
  PhoneNumberBody as Body,
  PhoneNumberView as View,
  PhoneProvidersView,
  SMS_PROVIDERS,
  VOICE_PROVIDERS,
  type PhoneNumberBody,
  type PhoneNumberView,
} from '../../../contracts/phone-numbers.js';

/** What each provider needs configured before a number may use it (Twilio: nothing here, see providerRefusal). */
const NEEDS: Record<string, string> = {
  asterisk: 'ASTERISK_ARI_URL, ASTERISK_ARI_USER and ASTERISK_ARI_PASSWORD (Asterisk’s ARI, see README “Telephony providers”)',
  kavenegar: 'KAVENEGAR_API_KEY (and KAVENEGAR_WEBHOOK_SECRET for inbound texts)',
};

/** Admin: the business's phone numbers (each naming its voice and SMS provider), each mapped to a queue or a menu, with greeting and business hours. */
const phoneNumbers: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));
  // inbound SMS reads numbers through a short cache: a change made here applies to the next message
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method !== 'GET') invalidatePhoneNumberLookups(app.db);
    return payload;
  });

  const validate = async (b: PhoneNumberBody): Promise<string> => {
    let e164: string;
    try {
      e164 = normaliseIdentity('phone', b.e164, app.config.twilio.defaultCountry);
    } catch (err) {
      if (err instanceof InvalidIdentityError) throw badRequest(err.message, [{ field: 'e164', reason: 'not a phone number' }]);
      throw err;
    }
    const queueIds = [b.queueId, ...(b.ivr?.options.map((o: { queueId: number }) => o.queueId) ?? [])].filter((x): x is number => typeof x === 'number');
    if (queueIds.length) {
      const r = await app.db.query(`SELECT id FROM queues WHERE id = ANY($1)`, [queueIds]);
      const known = new Set(r.rows.map((x) => x.id));
      const missing = queueIds.filter((q) => !known.has(q));
      if (missing.length) throw badRequest(`unknown queue ${missing.join(', ')}`, [{ field: 'queueId', reason: 'unknown queue' }]);
    }
    const digits = b.ivr?.options.map((o: { digit: string }) => o.digit) ?? [];
    if (new Set(digits).size !== digits.length) throw badRequest('ivr.options: each digit may be used once', [{ field: 'ivr.options', reason: 'duplicate digit' }]);
    if (b.businessHours) {
      if (!validTimeZone(b.businessHours.timezone)) throw badRequest(`unknown time zone "${b.businessHours.timezone}"`, [{ field: 'businessHours.timezone', reason: 'unknown time zone' }]);
      for (const [day, ranges] of Object.entries(b.businessHours.weekly)) {
        for (const [open, close] of (ranges ?? []) as [string, string][]) {
          if (open >= close) throw badRequest(`businessHours.weekly.${day}: ${open} is not before ${close}`, [{ field: `businessHours.weekly.${day}`, reason: 'open must be before close' }]);
        }
      }
    }
    if (b.smsSender && b.smsProvider !== 'kavenegar' && b.smsProvider !== undefined) {
      // Twilio sends from the E.164 number itself
      throw badRequest('smsSender is for providers that name a line other than the E.164 number (kavenegar)', [{ field: 'smsSender', reason: 'not used by this provider' }]);
    }
    providerRefusal(b);
    return e164;
  };

  /**
   * A number whose calls or texts go through a provider this deployment has no credentials for would take nothing
   * in and send nothing out: refused, naming what to configure. Twilio is the exception — the demo and a first run
   * set numbers up before the Twilio account exists (replies then wait in the demo outbox).
   */
  const providerRefusal = (b: PhoneNumberBody) => {
    const voice = voiceProviderOf(app.config, b.voiceProvider);
    if ((b.voiceEnabled ?? true) && voice !== 'twilio' && !voiceProvider(voice).configured(app.config)) {
      throw badRequest(`calls through ${voice} need ${NEEDS[voice]} configured on the server`, [{ field: 'voiceProvider', reason: `${voice} is not configured` }]);
    }
    const sms = b.smsProvider ?? 'twilio';
    if ((b.smsEnabled ?? true) && sms !== 'twilio' && !smsProvider(sms).configured(app.config)) {
      throw badRequest(`texts through ${sms} need ${NEEDS[sms]} configured on the server`, [{ field: 'smsProvider', reason: `${sms} is not configured` }]);
    }
  };
  /** The number as the API shows it: a number that names no voice provider has the deployment's. */
  const view = (n: PhoneNumberConfig): PhoneNumberView => ({ ...n, voiceProvider: voiceProviderOf(app.config, n.voiceProvider) }) as PhoneNumberView;

  const senderFree = async (b: PhoneNumberBody, id: number | null) => {
    if (!b.smsSender) return;
    const r = await app.db.query(`SELECT e164 FROM phone_numbers WHERE sms_provider = $1 AND sms_sender = $2 AND id IS DISTINCT FROM $3`, [b.smsProvider ?? 'twilio', b.smsSender, id]);
    if (r.rowCount) throw conflict(`line ${b.smsSender} is already used by ${r.rows[0].e164}`);
  };

  app.get('/phone-numbers', { schema: { tags: ['admin'], summary: 'The business’s numbers, the providers of their calls and texts, and where those go', response: { 200: Type.Array(View) } } }, async () => {
    return ((await app.db.query(`SELECT ${PHONE_NUMBER_COLUMNS} FROM phone_numbers ORDER BY id`)).rows as PhoneNumberConfig[]).map(view);
  });

  app.get('/phone-numbers/providers', { schema: { tags: ['admin'], summary: 'The voice and SMS providers a number can use here (configured or not)', response: { 200: PhoneProvidersView } } }, async () => ({
    voice: VOICE_PROVIDERS.map((name) => ({ name, configured: voiceProvider(name).configured(app.config) })),
    sms: SMS_PROVIDERS.map((name) => ({ name, configured: smsProvider(name).configured(app.config) })),
    defaultVoiceProvider: voiceProviderOf(app.config, null),
    asteriskApp: app.config.asterisk?.app ?? null,
  }));

  app.post('/phone-numbers', { schema: { tags: ['admin'], summary: 'Add a number (its calls through Twilio or Asterisk, its texts through Twilio or Kavenegar)', body: Body, response: { 201: View, 400: ErrorView, 409: ErrorView } } }, async (req, reply) => {
    const b = req.body;
    const e164 = await validate(b);
    if ((await app.db.query(`SELECT 1 FROM phone_numbers WHERE e164 = $1`, [e164])).rowCount) throw conflict(`${e164} is already configured`);
    await senderFree(b, null);
    const r = await app.db.query(
      `INSERT INTO phone_numbers (e164, friendly_name, queue_id, sms_enabled, voice_enabled, default_language, greeting, ivr, business_hours, after_hours_message, voicemail_enabled,
                                  sms_provider, sms_sender, provider)
       VALUES ($1, $2, $3, COALESCE($4, true), COALESCE($5, true), COALESCE($6, 'en'), $7, $8, $9, $10, COALESCE($11, true), COALESCE($12, 'twilio'), $13, $14)
       RETURNING ${PHONE_NUMBER_COLUMNS}`,
      [e164, b.friendlyName ?? '', b.queueId ?? null, b.smsEnabled ?? null, b.voiceEnabled ?? null, b.defaultLanguage ?? null, JSON.stringify(b.greeting ?? {}),
        b.ivr ? JSON.stringify(b.ivr) : null, b.businessHours ? JSON.stringify(b.businessHours) : null, JSON.stringify(b.afterHoursMessage ?? {}), b.voicemailEnabled ?? null,
        b.smsProvider ?? null, b.smsSender ?? null, b.voiceProvider ?? null],
    );
    await audit(app.db, { actorId: req.agent!.id, action: 'phone_number.create', entity: 'phone_number', entityId: r.rows[0].id, after: r.rows[0] });
    return reply.code(201).send(view(r.rows[0]));
  });

  app.put('/phone-numbers/:id', { schema: { tags: ['admin'], summary: 'Replace a number’s settings', params: IdParams, body: Body, response: { 200: View, 400: ErrorView, 404: ErrorView, 409: ErrorView } } }, async (req) => {
    const b = req.body;
    const e164 = await validate(b);
    const before = (await app.db.query(`SELECT ${PHONE_NUMBER_COLUMNS} FROM phone_numbers WHERE id = $1`, [req.params.id])).rows[0];
    if (!before) throw notFound('phone number');
    if ((await app.db.query(`SELECT 1 FROM phone_numbers WHERE e164 = $1 AND id <> $2`, [e164, req.params.id])).rowCount) throw conflict(`${e164} is already configured`);
    await senderFree(b, req.params.id);
    const r = await app.db.query(
      `UPDATE phone_numbers SET e164 = $2, friendly_name = $3, queue_id = $4, sms_enabled = COALESCE($5, true), voice_enabled = COALESCE($6, true),
              default_language = COALESCE($7, 'en'), greeting = $8, ivr = $9, business_hours = $10, after_hours_message = $11,
              voicemail_enabled = COALESCE($12, true), sms_provider = COALESCE($13, 'twilio'), sms_sender = $14, provider = $15, updated_at = now()
        WHERE id = $1 RETURNING ${PHONE_NUMBER_COLUMNS}`,
      [req.params.id, e164, b.friendlyName ?? '', b.queueId ?? null, b.smsEnabled ?? null, b.voiceEnabled ?? null, b.defaultLanguage ?? null, JSON.stringify(b.greeting ?? {}),
        b.ivr ? JSON.stringify(b.ivr) : null, b.businessHours ? JSON.stringify(b.businessHours) : null, JSON.stringify(b.afterHoursMessage ?? {}), b.voicemailEnabled ?? null,
        b.smsProvider ?? null, b.smsSender ?? null, b.voiceProvider ?? null],
    );
    await audit(app.db, { actorId: req.agent!.id, action: 'phone_number.update', entity: 'phone_number', entityId: req.params.id, before, after: r.rows[0] });
    return view(r.rows[0]);
  });

  app.delete('/phone-numbers/:id', { schema: { tags: ['admin'], summary: 'Remove a number', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } }, async (req, reply) => {
    const r = await app.db.query(`DELETE FROM phone_numbers WHERE id = $1 RETURNING e164`, [req.params.id]);
    if (!r.rowCount) throw notFound('phone number');
    await audit(app.db, { actorId: req.agent!.id, action: 'phone_number.delete', entity: 'phone_number', entityId: req.params.id, before: r.rows[0] });
    return reply.code(204).send(null);
  });
};

export default phoneNumbers;
