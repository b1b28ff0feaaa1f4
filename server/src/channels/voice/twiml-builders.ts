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

/** Rings the agent in the browser (Voice JS SDK client) and on their phone if they have one; the first to answer wins. */
export function dialAgentTwiml(
  config: Config,
  callId: number,
  agent: { id: number; phone: string | null },
  lang: string,
  callerId: string | null,
  number?: PhoneNumberConfig | null,
): VoiceResponseT {
  const twiml = new VoiceResponse();
  speak(twiml, lang, prompts(lang).connecting, number);
  const dial = twiml.dial({
    action: webhookUrl(config, '/voice/dial-done', { callId, agentId: agent.id }),
    method: 'POST',
    timeout: 20,
    answerOnBridge: true,
    record: 'record-from-answer-dual',
    recordingStatusCallback: webhookUrl(config, '/voice/recording', { callId, kind: 'call' }),
    recordingStatusCallbackMethod: 'POST',
    ...(callerId ? { callerId } : {}),
  });
  const legStatus = { statusCallback: webhookUrl(config, '/voice/agent-leg', { callId, agentId: agent.id }), statusCallbackEvent: ['answered', 'completed'] as never, statusCallbackMethod: 'POST' as const };
  dial.client(legStatus, agentIdentity(agent.id));
  if (agent.phone) dial.number(legStatus, agent.phone);
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
