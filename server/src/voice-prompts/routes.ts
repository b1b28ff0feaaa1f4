import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { promptLanguage } from './catalogue.js';
import { defaultPromptFile, isDefaultPrompt, type PhoneNumberPrompts } from './library.js';

/**
 * The recorded prompts, over HTTP for providers that fetch audio by URL (Twilio <Play>). Public like the prompts
 * themselves (what any caller hears); nothing else is reachable: the key must be one of the prompt set.
 *   GET /voice-prompts/:lang/:key.wav           the default set (assets/voice-prompts)
 *   GET /voice-prompts/numbers/:id/:lang/:key   a phone number's uploaded replacement
 */
const voicePromptRoutes: FastifyPluginAsync = async (app) => {
  app.get('/voice-prompts/:lang/:file', { schema: { hide: true } }, async (req, reply) => {
    const { lang, file } = req.params as { lang: string; file: string };
    const key = file.replace(/\.wav$/, '');
    if (!file.endsWith('.wav') || !isDefaultPrompt(lang, key)) return reply.code(404).send({ error: 'Not Found', message: 'no such prompt' });
    const body = await readFile(defaultPromptFile(app.config, promptLanguage(lang), key));
    return reply.header('content-type', 'audio/wav').header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').send(body);
  });

  app.get('/voice-prompts/numbers/:id/:lang/:key', { schema: { hide: true } }, async (req, reply) => {
    const { id, lang, key } = req.params as { id: string; lang: string; key: string };
    if (!/^[0-9]{1,18}$/.test(id)) return reply.code(404).send({ error: 'Not Found', message: 'no such prompt' });
    const r = await app.db.query(`SELECT prompts FROM phone_numbers WHERE id = $1`, [id]);
    const up = (r.rows[0]?.prompts as PhoneNumberPrompts | undefined)?.[lang as 'en' | 'fa']?.[key as 'greeting'];
    if (!up) return reply.code(404).send({ error: 'Not Found', message: 'no such prompt' });
    const body = await app.store.get(up.storageKey);
    // the URL carries the recording's digest (?v=): a replacement is a new URL, so this one may be cached long
    return reply.header('content-type', up.contentType).header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').send(body);
  });
};

export default voicePromptRoutes;
