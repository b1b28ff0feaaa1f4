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
  close(): Promise<void>;
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

export async function startTwilioApiServer(opts: { accountSid: string; authToken: string }): Promise<TwilioApiServer> {
  const requests: RecordedRequest[] = [];
  const scripted: Scripted[] = [];
  const files = new Map<string, { contentType: string; body: Buffer }>();
  const callStatus = new Map<string, { status: string; duration?: number }>();
  const messages: Record<string, unknown>[] = [];
  let dropAnswers = 0;

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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
