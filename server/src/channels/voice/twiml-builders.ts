import type { Config } from '../../config.js';
import type { Queryable } from '../../db/pool.js';
import { VoiceResponse, type VoiceResponseT } from '../twilio/twiml.js';
import { webhookUrl } from '../twilio/urls.js';
import type { PhoneNumberConfig } from '../twilio/numbers.js';
import { numberLine, prompts, speak } from './prompts.js';

/** Twilio queue name for a hub queue: callers of one hub queue share one Twilio queue (position, average wait). */
export function twilioQueueName(queueId: number | null): string {
  return queueId ? `hub-queue-${queueId}` : 'hub-queue-default';
}

export function enqueueTwiml(config: Config, callId: number, queueId: number | null, twiml: VoiceResponseT = new VoiceResponse()): VoiceResponseT {
  twiml.enqueue(
    {
      action: webhookUrl(config, '/voice/queue-exit', { callId }),
      method: 'POST',
      waitUrl: webhookUrl(config, '/voice/wait', { callId }),
      waitUrlMethod: 'POST',
    },
    twilioQueueName(queueId),
  );
  return twiml;
}

/**
 * Voicemail: a prompt, then `<Record>` with transcription; both callbacks land on the call's callback case. `number`:
 * the called number, whose uploaded recordings replace the default ones (so for every builder here).
 */
export function voicemailTwiml(config: Config, callId: number, lang: string, intro: string[], enabled: boolean, number?: PhoneNumberConfig | null): VoiceResponseT {
  const twiml = new VoiceResponse();
  const p = prompts(lang);
  for (const line of intro) speak(twiml, lang, line, number);
  if (!enabled) {
    speak(twiml, lang, p.noVoicemail, number);
    twiml.hangup();
    return twiml;
  }
  speak(twiml, lang, p.leaveMessage, number);
  twiml.record({
    action: webhookUrl(config, '/voice/voicemail-done', { callId }),
    method: 'POST',
    maxLength: 180,
    timeout: 5,
    finishOnKey: '#',
    playBeep: true,
    transcribe: true,
    transcribeCallback: webhookUrl(config, '/voice/transcription', { callId }),
    recordingStatusCallback: webhookUrl(config, '/voice/recording', { callId, kind: 'voicemail' }),
    recordingStatusCallbackMethod: 'POST',
  });
  // <Record> falls through when the caller says nothing.
  speak(twiml, lang, p.goodbye, number);
  twiml.hangup();
  return twiml;
}

/**
 * The caller's side of connecting an agent: "connecting", then into the call's conference, on hold music until the
 * agent (added as a participant when the conference reports the caller's join) enters and starts it. The caller
 * leaving ends the conference; the conference ending (the agent hung up) runs the <Dial> action, which says goodbye.
 * Recorded from the start of the conversation (the conference starts when the agent enters).
 */
export function dialAgentTwiml(
  config: Config,
  callId: number,
  agent: { id: number },
  lang: string,
  conferenceName: string | null,
  number?: PhoneNumberConfig | null,
): VoiceResponseT {
  const twiml = new VoiceResponse();
  speak(twiml, lang, prompts(lang).connecting, number);
  twiml
    .dial({ action: webhookUrl(config, '/voice/dial-done', { callId, agentId: agent.id }), method: 'POST' })
    .conference(
      {
        participantLabel: 'customer',
        startConferenceOnEnter: false,
        endConferenceOnExit: true,
        beep: 'false',
        waitUrl: config.twilio.holdMusicUrl,
        record: 'record-from-start',
        recordingStatusCallback: webhookUrl(config, '/voice/recording', { callId, kind: 'call' }),
        recordingStatusCallbackMethod: 'POST',
        statusCallback: webhookUrl(config, '/voice/conference-events', { callId }),
        statusCallbackEvent: ['start', 'end', 'join', 'leave'],
        statusCallbackMethod: 'POST',
      },
      conferenceName ?? `hub-call-${callId}`,
    );
  return twiml;
}

export function agentIdentity(agentId: number): string {
  return `agent-${agentId}`;
}

export function agentIdFromIdentity(identity: string): number | null {
  const m = /^(?:client:)?agent-(\d+)$/.exec(identity);
  return m ? Number(m[1]) : null;
}

export function greetingLines(number: PhoneNumberConfig | null, lang: string): string[] {
  return [numberLine('greeting', lang, number, number?.greeting)];
}

/**
 * Estimated wait for a caller at `position`: position × recent talk time on this queue ÷ agents serving it
 * (available or on a call), with a default of three minutes of talk time before there is history.
 */
export async function estimatedWaitSeconds(db: Queryable, queueId: number | null, position: number): Promise<number> {
  const r = await db.query(
    `SELECT (SELECT avg(talk_seconds) FROM (SELECT talk_seconds FROM calls WHERE queue_id IS NOT DISTINCT FROM $1 AND talk_seconds IS NOT NULL
              ORDER BY ended_at DESC NULLS LAST LIMIT 50) t) AS aht,
            (SELECT count(*) FROM agents a WHERE a.active AND a.presence = 'available'
               AND ($1::bigint IS NULL OR EXISTS (SELECT 1 FROM queue_members m WHERE m.queue_id = $1 AND m.agent_id = a.id))) AS agents`,
    [queueId],
  );
  const aht = Number(r.rows[0].aht ?? 180) || 180;
  const agents = Math.max(1, Number(r.rows[0].agents));
  return Math.round((Math.max(1, position) * aht) / agents);
}
