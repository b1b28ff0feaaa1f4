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
        summary: 'Whether browser calling (Voice SDK tokens) and calling customers (Call button) are configured on this hub',
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
      const account = Boolean(t.accountSid && t.authToken);
      const number = account && (await app.db.query(`SELECT 1 FROM phone_numbers WHERE voice_enabled LIMIT 1`)).rowCount! > 0;
      return { browserCalling: Boolean(t.accountSid && t.apiKeySid && t.apiKeySecret && t.twimlAppSid), outboundCalls: number };
    },
  );
};

export default voiceStatus;
