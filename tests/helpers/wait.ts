import net from 'node:net';

/** Polls until `fn` returns something truthy; fails naming what it waited for. */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, ms = 8000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on a loopback port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Waits until a loopback port is open (`up`) or closed; `what` names the server in the error. */
export async function waitForPort(port: number, up: boolean, what = 'server', ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await listening(port)) !== up) {
    if (Date.now() > end) throw new Error(`${what} port ${port} did not become ${up ? 'reachable' : 'closed'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
