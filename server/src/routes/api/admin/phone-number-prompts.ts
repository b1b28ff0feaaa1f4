import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest, notFound } from '../../../lib/errors.js';
import { ErrorView, Id } from '../../../schemas/common.js';
import { invalidatePhoneNumberLookups } from '../../../channels/twilio/number-cache.js';
import { PROMPT_LANGUAGES, SENTENCE_KEYS, SENTENCES, type PromptLanguage, type SentenceKey } from '../../../voice-prompts/catalogue.js';
import { promptAudio, type PhoneNumberPrompts, type UploadedPrompt } from '../../../voice-prompts/library.js';
import { PhoneNumberPromptView } from '../../../contracts/phone-numbers.js';

/** The largest recording accepted: a minute and more of 8 kHz 16-bit WAV, several minutes of MP3. */
export const MAX_PROMPT_BYTES = 2 * 1024 * 1024;
const AUDIO_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/mpeg'];

/** What the bytes are, whatever the request said: a RIFF/WAVE file or an MP3 (ID3 tag or an MPEG audio frame). */
export function sniffAudio(b: Buffer): 'audio/wav' | 'audio/mpeg' | null {
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE') return 'audio/wav';
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'ID3') return 'audio/mpeg';
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) return 'audio/mpeg';
  return null;
}

const Lang = Type.Union(PROMPT_LANGUAGES.map((l) => Type.Literal(l)));
const Key = Type.Union(SENTENCE_KEYS.map((k) => Type.Literal(k)));
const PromptParams = Type.Object({ id: Id(), lang: Lang, key: Key });
/**
 * Admin: a phone number's recorded prompts — each sentence of the default set (greeting, menu, position, …) per
 * language, replaceable by an uploaded recording (WAV or MP3; for Twilio and Asterisk alike 8 kHz mono WAV is best).
 */
const phoneNumberPrompts: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method !== 'GET') invalidatePhoneNumberLookups(app.db);
    return payload;
  });
  // a recording is the raw request body
  app.addContentTypeParser(AUDIO_TYPES, { parseAs: 'buffer', bodyLimit: MAX_PROMPT_BYTES }, (_req, body, done) => done(null, body));

  const load = async (id: number) => {
    const r = await app.db.query(`SELECT id, e164, prompts FROM phone_numbers WHERE id = $1`, [id]);
    if (!r.rowCount) throw notFound('phone number');
    return r.rows[0] as { id: number; e164: string; prompts: PhoneNumberPrompts };
  };

  app.get(
    '/phone-numbers/:id/prompts',
    { schema: { tags: ['admin'], summary: 'A number’s voice prompts: the default recording of each and its replacement', params: Type.Object({ id: Id() }), response: { 200: Type.Array(PhoneNumberPromptView), 404: ErrorView } } },
    async (req) => {
      const n = await load(req.params.id);
      return PROMPT_LANGUAGES.flatMap((language) =>
        SENTENCE_KEYS.map((key) => {
          const up = n.prompts[language]?.[key];
          return {
            key, language, text: SENTENCES[key][language],
            defaultUrl: promptAudio(app.config, language, key).url,
            custom: up ? { url: promptAudio(app.config, language, key, n).url, contentType: up.contentType, size: up.size, uploadedAt: up.uploadedAt } : null,
          };
        }),
      );
    },
  );

  app.put(
    '/phone-numbers/:id/prompts/:lang/:key',
    {
      schema: {
        tags: ['admin'], summary: 'Replace one voice prompt of a number with a recording (body: the WAV or MP3 file)', params: PromptParams,
        consumes: AUDIO_TYPES, response: { 200: PhoneNumberPromptView, 400: ErrorView, 404: ErrorView },
      },
    },
    async (req) => {
      const { id } = req.params;
      const [lang, key] = [req.params.lang as PromptLanguage, req.params.key as SentenceKey];
      const n = await load(id);
      const body = req.body as unknown;
      if (!Buffer.isBuffer(body) || !body.length) throw badRequest('send the recording as the request body (content-type audio/wav or audio/mpeg)', [{ field: 'body', reason: 'no audio' }]);
      const type = sniffAudio(body);
      if (!type) throw badRequest('the file is neither WAV nor MP3', [{ field: 'body', reason: 'not WAV or MP3 audio' }]);
      const stored = await app.store.put(body, type === 'audio/wav' ? 'prompt.wav' : 'prompt.mp3');
      const rec: UploadedPrompt = { storageKey: stored.key, contentType: type, sha256: createHash('sha256').update(body).digest('hex'), size: body.length, uploadedAt: new Date().toISOString() };
      const before = n.prompts[lang]?.[key] ?? null;
      const r = await app.db.query(
        `UPDATE phone_numbers SET prompts = jsonb_set(prompts, ARRAY[$2::text], COALESCE(prompts->$2, '{}'::jsonb) || jsonb_build_object($3::text, $4::jsonb)), updated_at = now()
          WHERE id = $1 RETURNING prompts`,
        [id, lang, key, JSON.stringify(rec)],
      );
      if (before) await app.store.remove(before.storageKey);
      await audit(app.db, { actorId: req.agent!.id, action: 'phone_number.prompt_upload', entity: 'phone_number', entityId: id, before: before ? { [lang]: { [key]: before } } : null, after: { [lang]: { [key]: rec } } });
      const fresh = { id, prompts: r.rows[0].prompts as PhoneNumberPrompts };
      return {
        key, language: lang, text: SENTENCES[key][lang], defaultUrl: promptAudio(app.config, lang, key).url,
        custom: { url: promptAudio(app.config, lang, key, fresh).url, contentType: rec.contentType, size: rec.size, uploadedAt: rec.uploadedAt },
      };
    },
  );

  app.delete(
    '/phone-numbers/:id/prompts/:lang/:key',
    { schema: { tags: ['admin'], summary: 'Go back to the default recording of one prompt', params: PromptParams, response: { 204: Type.Null(), 404: ErrorView } } },
    async (req, reply) => {
      const { id } = req.params;
      const [lang, key] = [req.params.lang as PromptLanguage, req.params.key as SentenceKey];
      const n = await load(id);
      const before = n.prompts[lang]?.[key];
      if (!before) throw notFound('uploaded prompt');
      await app.db.query(`UPDATE phone_numbers SET prompts = jsonb_set(prompts, ARRAY[$2::text], (prompts->$2) - $3::text), updated_at = now() WHERE id = $1`, [id, lang, key]);
      await app.store.remove(before.storageKey);
      await audit(app.db, { actorId: req.agent!.id, action: 'phone_number.prompt_delete', entity: 'phone_number', entityId: id, before: { [lang]: { [key]: before } } });
      return reply.code(204).send(null);
    },
  );
};

export default phoneNumberPrompts;
