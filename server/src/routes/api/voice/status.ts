import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

/**
 * What the agent's browser may offer for voice, always answered 200: the workspace asks this before it asks for a
 * Voice SDK token, so a hub without browser calling shows no softphone and logs no failed request.
 */
const voiceStatus: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);
  app.get(
    '/voice/status',
    {
      schema: {
        tags: ['voice'],
        summary: 'Whether browser calling (Voice SDK tokens, or SIP over WebSocket with Asterisk) and calling customers (Call button) are configured on this hub',
        response: {
          200: Type.Object({
            browserCalling: Type.Boolean(),
            /** a Twilio account and a voice-enabled number: the workspace shows the Call button only then */
            outboundCalls: Type.Boolean(),
          }),
        },
      },
    },
    async () => {
      const t = app.config.twilio;
      const a = app.config.asterisk;
      // a provider with its credentials and a voice-enabled number of that provider (no provider named = Twilio)
      const numbers = await app.db.query(`SELECT DISTINCT COALESCE(provider, 'twilio') AS provider FROM phone_numbers WHERE voice_enabled`);
      const has = (p: string) => numbers.rows.some((r) => r.provider === p);
      const outboundCalls = (Boolean(t.accountSid && t.authToken) && has('twilio')) || (Boolean(a) && has('asterisk'));
      const sipPhone = Boolean(a?.sipWsUrl && a.sipDomain && a.sipPasswordSecret);
      return { browserCalling: Boolean(t.accountSid && t.apiKeySid && t.apiKeySecret && t.twimlAppSid) || sipPhone, outboundCalls };
    },
  );
};

export default voiceStatus;
