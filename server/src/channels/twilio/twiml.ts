import twilio from 'twilio';
import type { FastifyReply } from 'fastify';

export const VoiceResponse = twilio.twiml.VoiceResponse;
export const MessagingResponse = twilio.twiml.MessagingResponse;
export type VoiceResponseT = InstanceType<typeof VoiceResponse>;

export function sendTwiml(reply: FastifyReply, twiml: { toString(): string }) {
  return reply.code(200).header('content-type', 'text/xml; charset=utf-8').send(twiml.toString());
}

/** Twilio `<Say>` voices per customer language (Amazon Polly neural voices Twilio hosts). */
export function sayOptions(language: string): { language: 'en-US' | 'fa-IR'; voice?: 'Polly.Joanna-Neural' } {
  return language === 'fa' ? { language: 'fa-IR' } : { language: 'en-US', voice: 'Polly.Joanna-Neural' };
}
