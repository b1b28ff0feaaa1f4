// What every part of the widget shares: the page's settings (the script tag's data attributes), the state of the
// conversation, the elements of the panel, and the parts' entry points (wired once in main.ts).
import type { Socket } from 'socket.io-client';
import type { VisitorClientEvents, VisitorServerEvents } from '../../server/src/contracts/visitor';
import { strings, type Strings } from './i18n.js';
import type { hubApi, QueueStatus, VisitorMessage } from './api.js';
import type { Shell } from './shell.js';

export type View = 'prechat' | 'offline' | 'offline-done' | 'chat' | 'end-confirm' | 'rating' | 'thanks';

export interface WidgetConfig {
  hub: string;
  lang: 'en' | 'fa';
  prechat: 'optional' | 'required' | 'off';
  title: string | undefined;
  colour: string;
  t: Strings;
  /** where the visitor token is kept between visits (one per hub) */
  storageKey: string;
}

/** <script src="https://hub.example/widget.js" data-lang="fa" data-prechat="optional" data-title data-color data-hub async> */
export function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const hub = (data.hub ?? (script?.src ? new URL(script.src).origin : location.origin)).replace(/\/$/, '');
  const lang = data.lang === 'fa' ? 'fa' : 'en';
  return {
    hub,
    lang,
    prechat: (data.prechat ?? 'optional') as WidgetConfig['prechat'],
    title: data.title,
    colour: data.color ?? '#0b5fff',
    t: strings[lang],
    storageKey: `contact-hub:visitor:${hub}`,
  };
}

export interface WidgetState {
  token: string | null;
  view: View;
  messages: VisitorMessage[];
  socket: Socket<VisitorServerEvents, VisitorClientEvents> | null;
  maxBytes: number;
  /** the agent has read the visitor's messages up to this id */
  readUpTo: number;
  /** the agent's messages the visitor has been told read up to this id */
  readSent: number;
  agentTyping: string | null | false;
  queue: QueueStatus | null;
  queueTimer: number | undefined;
  rating: number;
  transcriptNote: string;
  notes: string[];
  offlineReason: string;
  offlineRef: number;
  /** the panel has been opened once (status and conversation fetched) */
  loaded: boolean;
}

export function initialState(cfg: WidgetConfig): WidgetState {
  return {
    token: localStorage.getItem(cfg.storageKey),
    view: 'chat',
    messages: [],
    socket: null,
    maxBytes: 5 * 1024 * 1024,
    readUpTo: 0,
    readSent: 0,
    agentTyping: false,
    queue: null,
    queueTimer: undefined,
    rating: 0,
    transcriptNote: '',
    notes: [],
    offlineReason: 'no_agents',
    offlineRef: 0,
    loaded: false,
  };
}

export interface Widget {
  cfg: WidgetConfig;
  s: WidgetState;
  ui: Shell;
  api: ReturnType<typeof hubApi>;
  show(v: View): void;
  renderMessages(): void;
  renderStatus(): void;
  upsert(m: VisitorMessage): void;
  connect(): void;
  pollQueue(): void;
  startVisitor(o: { name?: string; email?: string }): Promise<void>;
  ensureVisitor(): Promise<boolean>;
}
