/**
 * A small typed client of the Asterisk REST Interface (ARI): the REST resources the voice channel uses and the
 * event types it handles, as documented in Asterisk's rest-api/api-docs (channels, bridges, playbacks, recordings,
 * events). Plain fetch with basic auth; the event socket is in events.ts.
 */

export interface AriCallerId {
  name: string;
  number: string;
}

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller: AriCallerId;
  connected: AriCallerId;
  accountcode?: string;
  dialplan?: { context: string; exten: string; priority: number; app_name?: string; app_data?: string };
  creationtime?: string;
  language?: string;
  channelvars?: Record<string, string>;
}

export interface AriBridge {
  id: string;
  technology?: string;
  bridge_type: string;
  bridge_class?: string;
  channels: string[];
}

export interface AriPlayback {
  id: string;
  media_uri: string;
  target_uri: string;
  state: string;
  language?: string;
}

export interface AriLiveRecording {
  name: string;
  format: string;
  target_uri: string;
  state: string;
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
  cause?: string;
}

interface EventBase {
  application: string;
  timestamp?: string;
  asterisk_id?: string;
}

export type AriEvent =
  | (EventBase & { type: 'StasisStart'; args: string[]; channel: AriChannel; replace_channel?: AriChannel })
  | (EventBase & { type: 'StasisEnd'; channel: AriChannel })
  | (EventBase & { type: 'ChannelStateChange'; channel: AriChannel })
  | (EventBase & { type: 'ChannelDtmfReceived'; digit: string; duration_ms: number; channel: AriChannel })
  | (EventBase & { type: 'ChannelHangupRequest'; cause?: number; soft?: boolean; channel: AriChannel })
  | (EventBase & { type: 'ChannelDestroyed'; cause: number; cause_txt: string; channel: AriChannel })
  | (EventBase & { type: 'PlaybackStarted' | 'PlaybackFinished'; playback: AriPlayback })
  | (EventBase & { type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed'; recording: AriLiveRecording })
  | (EventBase & { type: string; [k: string]: unknown });

/** A non-2xx answer of ARI; `status` 404 means the channel/bridge/playback is gone (a hung-up caller). */
export class AriError extends Error {
  constructor(
    public readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'AriError';
  }
}

export const isGone = (err: unknown): boolean => err instanceof AriError && (err.status === 404 || err.status === 422);
/** Worth retrying: ARI unreachable or 5xx. */
export const isRetryableAri = (err: unknown): boolean => !(err instanceof AriError) || err.status === null || err.status >= 500;

type Query = Record<string, string | number | boolean | undefined>;

export interface AriSettings {
  ariUrl: string;
  username: string;
  password: string;
  app: string;
}

export class AriClient {
  constructor(private readonly s: AriSettings) {}

  get app(): string {
    return this.s.app;
  }

  /** The event socket's URL (ws/wss), subscribed to the application. */
  eventsUrl(): string {
    const u = new URL(`${this.s.ariUrl}/events`);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('app', this.s.app);
    return u.toString();
  }

  authHeader(): string {
    return `Basic ${Buffer.from(`${this.s.username}:${this.s.password}`).toString('base64')}`;
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, query: Query = {}, body?: unknown): Promise<T> {
    const u = new URL(`${this.s.ariUrl}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(u, {
        method,
        headers: { authorization: this.authHeader(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new AriError(null, `ARI ${method} ${path} unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      // ARI answers errors as JSON {message}; anything else is kept as it came
      const msg = errorMessageOf(text);
      throw new AriError(res.status, `ARI ${method} ${path} → ${res.status}: ${msg}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // channels
  listChannels = () => this.request<AriChannel[]>('GET', '/channels');
  getChannel = (id: string) => this.request<AriChannel>('GET', `/channels/${encodeURIComponent(id)}`);
  answer = (id: string) => this.request<void>('POST', `/channels/${encodeURIComponent(id)}/answer`);
  hangup = (id: string, reason = 'normal') => this.request<void>('DELETE', `/channels/${encodeURIComponent(id)}`, { reason });
  startMoh = (id: string, mohClass: string) => this.request<void>('POST', `/channels/${encodeURIComponent(id)}/moh`, { mohClass });
  stopMoh = (id: string) => this.request<void>('DELETE', `/channels/${encodeURIComponent(id)}/moh`);
  ring = (id: string) => this.request<void>('POST', `/channels/${encodeURIComponent(id)}/ring`);
  play = (channelId: string, playbackId: string, media: string[], lang?: string) =>
    this.request<AriPlayback>('POST', `/channels/${encodeURIComponent(channelId)}/play/${encodeURIComponent(playbackId)}`, { media: media.join(','), lang });
  recordChannel = (id: string, o: { name: string; format: string; maxDurationSeconds?: number; maxSilenceSeconds?: number; beep?: boolean; terminateOn?: string; ifExists?: string }) =>
    this.request<AriLiveRecording>('POST', `/channels/${encodeURIComponent(id)}/record`, o);
  originate = (o: { endpoint: string; channelId: string; appArgs: string; callerId?: string; timeout?: number; variables?: Record<string, string> }) =>
    this.request<AriChannel>(
      'POST',
      '/channels',
      { endpoint: o.endpoint, app: this.s.app, appArgs: o.appArgs, callerId: o.callerId, timeout: o.timeout, channelId: o.channelId },
      o.variables ? { variables: o.variables } : undefined,
    );
  snoop = (id: string, o: { snoopId: string; spy: 'none' | 'both' | 'out' | 'in'; whisper: 'none' | 'both' | 'out' | 'in'; appArgs: string }) =>
    this.request<AriChannel>('POST', `/channels/${encodeURIComponent(id)}/snoop/${encodeURIComponent(o.snoopId)}`, { app: this.s.app, appArgs: o.appArgs, spy: o.spy, whisper: o.whisper });

  // bridges
  createBridge = (id: string, name: string) => this.request<AriBridge>('POST', `/bridges/${encodeURIComponent(id)}`, { type: 'mixing', name });
  getBridge = (id: string) => this.request<AriBridge>('GET', `/bridges/${encodeURIComponent(id)}`);
  listBridges = () => this.request<AriBridge[]>('GET', '/bridges');
  destroyBridge = (id: string) => this.request<void>('DELETE', `/bridges/${encodeURIComponent(id)}`);
  addToBridge = (id: string, channels: string[]) => this.request<void>('POST', `/bridges/${encodeURIComponent(id)}/addChannel`, { channel: channels.join(',') });
  removeFromBridge = (id: string, channels: string[]) => this.request<void>('POST', `/bridges/${encodeURIComponent(id)}/removeChannel`, { channel: channels.join(',') });
  recordBridge = (id: string, o: { name: string; format: string; ifExists?: string }) =>
    this.request<AriLiveRecording>('POST', `/bridges/${encodeURIComponent(id)}/record`, o);

  // playbacks and recordings
  stopPlayback = (id: string) => this.request<void>('DELETE', `/playbacks/${encodeURIComponent(id)}`);
  stopRecording = (name: string) => this.request<void>('POST', `/recordings/live/${encodeURIComponent(name)}/stop`);

  /** The stored recording's audio (GET /recordings/stored/{name}/file). */
  async recordingFile(name: string): Promise<{ contentType: string; body: Buffer }> {
    const u = `${this.s.ariUrl}/recordings/stored/${encodeURIComponent(name)}/file`;
    const res = await fetch(u, { headers: { authorization: this.authHeader() }, signal: AbortSignal.timeout(30_000) }).catch((err: Error) => {
      throw new AriError(null, `ARI recording file unreachable: ${err.message}`);
    });
    if (!res.ok) throw new AriError(res.status, `ARI answered HTTP ${res.status} for recording ${name}`);
    return { contentType: res.headers.get('content-type') ?? 'audio/wav', body: Buffer.from(await res.arrayBuffer()) };
  }
}

function errorMessageOf(text: string): string {
  if (!text.trimStart().startsWith('{')) return text;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : text;
  } catch (err) {
    return `${text} (not JSON: ${(err as Error).message})`;
  }
}
