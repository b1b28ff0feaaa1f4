import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { loadConfig } from '../../server/src/config.js';
import { handleNotification } from '../../server/src/customer-messages/handle.js';
import type { Log } from '../../server/src/lib/log.js';

const base = { DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://127.0.0.1:6379' };
// no phone numbers configured
const db = { query: async () => ({ rows: [], rowCount: 0 }) } as unknown as pg.Pool;

function recordingLog() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const log = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) } as unknown as Log;
  return { log, lines };
}

describe('system notifications without providers', () => {
  it('in development, logs the sign-in link and code instead of failing', async () => {
    const { log, lines } = recordingLog();
    const config = loadConfig({ ...base, NODE_ENV: 'development' });
    await handleNotification({ db, config, log }, { kind: 'magic-link', to: 'a@example.test', link: 'http://x/portal/auth/verify?token=t', language: 'en' });
    await handleNotification({ db, config, log }, { kind: 'sms-code', to: '+14155550100', code: '123456', language: 'fa' });
    expect(lines.map((l) => l.obj)).toEqual([
      { to: 'a@example.test', link: 'http://x/portal/auth/verify?token=t' },
      { to: '+14155550100', code: '123456' },
    ]);
  });

  it('in production, a missing mail server or SMS sender is an error (the job is retried), never a log line with the secret', async () => {
    const { log, lines } = recordingLog();
    const config = loadConfig({ ...base, NODE_ENV: 'production', ENCRYPTION_KEY: 'a'.repeat(64) });
    await expect(handleNotification({ db, config, log }, { kind: 'magic-link', to: 'a@example.test', link: 'http://x/?token=t', language: 'en' })).rejects.toThrow(/SMTP_URL/);
    await expect(handleNotification({ db, config, log }, { kind: 'sms-code', to: '+14155550100', code: '123456', language: 'en' })).rejects.toThrow(/PORTAL_SMS_FROM/);
    expect(lines).toEqual([]);
  });
});
