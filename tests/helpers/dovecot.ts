import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { freePort, waitForPort } from './wait.js';

const run = promisify(execFile);

export interface DovecotUser {
  user: string;
  password: string;
}

export interface Dovecot {
  host: string;
  port: number;
  users: DovecotUser[];
  /** Stores a raw message in a user's folder over IMAP, as another mail client or the MTA would. */
  append(user: string, raw: string | Buffer, folder?: string): Promise<number | undefined>;
  /** Message UIDs currently in a folder, with their flags. */
  list(user: string, folder?: string): Promise<{ uid: number; flags: string[] }[]>;
  createFolder(user: string, folder: string): Promise<void>;
  /** Drops a message straight into the user's maildir, as the MTA does, also while the IMAP server is down. */
  deliverToMaildir(user: string, raw: string | Buffer): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
  log(): Promise<string>;
}

// Servers of this process still running: a test process that exits without its afterAll (a crash, a
// killed worker) must not leave dovecot behind.
const live = new Set<string>();
process.once('exit', () => {
  for (const dir of live) {
    let master = 0;
    try {
      master = Number(readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8').trim());
    } catch {
      continue;
    }
    let kids: number[] = [];
    try {
      kids = execFileSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      // no children
    }
    for (const pid of [master, ...kids]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a temp dir left behind is harmless
    }
  }
});

async function descendants(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  const kids = stdout.split(/\s+/).filter(Boolean).map(Number);
  const out = [...kids];
  for (const k of kids) out.push(...(await descendants(k)));
  return out;
}

/**
 * A private dovecot IMAP server on a free loopback port with maildirs under a temp dir,
 * so every test file gets its own mail server and nothing touches the system instance.
 */
export async function startDovecot(
  users: DovecotUser[] = [{ user: 'support@example.test', password: 'secret' }],
  opts: { oauth2IntrospectionUrl?: string } = {},
): Promise<Dovecot> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ch-dovecot-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  const mailDir = path.join(dir, 'mail');
  await mkdir(mailDir, { recursive: true });
  await mkdir(path.join(dir, 'run'), { recursive: true });
  await mkdir(path.join(dir, 'state'), { recursive: true });
  const { stdout: uidOut } = await run('id', ['-u', 'dovenull']);
  const { stdout: gidOut } = await run('id', ['-g', 'dovenull']);
  await chown(mailDir, Number(uidOut.trim()), Number(gidOut.trim()));
  await writeFile(path.join(dir, 'users'), users.map((u) => `${u.user}:{PLAIN}${u.password}`).join('\n') + '\n');
  if (opts.oauth2IntrospectionUrl) {
    await writeFile(
      path.join(dir, 'oauth2.conf.ext'),
      `introspection_url = ${opts.oauth2IntrospectionUrl}\nintrospection_mode = post\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n`,
    );
  }
  await writeFile(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${opts.oauth2IntrospectionUrl ? ' xoauth2 oauthbearer' : ''}
first_valid_uid = 1
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
${opts.oauth2IntrospectionUrl ? `passdb {
  driver = oauth2
  args = ${dir}/oauth2.conf.ext
}
` : ''}userdb {
  driver = static
  args = uid=dovenull gid=dovenull home=${mailDir}/%u mail=maildir:${mailDir}/%u
}
service imap-login {
  inet_listener imap {
    port = ${port}
  }
}
default_internal_user = dovecot
default_login_user = dovenull
`,
  );

  const start = async () => {
    // The daemon keeps inherited pipes open, so wait for the launcher's exit rather than its output.
    await new Promise<void>((resolve, reject) => {
      const p = spawn('dovecot', ['-c', conf], { stdio: 'ignore' });
      p.once('error', reject);
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dovecot exited with ${code}`))));
    });
    await waitForPort(port, true, 'dovecot');
  };
  // A restart drops every client connection, like a real server restart or crash; dovecot's own stop
  // leaves already-logged-in imap processes serving, so those are ended too.
  const stop = async () => {
    const master = Number((await readFile(path.join(dir, 'run', 'master.pid'), 'utf8').catch(() => '')).trim());
    const children = master ? await descendants(master) : [];
    await run('doveadm', ['-c', conf, 'stop']).catch(() => {});
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitForPort(port, false, 'dovecot').catch(() => {});
  };

  const withClient = async <T>(user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const u = users.find((x) => x.user === user);
    if (!u) throw new Error(`unknown dovecot user ${user}`);
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: u.user, pass: u.password }, logger: false });
    c.on('error', () => {});
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };

  await start();
  live.add(dir);
  return {
    host: '127.0.0.1',
    port,
    users,
    async append(user, raw, folder = 'INBOX') {
      return withClient(user, async (c) => {
        const r = await c.append(folder, raw);
        return r ? r.uid : undefined;
      });
    },
    async list(user, folder = 'INBOX') {
      return withClient(user, async (c) => {
        const lock = await c.getMailboxLock(folder);
        try {
          const out: { uid: number; flags: string[] }[] = [];
          if (!c.mailbox || !c.mailbox.exists) return out;
          for await (const m of c.fetch('1:*', { uid: true, flags: true })) out.push({ uid: m.uid, flags: [...(m.flags ?? [])] });
          return out;
        } finally {
          lock.release();
        }
      });
    },
    async createFolder(user, folder) {
      await withClient(user, async (c) => {
        await c.mailboxCreate(folder).catch(() => {});
      });
    },
    async deliverToMaildir(user, raw) {
      const uid = Number(uidOut.trim());
      const gid = Number(gidOut.trim());
      const base = path.join(mailDir, user);
      for (const d of [base, ...['tmp', 'new', 'cur'].map((x) => path.join(base, x))]) {
        await mkdir(d, { recursive: true });
        await chown(d, uid, gid);
      }
      const name = `${Date.now()}.M${Math.floor(Math.random() * 1e9)}P${process.pid}.test`;
      const tmp = path.join(base, 'tmp', name);
      await writeFile(tmp, raw);
      await chown(tmp, uid, gid);
      await rename(tmp, path.join(base, 'new', name));
    },
    stop,
    start,
    async destroy() {
      await stop();
      live.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
    log: () => readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => ''),
  };
}
