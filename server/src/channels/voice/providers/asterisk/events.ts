import WebSocket from 'ws';
import type { Log } from '../../../../lib/log.js';
import type { AriClient, AriEvent } from './ari.js';

/**
 * The ARI event socket (`/ari/events?app=…`), reopened with backoff whenever it closes (Asterisk restarted, network
 * blip). `onOpen` runs on every (re)connection before events are handled, so the app can re-attach to the channels
 * it had while it was not listening; events are handed over one at a time, in the order Asterisk sent them.
 */
export function openEventSocket(
  ari: AriClient,
  log: Pick<Log, 'warn' | 'info'>,
  h: { onOpen: () => Promise<void>; onEvent: (e: AriEvent) => Promise<void> },
): { close(): Promise<void>; connected(): boolean; run(what: string, f: () => Promise<void>): Promise<void> } {
  let ws: WebSocket | null = null;
  let closed = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let open = false;

  // one thing at a time, events and sweeps alike: a handler never races another over the same call
  const run = (what: string, f: () => Promise<void>): Promise<void> => {
    chain = chain.then(f).catch((err) => log.warn({ err }, `asterisk: ${what} failed`));
    return chain;
  };

  const connect = () => {
    if (closed) return;
    const sock = new WebSocket(ari.eventsUrl(), { headers: { authorization: ari.authHeader() }, handshakeTimeout: 10_000 });
    ws = sock;
    sock.on('open', () => {
      retryMs = 250;
      open = true;
      log.info({ app: ari.app }, 'asterisk: ARI event socket open');
      void run('re-attaching to live calls', h.onOpen);
    });
    sock.on('message', (data) => {
      let e: AriEvent;
      try {
        e = JSON.parse(data.toString()) as AriEvent;
      } catch (err) {
        log.warn({ err }, 'asterisk: an ARI event was not JSON; ignored');
        return;
      }
      void run(`handling ${e.type}`, () => h.onEvent(e));
    });
    sock.on('error', (err) => log.warn({ err: err.message }, 'asterisk: ARI event socket error'));
    sock.on('close', () => {
      open = false;
      if (ws === sock) ws = null;
      if (closed) return;
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  };
  connect();

  return {
    run,
    connected: () => open,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const s = ws;
      if (s && s.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          s.once('close', () => resolve());
          s.terminate();
        });
      }
      await chain;
    },
  };
}
