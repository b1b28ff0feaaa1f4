import { HttpError } from '../../../../lib/errors.js';
import { rebaseTwilioUrl, restErrorInfo } from '../../../twilio/client.js';
import type { VoiceProvider } from '../../provider.js';
import { clickToCall, connectCallToAgent, transferLiveCall } from './calls-api.js';
import { addSupervisor, removeSupervisor, setSupervisorMode } from './conference.js';

function monitorError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = restErrorInfo(err);
  return new HttpError(502, `Twilio could not connect the supervisor (HTTP ${e.status ?? 'unreachable'}${e.code ? `, error ${e.code}` : ''}): ${e.message}`);
}

/**
 * Twilio Programmable Voice: events arrive as signed webhooks (webhook-routes.ts, mounted at /webhooks/twilio/voice),
 * callers wait in a Twilio <Enqueue>, actions are REST redirects of the live call to new TwiML; a caller talks to their
 * agent in a conference (conference.ts), which supervisors join as participants to listen, whisper or barge.
 */
export const twilioVoice: VoiceProvider = {
  name: 'twilio',
  configured: (config) => !!(config.twilio.accountSid && config.twilio.authToken),
  connectToAgent: (deps, caseId, agentId) => connectCallToAgent(deps, caseId, agentId),
  transfer: (deps, call, t) => transferLiveCall(deps, call, t),
  placeCall: (deps, a) => clickToCall(deps, a),
  async monitor(deps, call, m) {
    if (call.state !== 'in_progress' || !call.agent_call_sid) {
      throw new HttpError(409, `the call is ${call.state.replace('_', ' ')}; only a call with an agent on it can be monitored`);
    }
    // calls placed from the hub (click-to-call, the browser) are a plain <Dial>, not a conference
    if (!call.conference_sid) throw new HttpError(409, 'the call is not a conference (calls placed from the hub cannot be monitored on Twilio)');
    try {
      if (m.current) {
        try {
          await setSupervisorMode(deps.config, call, m.current.legId, m.mode);
          return { mode: m.mode, legId: m.current.legId };
        } catch (err) {
          // their leg left the conference meanwhile (not answered, hung up): ring them in anew
          if (restErrorInfo(err).status !== 404) throw err;
        }
      }
      const sup = (await deps.db.query(`SELECT phone FROM agents WHERE id = $1`, [m.supervisorId])).rows[0];
      const legId = await addSupervisor(deps, call, { supervisorId: m.supervisorId, mode: m.mode, phone: sup?.phone ?? null });
      return { mode: m.mode, legId };
    } catch (err) {
      throw monitorError(err);
    }
  },
  async endMonitor(deps, call, legId) {
    try {
      await removeSupervisor(deps.config, call, legId);
    } catch (err) {
      // already out of the conference (hung up, or the conference ended): nothing left to end
      if (restErrorInfo(err).status !== 404) throw monitorError(err);
    }
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
