import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP stand-in for the Twilio REST API (api.twilio.com): the real `twilio` client is pointed at it with
 * TWILIO_API_BASE_URL. It checks Basic auth like Twilio does, records every request with its decoded form body,
 * answers with Twilio-shaped JSON, serves media/recording files, and can be told to fail the next requests.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: Record<string, string | string[]>;
  auth: { user: string; pass: string } | null;
}

interface Scripted {
  match: RegExp;
  status: number;
  body: Record<string, unknown>;
}

export interface TwilioApiServer {
  url: string;
  requests: RecordedRequest[];
  /** The next requests whose "METHOD path" matches get these answers, in order (then normal service resumes). */
  failNext(match: RegExp, ...answers: { status: number; code?: number; message?: string }[]): void;
  /** Serve bytes at a path (MMS media, recordings). */
  serve(path: string, contentType: string, body: Buffer): void;
  /** What GET Calls/{sid}.json answers (default: in-progress). */
  setCallStatus(callSid: string, status: string, durationSeconds?: number): void;
  /** Every message the stand-in accepted (POST Messages.json), oldest first; GET Messages.json lists them like Twilio. */
  messages: Record<string, unknown>[];
  /** A message sent before the test (e.g. an older one with the same To, From and body), as Twilio lists it. */
  addSentMessage(m: { to: string; from: string; body: string; createdAt: Date; sentAt: Date }): string;
  /** Twilio sent a message it had queued: status `sent` and a date_sent (default now). */
  markSent(sid: string, at?: Date): void;
  /**
   * The next `n` accepted messages are stored but the connection is cut before the answer (the
   * client sees a network error): a provider that took a message whose acceptance never reached us.
   */
  dropAnswers(n: number): void;
  /** Requests whose "METHOD path" matches. */
  find(match: RegExp): RecordedRequest[];
  /**
   * Conferences (Twilio's Conferences and Participants resources, as documented for API version 2010-04-01): those a
   * `<Dial><Conference>` made (`conferenceJoined`, which TwiML would do: the stand-in runs no TwiML) and those made by
   * adding a participant by friendly name. Participants keep the flags Twilio keeps (muted, coaching, …).
   */
  conferences: Map<string, StandInConference>;
  /** A caller's `<Dial><Conference>` joined (or made) the conference of that name: answers its SID. */
  conferenceJoined(friendlyName: string, callSid: string, label?: string): string;
  close(): Promise<void>;
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

export interface StandInParticipant {
  call_sid: string;
  label: string | null;
  muted: boolean;
  hold: boolean;
  coaching: boolean;
  call_sid_to_coach: string | null;
  start_conference_on_enter: boolean;
  end_conference_on_exit: boolean;
  status: 'queued' | 'connecting' | 'ringing' | 'connected' | 'complete' | 'failed';
  to?: string;
  from?: string;
}

export interface StandInConference {
  sid: string;
  friendly_name: string;
  status: 'init' | 'in-progress' | 'completed';
  participants: Map<string, StandInParticipant>;
}

const bool = (v: string | string[] | undefined, dflt: boolean) => (v === undefined ? dflt : String(v) === 'true');

export async function startTwilioApiServer(opts: { accountSid: string; authToken: string }): Promise<TwilioApiServer> {
  const requests: RecordedRequest[] = [];
  const scripted: Scripted[] = [];
  const files = new Map<string, { contentType: string; body: Buffer }>();
  const callStatus = new Map<string, { status: string; duration?: number }>();
  const messages: Record<string, unknown>[] = [];
  let dropAnswers = 0;
  const conferences = new Map<string, StandInConference>();
  const conferenceBySidOrName = (ref: string) =>
    conferences.get(ref) ?? [...conferences.values()].find((c) => c.friendly_name === ref && c.status !== 'completed');
  const newConference = (friendlyName: string): StandInConference => {
    const c: StandInConference = { sid: sid('CF'), friendly_name: friendlyName, status: 'init', participants: new Map() };
    conferences.set(c.sid, c);
    return c;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stand-in');
      const raw = Buffer.concat(chunks).toString('utf8');
      const form: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(raw)) {
        const prev = form[k];
        form[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const h = req.headers.authorization;
      let auth: RecordedRequest['auth'] = null;
      if (h?.startsWith('Basic ')) {
        const [user, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
        auth = { user: user!, pass: rest.join(':') };
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, form, auth };
      requests.push(rec);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!auth || auth.user !== opts.accountSid || auth.pass !== opts.authToken) {
        return json(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      }
      const line = `${rec.method} ${rec.path}`;
      const i = scripted.findIndex((s) => s.match.test(line));
      if (i >= 0) {
        const s = scripted.splice(i, 1)[0]!;
        return json(s.status, s.body);
      }
      const file = files.get(rec.path);
      if (file && rec.method === 'GET') {
        res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length });
        return res.end(file.body);
      }
      const base = `/2010-04-01/Accounts/${opts.accountSid}`;
      const now = new Date().toUTCString();
      if (rec.method === 'POST' && rec.path === `${base}/Messages.json`) {
        if (!form.To || !form.From || (!form.Body && !form.MediaUrl)) return json(400, { code: 21602, message: 'Message body is required.', status: 400 });
        const m = {
          sid: sid('SM'), account_sid: opts.accountSid, to: form.To, from: form.From, body: form.Body ?? '', status: 'queued',
          num_segments: '1', direction: 'outbound-api', date_created: now, date_updated: now, date_sent: null, uri: `${base}/Messages/x.json`,
        };
        messages.push(m);
        if (dropAnswers > 0) {
          dropAnswers--;
          return req.socket.destroy();
        }
        return json(201, m);
      }
      if (rec.method === 'GET' && rec.path === `${base}/Messages.json`) {
        // Twilio's documented filters: To, From, DateSent (a GMT day, or DateSent< / DateSent> bounds: on or before / on or
        // after midnight of that day; the client sends a full timestamp, of which the day counts); newest first.
        // A message not sent yet (queued, sending) has no date_sent, so any DateSent filter leaves it out.
        const q = u.searchParams;
        const day = (v: string) => v.slice(0, 10);
        const sentDay = (m: Record<string, unknown>) => (m.date_sent ? new Date(String(m.date_sent)).toISOString().slice(0, 10) : null);
        const list = messages
          .filter((m) => (!q.get('To') || m.to === q.get('To')) && (!q.get('From') || m.from === q.get('From')))
          .filter((m) => !q.get('DateSent') || sentDay(m) === day(q.get('DateSent')!))
          .filter((m) => !q.get('DateSent>') || (sentDay(m) !== null && sentDay(m)! >= day(q.get('DateSent>')!)))
          .filter((m) => !q.get('DateSent<') || (sentDay(m) !== null && sentDay(m)! <= day(q.get('DateSent<')!)))
          .reverse();
        const size = Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000);
        return json(200, {
          messages: list.slice(0, size), page: 0, page_size: size, start: 0, end: Math.min(size, list.length) - 1,
          first_page_uri: `${base}/Messages.json?PageSize=${size}&Page=0`, next_page_uri: null, previous_page_uri: null, uri: `${base}/Messages.json`,
        });
      }
      if (rec.method === 'POST' && rec.path === `${base}/Calls.json`) {
        return json(201, { sid: sid('CA'), account_sid: opts.accountSid, to: form.To, from: form.From, status: 'queued', direction: 'outbound-api', date_created: now });
      }
      const conferenceJson = (c: StandInConference) => ({
        sid: c.sid, account_sid: opts.accountSid, friendly_name: c.friendly_name, status: c.status, date_created: now, date_updated: now,
        uri: `${base}/Conferences/${c.sid}.json`, subresource_uris: { participants: `${base}/Conferences/${c.sid}/Participants.json` },
      });
      const participantJson = (c: StandInConference, p: StandInParticipant) => ({
        account_sid: opts.accountSid, conference_sid: c.sid, call_sid: p.call_sid, label: p.label, muted: p.muted, hold: p.hold,
        coaching: p.coaching, call_sid_to_coach: p.call_sid_to_coach, start_conference_on_enter: p.start_conference_on_enter,
        end_conference_on_exit: p.end_conference_on_exit, status: p.status, date_created: now, date_updated: now,
        uri: `${base}/Conferences/${c.sid}/Participants/${p.call_sid}.json`,
      });
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
      if (rec.method === 'GET' && rec.path === `${base}/Conferences.json`) {
        // documented filters: FriendlyName, Status (init, in-progress, completed)
        const q = u.searchParams;
        const list = [...conferences.values()].filter((c) => (!q.get('FriendlyName') || c.friendly_name === q.get('FriendlyName')) && (!q.get('Status') || c.status === q.get('Status')));
        return json(200, { conferences: list.map(conferenceJson), page: 0, page_size: 50, start: 0, end: list.length - 1, next_page_uri: null, previous_page_uri: null, uri: `${base}/Conferences.json` });
      }
      const conf = new RegExp(`^${base}/Conferences/([^/]+)\\.json$`).exec(rec.path);
      if (conf) {
        const c = conferences.get(decodeURIComponent(conf[1]!));
        if (!c) return json(404, { code: 20404, message: `The requested resource ${rec.path} was not found`, status: 404 });
        if (rec.method === 'POST' && one(form.Status) === 'completed') c.status = 'completed';
        return json(200, conferenceJson(c));
      }
      const parts = new RegExp(`^${base}/Conferences/([^/]+)/Participants\\.json$`).exec(rec.path);
      if (parts) {
        const ref = decodeURIComponent(parts[1]!);
        if (rec.method === 'GET') {
          const c = conferences.get(ref);
          const list = c ? [...c.participants.values()].filter((p) => p.status !== 'complete').map((p) => participantJson(c, p)) : [];
          return json(200, { participants: list, page: 0, page_size: 50, start: 0, end: list.length - 1, next_page_uri: null, previous_page_uri: null, uri: rec.path });
        }
        if (rec.method === 'POST') {
          if (!form.From || !form.To) return json(400, { code: 21604, message: 'A \'To\' and a \'From\' are required.', status: 400 });
          // adding by friendly name makes the conference when there is none (Twilio's documented behaviour); by SID it must exist
          const c = conferenceBySidOrName(ref) ?? (/^CF[0-9a-f]{32}$/.test(ref) ? undefined : newConference(ref));
          if (!c || c.status === 'completed') return json(404, { code: 20404, message: `The requested resource ${rec.path} was not found`, status: 404 });
          const coaching = bool(form.Coaching, false);
          const toCoach = one(form.CallSidToCoach) ?? null;
          if (coaching && (!toCoach || !c.participants.has(toCoach))) return json(400, { code: 16025, message: 'CallSidToCoach must be a participant of the conference when Coaching is true', status: 400 });
          const label = one(form.Label) ?? null;
          if (label && [...c.participants.values()].some((p) => p.label === label && p.status !== 'complete')) return json(400, { code: 16019, message: 'Participant label already in use', status: 400 });
          const p: StandInParticipant = {
            call_sid: sid('CA'), label, muted: bool(form.Muted, false), hold: false, coaching, call_sid_to_coach: toCoach,
            start_conference_on_enter: bool(form.StartConferenceOnEnter, true), end_conference_on_exit: bool(form.EndConferenceOnExit, false),
            status: 'queued', to: one(form.To), from: one(form.From),
          };
          c.participants.set(p.call_sid, p);
          return json(201, participantJson(c, p));
        }
      }
      const part = new RegExp(`^${base}/Conferences/([^/]+)/Participants/([^/]+)\\.json$`).exec(rec.path);
      if (part) {
        const c = conferences.get(decodeURIComponent(part[1]!));
        const p = c?.participants.get(decodeURIComponent(part[2]!));
        if (!c || !p || p.status === 'complete') return json(404, { code: 20404, message: `The requested resource ${rec.path} was not found`, status: 404 });
        if (rec.method === 'DELETE') {
          p.status = 'complete';
          res.writeHead(204);
          return res.end();
        }
        if (rec.method === 'POST') {
          const coaching = bool(form.Coaching, p.coaching);
          const toCoach = one(form.CallSidToCoach) ?? p.call_sid_to_coach;
          if (coaching && (!toCoach || !c.participants.has(toCoach))) return json(400, { code: 16025, message: 'CallSidToCoach must be a participant of the conference when Coaching is true', status: 400 });
          Object.assign(p, {
            muted: bool(form.Muted, p.muted), hold: bool(form.Hold, p.hold), coaching, call_sid_to_coach: coaching ? toCoach : null,
            end_conference_on_exit: bool(form.EndConferenceOnExit, p.end_conference_on_exit),
          });
        }
        return json(200, participantJson(c, p));
      }
      const update = new RegExp(`^${base}/Calls/(CA[0-9a-f]{32})\\.json$`).exec(rec.path);
      if (rec.method === 'GET' && update) {
        const st = callStatus.get(update[1]!) ?? { status: 'in-progress' };
        return json(200, { sid: update[1], account_sid: opts.accountSid, status: st.status, duration: st.duration != null ? String(st.duration) : null, date_updated: now });
      }
      if (rec.method === 'POST' && update) {
        return json(200, { sid: update[1], account_sid: opts.accountSid, status: 'in-progress', date_updated: now });
      }
      return json(404, { code: 20404, message: `The requested resource ${rec.path} was not found`, status: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    addSentMessage(m) {
      const base = `/2010-04-01/Accounts/${opts.accountSid}`;
      const s = sid('SM');
      messages.unshift({
        sid: s, account_sid: opts.accountSid, to: m.to, from: m.from, body: m.body, status: 'delivered', num_segments: '1', direction: 'outbound-api',
        date_created: m.createdAt.toUTCString(), date_updated: m.sentAt.toUTCString(), date_sent: m.sentAt.toUTCString(), uri: `${base}/Messages/${s}.json`,
      });
      return s;
    },
    markSent(s, at = new Date()) {
      const m = messages.find((x) => x.sid === s);
      if (!m) throw new Error(`no message ${s}`);
      Object.assign(m, { status: 'sent', date_sent: at.toUTCString(), date_updated: at.toUTCString() });
    },
    dropAnswers(n) {
      dropAnswers = n;
    },
    failNext(match, ...answers) {
      for (const a of answers) {
        scripted.push({ match, status: a.status, body: { code: a.code ?? a.status * 100, message: a.message ?? `simulated HTTP ${a.status}`, status: a.status } });
      }
    },
    serve(path, contentType, body) {
      files.set(path, { contentType, body });
    },
    setCallStatus(callSid, status, durationSeconds) {
      callStatus.set(callSid, { status, duration: durationSeconds });
    },
    find: (match) => requests.filter((r) => match.test(`${r.method} ${r.path}`)),
    conferences,
    conferenceJoined(friendlyName, callSid, label) {
      const c = conferenceBySidOrName(friendlyName) ?? newConference(friendlyName);
      c.participants.set(callSid, {
        call_sid: callSid, label: label ?? null, muted: false, hold: false, coaching: false, call_sid_to_coach: null,
        start_conference_on_enter: false, end_conference_on_exit: true, status: 'connected',
      });
      return c.sid;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
