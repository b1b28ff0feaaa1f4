import type { FastifyInstance } from 'fastify';
import type { StandInParticipant, TwilioApiServer } from './twilio-api-server.js';
import { TWILIO_TEST, find, postTwilio, type XmlNode } from './twilio-signing.js';

/**
 * What Twilio does with a caller's `<Dial><Conference>` TwiML: the conference exists (in the REST stand-in) with
 * the caller in it, and its statusCallback reports the join (the hub then rings the agent in as participants).
 * Answers the conference's SID and the participants the hub created on that join.
 */
export async function callerJoinsConference(app: FastifyInstance, api: TwilioApiServer, twiml: XmlNode, callerSid: string) {
  const conf = find(twiml, 'Conference');
  const conferenceSid = api.conferenceJoined(conf.text, callerSid, conf.attrs.participantLabel);
  const callback = conf.attrs.statusCallback!.slice(TWILIO_TEST.publicUrl.length);
  const r = await postTwilio(app, callback, {
    AccountSid: TWILIO_TEST.accountSid, ConferenceSid: conferenceSid, FriendlyName: conf.text, StatusCallbackEvent: 'participant-join',
    CallSid: callerSid, ParticipantLabel: conf.attrs.participantLabel ?? '', Muted: 'false', Hold: 'false', Coaching: 'false',
    EndConferenceOnExit: 'true', StartConferenceOnEnter: 'false', SequenceNumber: '1', Timestamp: new Date().toUTCString(),
  });
  if (r.statusCode !== 204) throw new Error(`conference-events answered ${r.statusCode}: ${r.body}`);
  return { conferenceSid, conferenceName: conf.text, participants: participantsOf(api, conferenceSid) };
}

/** The conference's participants in the stand-in, by label. */
export function participantsOf(api: TwilioApiServer, conferenceSid: string): Map<string, StandInParticipant> {
  const c = api.conferences.get(conferenceSid);
  return new Map([...(c?.participants.values() ?? [])].map((p) => [p.label ?? p.call_sid, p]));
}
