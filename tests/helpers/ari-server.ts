import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

/**
 * A local stand-in for Asterisk's ARI (http.conf + ari.conf on 127.0.0.1), speaking the documented protocol of
 * rest-api/api-docs: REST under /ari (channels, bridges, playbacks, recordings, snoop) with Basic auth, and the
 * /ari/events?app=… WebSocket sending StasisStart, StasisEnd, ChannelStateChange, ChannelDtmfReceived,
 * ChannelHangupRequest, ChannelDestroyed, PlaybackStarted/Finished and RecordingStarted/Finished as Asterisk does.
 * Like Asterisk, events for an app with no socket connected are lost, and channels stay up while the app is away.
 * Tests play the outside world: a caller dials in (`incomingCall`), an endpoint answers or not (`answer`, `reject`),
 * someone hangs up (`hangup`), presses a key (`dtmf`); `restartAsterisk()` drops every channel and socket.
 */
export interface StandInChannel {
  id: string;
  name: string;
  state: 'Down' | 'Ring' | 'Ringing' | 'Up';
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
  accountcode: string;
  /** not ARI: what the stand-in tracks */
  endpoint: string | null;
  appArgs: string[];
  inStasis: boolean;
  moh: string | null;
  snoopOf: string | null;
  spy?: string;
  whisper?: string;
}

export interface StandInRecording {
  name: string;
  format: string;
  target_uri: string;
  state: 'recording' | 'done';
  startedAt: number;
  duration?: number;
}

export interface AriRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface AriStandIn {
  url: string;
  /** base for ASTERISK_ARI_URL */
  ariUrl: string;
  user: string;
  password: string;
  requests: AriRequest[];
  channels: Map<string, StandInChannel>;
  bridges: Map<string, { id: string; bridge_type: string; bridge_class: string; technology: string; name: string; channels: string[]; moh: boolean }>;
  recordings: Map<string, StandInRecording>;
  stored: Map<string, Buffer>;
  playbacks: Map<string, { id: string; media_uri: string; target_uri: string; state: string; language: string }>;
  /** events sent to the app, oldest first */
  sent: Record<string, unknown>[];
  /** how many event sockets are open for the app */
  sockets(): number;
  /** A call from `from` to `to` reaches Stasis(contact-hub,${EXTEN}). */
  incomingCall(o: { from: string; to: string; name?: string }): StandInChannel;
  /** An originated endpoint answers: the channel comes up and enters the app (StasisStart with its appArgs). */
  answer(channelId: string): void;
  /** An originated endpoint does not answer / is busy: ChannelDestroyed with the ISDN cause. */
  reject(channelId: string, cause?: number): void;
  /** Someone hangs up a channel: ChannelHangupRequest, StasisEnd, ChannelDestroyed; its recordings finish. */
  hangup(channelId: string, cause?: number): void;
  dtmf(channelId: string, digit: string): void;
  /** Channels originated to an endpoint (newest last). */
  originated(endpoint?: string | RegExp): StandInChannel[];
  /** Playbacks finish on their own after this many ms (0 = at once; null = only when told with finishPlayback). */
  playbackMs: number | null;
  finishPlayback(id: string): void;
  /** Asterisk restarts: every channel and bridge is gone, sockets are cut, nothing is sent. */
  restartAsterisk(): void;
  requestsMatching(re: RegExp): AriRequest[];
  close(): Promise<void>;
}

let counter = 0;
const uniqueId = () => `${Math.floor(Date.now() / 1000)}.${++counter}`;

