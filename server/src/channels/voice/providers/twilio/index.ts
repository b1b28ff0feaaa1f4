import { HttpError } from '../../../../lib/errors.js';
import { rebaseTwilioUrl } from '../../../twilio/client.js';
import type { VoiceProvider } from '../../provider.js';
import { clickToCall, connectCallToAgent, transferLiveCall } from './calls-api.js';

/**
 * Twilio Programmable Voice: events arrive as signed webhooks (webhook-routes.ts, mounted at /webhooks/twilio/voice),
 * callers wait in a Twilio <Enqueue>, actions are REST redirects of the live call to new TwiML.
 */
export const twilioVoice: VoiceProvider = {
  name: 'twilio',
  configured: (config) => !!(config.twilio.accountSid && config.twilio.authToken),
  connectToAgent: (deps, caseId, agentId) => connectCallToAgent(deps, caseId, agentId),
  transfer: (deps, call, t) => transferLiveCall(deps, call, t),
  placeCall: (deps, a) => clickToCall(deps, a),
  async monitor() {
    // Twilio calls are <Dial>ed, not conferences: listening in would need every call in a conference first.
    throw new HttpError(422, 'listening to a call is available for calls carried by Asterisk; Twilio calls are not conferences');
  },
  async recordingAudio(deps, rec) {
    const { accountSid, authToken, apiBaseUrl } = deps.config.twilio;
    const res = await fetch(rebaseTwilioUrl(`${rec.url}.mp3`, apiBaseUrl), {
      headers: accountSid && authToken ? { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` } : {},
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new HttpError(502, `Twilio answered HTTP ${res.status} for the recording`);
    return { contentType: 'audio/mpeg', body: Buffer.from(await res.arrayBuffer()) };
  },
};
