// Configuration comes only from the environment; every bad value is reported
// at once so an operator fixes them in one go instead of one per restart.

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  logLevel: string;
  /** 32-byte key (hex or base64) used to encrypt secrets at rest, e.g. mailbox passwords. */
  encryptionKey: Buffer;
  /** Optional bootstrap API key for POST /api/v1/inbound (in addition to keys stored in the database). */
  inboundApiKey: string | null;
  sessionTtlHours: number;
  storageDir: string;
  /** An inbound message joins the customer's open case on the same channel if that case saw activity this recently. */
  threadWindowHours: number;
  /** Safety-net sweep that re-enqueues committed-but-not-enqueued cases. */
  recoverySweepMs: number;
  loginRateLimit: { max: number; windowMs: number };
  twilio: { accountSid: string | null; authToken: string | null; apiBaseUrl: string | null };
  smtp: { url: string | null; from: string | null };
  /** Email: a sender with more than `max` inbound mails within `windowSeconds` is throttled (stored, flagged, not routed or answered). */
  emailThrottle: { max: number; windowSeconds: number };
  /** Email: at most this many automatic acknowledgements per recipient per hour (loop protection). */
  emailAutoAckPerHour: number;
  /** Microsoft identity platform, where mailboxes using OAuth2 get their access tokens. */
  microsoftLoginUrl: string;
  uiDistDir: string;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEV_ENCRYPTION_KEY = Buffer.alloc(32, 7);

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const nodeEnv = (env.NODE_ENV ?? 'development') as Config['nodeEnv'];
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be one of development, production, test (got "${env.NODE_ENV}")`);
  }

  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return def;
    }
    return n;
  };

  const url = (name: string, protocols: string[], def?: string): string => {
    const raw = env[name] ?? def;
    if (!raw) {
      problems.push(`${name} is required (e.g. ${protocols[0]}//host:port/...)`);
      return '';
    }
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')} (got "${u.protocol}")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL (got "${raw}")`);
    }
    return raw;
  };

  const port = int('PORT', 3000, 0, 65535);
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  const publicUrl = url('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`).replace(/\/$/, '');

  let encryptionKey = DEV_ENCRYPTION_KEY;
  if (env.ENCRYPTION_KEY) {
    const raw = env.ENCRYPTION_KEY;
    const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
    if (key.length !== 32) problems.push('ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
    else encryptionKey = key;
  } else if (nodeEnv === 'production') {
    problems.push('ENCRYPTION_KEY is required in production (generate one with: openssl rand -hex 32)');
  }

  const inboundApiKey = env.INBOUND_API_KEY || null;
  if (inboundApiKey && inboundApiKey.length < 16) problems.push('INBOUND_API_KEY must be at least 16 characters');

  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }

  const twilioApiBase = env.TWILIO_API_BASE_URL || null;
  if (twilioApiBase) url('TWILIO_API_BASE_URL', ['http:', 'https:']);
  const smtpUrl = env.SMTP_URL || null;
  if (smtpUrl) url('SMTP_URL', ['smtp:', 'smtps:']);

  const cfg: Config = {
    nodeEnv,
    host: env.HOST ?? '0.0.0.0',
    port,
    publicUrl,
    databaseUrl,
    redisUrl,
    queuePrefix: env.QUEUE_PREFIX ?? 'ch',
    logLevel,
    encryptionKey,
    inboundApiKey,
    sessionTtlHours: int('SESSION_TTL_HOURS', 12, 1, 24 * 90),
    storageDir: env.STORAGE_DIR ?? './.data/attachments',
    threadWindowHours: int('THREAD_WINDOW_HOURS', 72, 0, 24 * 365),
    recoverySweepMs: int('RECOVERY_SWEEP_MS', 15000, 100, 3_600_000),
    loginRateLimit: { max: int('LOGIN_RATE_LIMIT_MAX', 10, 1, 10000), windowMs: int('LOGIN_RATE_LIMIT_WINDOW_MS', 60000, 1000, 86_400_000) },
    twilio: { accountSid: env.TWILIO_ACCOUNT_SID || null, authToken: env.TWILIO_AUTH_TOKEN || null, apiBaseUrl: twilioApiBase },
    smtp: { url: smtpUrl, from: env.SMTP_FROM || null },
    emailThrottle: { max: int('EMAIL_THROTTLE_MAX', 20, 1, 100_000), windowSeconds: int('EMAIL_THROTTLE_WINDOW_SECONDS', 600, 1, 86_400) },
    emailAutoAckPerHour: int('EMAIL_AUTO_ACK_PER_HOUR', 3, 0, 1000),
    microsoftLoginUrl: url('MICROSOFT_LOGIN_URL', ['https:', 'http:'], 'https://login.microsoftonline.com').replace(/\/$/, ''),
    uiDistDir: env.UI_DIST_DIR ?? 'dist/agent-ui',
  };
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}