export async function startAriStandIn(opts: { user?: string; password?: string; app?: string } = {}): Promise<AriStandIn> {
  const user = opts.user ?? 'contact-hub';
  const password = opts.password ?? 'ari-secret';
  const requests: AriRequest[] = [];
  const channels = new Map<string, StandInChannel>();
  const bridges: AriStandIn['bridges'] = new Map();
  const recordings = new Map<string, StandInRecording>();
  const stored = new Map<string, Buffer>();
  const playbacks: AriStandIn['playbacks'] = new Map();
  const sent: Record<string, unknown>[] = [];
  const sockets = new Map<WebSocket, string>();

  const view = (c: StandInChannel) => ({
    id: c.id, name: c.name, state: c.state, caller: c.caller, connected: c.connected, accountcode: c.accountcode,
    dialplan: c.dialplan, creationtime: c.creationtime, language: c.language,
  });
  const emit = (app: string, type: string, body: Record<string, unknown>) => {
    const event = { type, application: app, timestamp: new Date().toISOString(), asterisk_id: '00:11:22:33:44:55', ...body };
    let delivered = false;
    for (const [ws, a] of sockets) {
      if (a === app && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify(event));
        delivered = true;
      }
    }
    if (delivered) sent.push(event);
  };
  const APP = opts.app ?? 'contact-hub';

  const newChannel = (o: Partial<StandInChannel> & { id?: string; name: string }): StandInChannel => {
    const c: StandInChannel = {
      id: o.id ?? uniqueId(),
      name: o.name,
      state: o.state ?? 'Down',
      caller: o.caller ?? { name: '', number: '' },
      connected: o.connected ?? { name: '', number: '' },
      dialplan: o.dialplan ?? { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
      creationtime: new Date().toISOString(),
      language: 'en',
      accountcode: '',
      endpoint: o.endpoint ?? null,
      appArgs: o.appArgs ?? [],
      inStasis: false,
      moh: null,
      snoopOf: o.snoopOf ?? null,
      spy: o.spy,
      whisper: o.whisper,
    };
    channels.set(c.id, c);
    return c;
  };

  const finishRecording = (name: string) => {
    const r = recordings.get(name);
    if (!r || r.state !== 'recording') return;
    r.state = 'done';
    r.duration = Math.max(1, Math.round((Date.now() - r.startedAt) / 1000));
    stored.set(name, Buffer.from(`RIFF-stand-in-audio-${name}`));
    emit(APP, 'RecordingFinished', { recording: { name: r.name, format: r.format, target_uri: r.target_uri, state: 'done', duration: r.duration } });
  };

  const leaveBridges = (channelId: string) => {
    for (const b of bridges.values()) b.channels = b.channels.filter((c) => c !== channelId);
  };

  const destroy = (c: StandInChannel, cause: number, hangupRequest: boolean) => {
    if (!channels.has(c.id)) return;
    if (hangupRequest) emit(APP, 'ChannelHangupRequest', { cause, channel: view(c) });
    for (const r of recordings.values()) if (r.target_uri === `channel:${c.id}`) finishRecording(r.name);
    for (const p of [...playbacks.values()]) if (p.target_uri === `channel:${c.id}`) playbacks.delete(p.id);
    leaveBridges(c.id);
    if (c.inStasis) emit(APP, 'StasisEnd', { channel: view(c) });
    channels.delete(c.id);
    emit(APP, 'ChannelDestroyed', { cause, cause_txt: cause === 16 ? 'Normal Clearing' : 'Other', channel: view(c) });
    // a snoop dies with the channel it spies on
    for (const s of [...channels.values()]) if (s.snoopOf === c.id) destroy(s, 16, false);
  };

  const enterStasis = (c: StandInChannel, args: string[]) => {
    c.inStasis = true;
    emit(APP, 'StasisStart', { args, channel: view(c) });
  };

  const standIn: Omit<AriStandIn, 'url' | 'ariUrl' | 'close'> & { playbackMs: number | null } = {
    user,
    password,
    requests,
    channels,
    bridges,
    recordings,
    stored,
    playbacks,
    sent,
    playbackMs: 5,
    sockets: () => [...sockets.values()].filter((a) => a === APP).length,
    incomingCall(o) {
      const c = newChannel({
        name: `PJSIP/trunk-${String(counter + 1).padStart(8, '0')}`,
        state: 'Ring',
        caller: { name: o.name ?? '', number: o.from },
        dialplan: { context: 'from-trunk', exten: o.to, priority: 2, app_name: 'Stasis', app_data: `${APP},${o.to}` },
      });
      enterStasis(c, [o.to]);
      return c;
    },
    answer(id) {
      const c = channels.get(id);
      if (!c) throw new Error(`no channel ${id}`);
      c.state = 'Up';
      emit(APP, 'ChannelStateChange', { channel: view(c) });
      enterStasis(c, c.appArgs);
    },
    reject(id, cause = 19) {
      const c = channels.get(id);
      if (c) destroy(c, cause, false);
    },
    hangup(id, cause = 16) {
      const c = channels.get(id);
      if (c) destroy(c, cause, true);
    },
    dtmf(id, digit) {
      const c = channels.get(id);
      if (c) emit(APP, 'ChannelDtmfReceived', { digit, duration_ms: 120, channel: view(c) });
    },
    originated(endpoint) {
      return [...channels.values()].filter(
        (c) => c.endpoint && (!endpoint || (typeof endpoint === 'string' ? c.endpoint === endpoint : endpoint.test(c.endpoint))),
      );
    },
    finishPlayback(id) {
      const p = playbacks.get(id);
      if (!p) return;
      playbacks.delete(id);
      emit(APP, 'PlaybackFinished', { playback: { ...p, state: 'done' } });
    },
    restartAsterisk() {
      channels.clear();
      bridges.clear();
      playbacks.clear();
      for (const r of recordings.values()) r.state = 'done';
      for (const ws of sockets.keys()) ws.terminate();
      sockets.clear();
    },
    requestsMatching(re) {
      return requests.filter((r) => re.test(`${r.method} ${r.path}`));
    },
  };

  const json = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const authOk = (req: http.IncomingMessage, url: URL) => {
    const h = req.headers.authorization;
    if (h?.startsWith('Basic ')) return Buffer.from(h.slice(6), 'base64').toString() === `${user}:${password}`;
    return url.searchParams.get('api_key') === `${user}:${password}`;
  };

  const route = (method: string, path: string, q: URLSearchParams, body: Record<string, unknown> | undefined, res: http.ServerResponse) => {
    const seg = path.replace(/^\/ari\/?/, '').split('/').map(decodeURIComponent);
    const ch = (id: string) => channels.get(id);
    const notFound = (what: string) => json(res, 404, { message: `${what} not found` });
    // channels
    if (seg[0] === 'channels') {
      if (seg.length === 1 && method === 'GET') return json(res, 200, [...channels.values()].map(view));
      if (seg.length === 1 && method === 'POST') {
        const endpoint = q.get('endpoint');
        if (!endpoint) return json(res, 400, { message: 'Endpoint must be specified' });
        const app = q.get('app');
        const id = q.get('channelId') ?? uniqueId();
        if (channels.has(id)) return json(res, 409, { message: 'Channel with given unique ID already exists' });
        const c = newChannel({
          id,
          name: `${endpoint}-${String(++counter).padStart(8, '0')}`,
          caller: { name: '', number: q.get('callerId') ?? '' },
          endpoint,
          appArgs: app ? (q.get('appArgs') ?? '').split(',').filter((x) => x !== '') : [],
        });
        return json(res, 200, view(c));
      }
      const c = ch(seg[1]!);
      if (!c) return notFound('Channel');
      if (seg.length === 2 && method === 'GET') return json(res, 200, view(c));
      if (seg.length === 2 && method === 'DELETE') {
        destroy(c, 16, true);
        return json(res, 204);
      }
      if (!c.inStasis) return json(res, 422, { message: 'Channel not in Stasis application' });
      const op = seg[2];
      if (op === 'answer' && method === 'POST') {
        c.state = 'Up';
        emit(APP, 'ChannelStateChange', { channel: view(c) });
        return json(res, 204);
      }
      if (op === 'ring' && method === 'POST') return json(res, 204);
      if (op === 'moh') {
        c.moh = method === 'POST' ? (q.get('mohClass') ?? 'default') : null;
        return json(res, 204);
      }
      if (op === 'play' && method === 'POST') {
        const id = seg[3] ?? q.get('playbackId') ?? uniqueId();
        const media = q.get('media');
        if (!media) return json(res, 400, { message: 'media is required' });
        const p = { id, media_uri: media, target_uri: `channel:${c.id}`, state: 'playing', language: q.get('lang') ?? c.language };
        playbacks.set(id, p);
        emit(APP, 'PlaybackStarted', { playback: p });
        if (standIn.playbackMs !== null) setTimeout(() => standIn.finishPlayback(id), standIn.playbackMs);
        return json(res, 201, p);
      }
      if (op === 'record' && method === 'POST') {
        const name = q.get('name');
        const format = q.get('format');
        if (!name || !format) return json(res, 400, { message: 'name and format are required' });
        if (recordings.get(name)?.state === 'recording') return json(res, 409, { message: 'Recording is already in progress' });
        const r: StandInRecording = { name, format, target_uri: `channel:${c.id}`, state: 'recording', startedAt: Date.now() };
        recordings.set(name, r);
        emit(APP, 'RecordingStarted', { recording: { name, format, target_uri: r.target_uri, state: 'recording' } });
        return json(res, 201, { name, format, target_uri: r.target_uri, state: 'queued' });
      }
      if (op === 'snoop' && method === 'POST') {
        const app = q.get('app');
        if (!app) return json(res, 400, { message: 'app is required' });
        const spy = q.get('spy') ?? 'none';
        const whisper = q.get('whisper') ?? 'none';
        if (spy === 'none' && whisper === 'none') return json(res, 400, { message: 'Direction of spying or whispering required' });
        const s = newChannel({ id: seg[3] ?? q.get('snoopId') ?? uniqueId(), name: `Snoop/${c.id}-${String(++counter).padStart(8, '0')}`, state: 'Up', snoopOf: c.id, spy, whisper });
        enterStasis(s, (q.get('appArgs') ?? '').split(',').filter((x) => x !== ''));
        return json(res, 200, view(s));
      }
      return json(res, 404, { message: 'Resource not found' });
    }
    // bridges
    if (seg[0] === 'bridges') {
      if (seg.length === 1 && method === 'GET') return json(res, 200, [...bridges.values()].map(({ moh: _m, ...b }) => b));
      if (seg.length === 1 && method === 'POST') seg[1] = q.get('bridgeId') ?? uniqueId();
      const id = seg[1]!;
      if (seg.length <= 2 && method === 'POST') {
        const b = bridges.get(id) ?? { id, bridge_type: 'mixing', bridge_class: 'stasis', technology: 'simple_bridge', name: q.get('name') ?? '', channels: [], moh: false };
        bridges.set(id, b);
        const { moh: _m, ...v } = b;
        return json(res, 200, v);
      }
      const b = bridges.get(id);
      if (!b) return notFound('Bridge');
      if (seg.length === 2 && method === 'GET') {
        const { moh: _m, ...v } = b;
        return json(res, 200, v);
      }
      if (seg.length === 2 && method === 'DELETE') {
        for (const r of recordings.values()) if (r.target_uri === `bridge:${id}`) finishRecording(r.name);
        bridges.delete(id);
        return json(res, 204);
      }
      const op = seg[2];
      const list = (q.get('channel') ?? '').split(',').filter(Boolean);
      if (op === 'addChannel' && method === 'POST') {
        if (!list.length) return json(res, 400, { message: 'channel is required' });
        for (const c of list) if (!channels.get(c)?.inStasis) return json(res, 422, { message: `Channel ${c} not in Stasis application` });
        for (const c of list) {
          if (b.channels.includes(c)) return json(res, 409, { message: 'Channel is already in a bridge' });
        }
        for (const c of list) {
          leaveBridges(c);
          b.channels.push(c);
        }
        return json(res, 204);
      }
      if (op === 'removeChannel' && method === 'POST') {
        for (const c of list) if (!b.channels.includes(c)) return json(res, 422, { message: 'Channel not in this bridge' });
        b.channels = b.channels.filter((c) => !list.includes(c));
        return json(res, 204);
      }
      if (op === 'moh') {
        b.moh = method === 'POST';
        return json(res, 204);
      }
      if (op === 'record' && method === 'POST') {
        const name = q.get('name');
        const format = q.get('format');
        if (!name || !format) return json(res, 400, { message: 'name and format are required' });
        if (recordings.get(name)?.state === 'recording') return json(res, 409, { message: 'Recording is already in progress' });
        const r: StandInRecording = { name, format, target_uri: `bridge:${id}`, state: 'recording', startedAt: Date.now() };
        recordings.set(name, r);
        emit(APP, 'RecordingStarted', { recording: { name, format, target_uri: r.target_uri, state: 'recording' } });
        return json(res, 201, { name, format, target_uri: r.target_uri, state: 'queued' });
      }
      return json(res, 404, { message: 'Resource not found' });
    }
    if (seg[0] === 'playbacks' && seg[1]) {
      const p = playbacks.get(seg[1]);
      if (!p) return notFound('Playback');
      if (method === 'GET') return json(res, 200, p);
      if (method === 'DELETE') {
        standIn.finishPlayback(p.id);
        return json(res, 204);
      }
    }
    if (seg[0] === 'recordings' && seg[1] === 'live' && seg[2]) {
      const r = recordings.get(seg[2]);
      if (!r || r.state !== 'recording') return notFound('Recording');
      if (seg[3] === 'stop' && method === 'POST') {
        finishRecording(r.name);
        return json(res, 204);
      }
      if (method === 'GET') return json(res, 200, { name: r.name, format: r.format, target_uri: r.target_uri, state: r.state });
    }
    if (seg[0] === 'recordings' && seg[1] === 'stored' && seg[2]) {
      const data = stored.get(seg[2]);
      if (!data) return notFound('Recording');
      if (seg[3] === 'file' && method === 'GET') {
        res.writeHead(200, { 'content-type': 'audio/wav' });
        return res.end(data);
      }
      if (!seg[3] && method === 'GET') return json(res, 200, { name: seg[2], format: 'wav' });
    }
    return json(res, 404, { message: 'Resource not found' });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!authOk(req, url)) return json(res, 401, { message: 'Authentication required' });
      const raw = Buffer.concat(chunks).toString();
      let body: Record<string, unknown> | undefined;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      } catch {
        return json(res, 400, { message: 'body is not JSON' });
      }
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
      route(req.method ?? 'GET', url.pathname, url.searchParams, body, res);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/ari/events' || !authOk(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
      return;
    }
    const app = url.searchParams.get('app');
    if (!app) {
      socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(ws, app);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return Object.assign(standIn, {
    url,
    ariUrl: `${url}/ari`,
    async close() {
      for (const ws of sockets.keys()) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  }) as AriStandIn;
}
