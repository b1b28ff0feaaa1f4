import twilio from 'twilio';
import type { FastifyReply } from 'fastify';

export const VoiceResponse = twilio.twiml.VoiceResponse;
export const MessagingResponse = twilio.twiml.MessagingResponse;
export type VoiceResponseT = InstanceType<typeof VoiceResponse>;

/**
 * Answers a webhook with TwiML. Recorded prompts are built as hub paths (/voice-prompts/…, see voice-prompts/library.ts)
 * and made absolute here, from PUBLIC_URL: the address Twilio fetches them from.
 */
export function sendTwiml(reply: FastifyReply, twiml: { toString(): string }) {
  const xml = twiml.toString().replace(/<Play([^>]*)>\/voice-prompts\//g, `<Play$1>${reply.server.config.publicUrl}/voice-prompts/`);
  return reply.code(200).header('content-type', 'text/xml; charset=utf-8').send(xml);
}
