import net from 'node:net';
import { freePort } from './wait.js';

/**
 * A loopback TCP proxy in front of a real service (e.g. the shared Postgres) that a test can take
 * away and bring back: `cut()` drops every open connection (what a database restart does to its
 * clients), `down()` also refuses new ones (connection refused, as while the database is stopped).
 */
export interface TcpProxy {
  port: number;
  cut(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const open = new Set<net.Socket>();
  let server: net.Server | null = null;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        open.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          open.delete(client);
          open.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
      server = s;
    });
  const cut = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  const down = async () => {
    const s = server;
    server = null;
    cut();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  return { port, cut, down, up: listen, close: down };
}
