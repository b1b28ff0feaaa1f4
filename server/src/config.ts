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
  /**
   * Outbound delivery: an attempt still unfinished after this long is taken to have died with its
   * process; its outcome is reconciled with the provider before anything is sent again.
   */
  outbound: { attemptLeaseMs: number; sweepAfterMs: number };
  /** Routing and presence timings (see routing/settings.ts). */
  routing: {
    offerTimeoutLiveMs: number;
    offerTimeoutAsyncMs: number;
    reofferCooldownMs: number;
    presenceGraceMs: number;
    sweepMs: number;
    statsMs: number;
    stickyLiveSeconds: number;
    stickyAsyncSeconds: number;
    awayAfterTimeouts: number;
    /** Written-channel cases (email, SMS, portal) stay with an agent who went offline this long. */
    assignmentKeepOfflineMinutes: number;
  };
  twilio: {
    accountSid: string | null;
    authToken: string | null;
    apiBaseUrl: string | null;
    /** API key pair and TwiML app used to sign Voice JS SDK access tokens for agents' browsers. */
    apiKeySid: string | null;
    apiKeySecret: string | null;
    twimlAppSid: string | null;
    /** Played to callers waiting in a queue. */
    holdMusicUrl: string;
    /** Country assumed for phone numbers written without a country code. */
    defaultCountry: string;
  };
  smtp: { url: string | null; from: string | null };
  /** Email: a sender with more than `max` inbound mails within `windowSeconds` is throttled (stored, flagged, not routed or answered). */
  emailThrottle: { max: number; windowSeconds: number };
  /** Email: at most this many automatic acknowledgements per recipient per hour (loop protection). */
  emailAutoAckPerHour: number;
  /** Microsoft identity platform, where mailboxes using OAuth2 get their access tokens. */
  microsoftLoginUrl: string;
  uiDistDir: string;
  chat: {
    /** e.g. "1-5 09:00-17:00" (ISO weekdays, 1 = Monday); empty = always open */
    businessHours: string | null;
    timezone: string;
    maxAttachmentBytes: number;
    /** a waiting visitor whose last tab closed this long ago has left the queue */
    leaveGraceMs: number;
    widgetDistDir: string;
  };
  portal: {
    magicLinkTtlMinutes: number;
    codeTtlMinutes: number;
    sessionTtlHours: number;
    /** sign-in links/codes per address and per client IP within the window */
    signInRateLimit: { max: number; windowMs: number };
    /** sign-in requests per client IP within the same window (many customers can share one IP) */
    signInIpRateLimitMax: number;
    maxAttachmentBytes: number;
    smsFrom: string | null;
    distDir: string;
  };
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
  if (env.TWILIO_HOLD_MUSIC_URL) url('TWILIO_HOLD_MUSIC_URL', ['http:', 'https:']);
  if (env.TWILIO_DEFAULT_COUNTRY && !/^[A-Za-z]{2}$/.test(env.TWILIO_DEFAULT_COUNTRY)) {
    problems.push(`TWILIO_DEFAULT_COUNTRY must be a two-letter country code (got "${env.TWILIO_DEFAULT_COUNTRY}")`);
  }
  const smtpUrl = env.SMTP_URL || null;
  if (smtpUrl) url('SMTP_URL', ['smtp:', 'smtps:']);

  if (env.CHAT_BUSINESS_HOURS && !parseBusinessHoursSpec(env.CHAT_BUSINESS_HOURS)) {
    problems.push(`CHAT_BUSINESS_HOURS must look like "1-5 09:00-17:00" (ISO weekdays, 1 = Monday) (got "${env.CHAT_BUSINESS_HOURS}")`);
  }
  if (env.CHAT_TIMEZONE) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: env.CHAT_TIMEZONE });
    } catch {
      problems.push(`CHAT_TIMEZONE is not a known time zone (got "${env.CHAT_TIMEZONE}")`);
    }
  }

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
    routing: {
      offerTimeoutLiveMs: int('ROUTING_OFFER_TIMEOUT_LIVE_MS', 20_000, 100, 3_600_000),
      offerTimeoutAsyncMs: int('ROUTING_OFFER_TIMEOUT_ASYNC_MS', 60_000, 100, 3_600_000),
      reofferCooldownMs: int('ROUTING_REOFFER_COOLDOWN_MS', 60_000, 0, 86_400_000),
      presenceGraceMs: int('PRESENCE_GRACE_MS', 30_000, 0, 3_600_000),
      sweepMs: int('ROUTING_SWEEP_MS', 5_000, 50, 3_600_000),
      statsMs: int('ROUTING_STATS_MS', 1_000, 100, 60_000),
      stickyLiveSeconds: int('ROUTING_STICKY_LIVE_SECONDS', 60, 0, 86_400 * 30),
      stickyAsyncSeconds: int('ROUTING_STICKY_ASYNC_SECONDS', 86_400, 0, 86_400 * 30),
      awayAfterTimeouts: int('ROUTING_AWAY_AFTER_TIMEOUTS', 2, 1, 100),
      assignmentKeepOfflineMinutes: int('ASSIGNMENT_KEEP_OFFLINE_MINUTES', 240, 0, 60 * 24 * 30),
    },
    outbound: { attemptLeaseMs: int('OUTBOUND_ATTEMPT_LEASE_MS', 45_000, 500, 3_600_000), sweepAfterMs: int('OUTBOUND_SWEEP_AFTER_MS', 60_000, 500, 86_400_000) },
    loginRateLimit: { max: int('LOGIN_RATE_LIMIT_MAX', 10, 1, 10000), windowMs: int('LOGIN_RATE_LIMIT_WINDOW_MS', 60000, 1000, 86_400_000) },
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID || null,
      authToken: env.TWILIO_AUTH_TOKEN || null,
      apiBaseUrl: twilioApiBase,
      apiKeySid: env.TWILIO_API_KEY_SID || null,
      apiKeySecret: env.TWILIO_API_KEY_SECRET || null,
      twimlAppSid: env.TWILIO_TWIML_APP_SID || null,
      holdMusicUrl: env.TWILIO_HOLD_MUSIC_URL || 'http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3',
      defaultCountry: (env.TWILIO_DEFAULT_COUNTRY || 'US').toUpperCase(),
    },
    smtp: { url: smtpUrl, from: env.SMTP_FROM || null },
    emailThrottle: { max: int('EMAIL_THROTTLE_MAX', 20, 1, 100_000), windowSeconds: int('EMAIL_THROTTLE_WINDOW_SECONDS', 600, 1, 86_400) },
    emailAutoAckPerHour: int('EMAIL_AUTO_ACK_PER_HOUR', 3, 0, 1000),
    microsoftLoginUrl: url('MICROSOFT_LOGIN_URL', ['https:', 'http:'], 'https://login.microsoftonline.com').replace(/\/$/, ''),
    uiDistDir: env.UI_DIST_DIR ?? 'dist/agent-ui',
    chat: {
      businessHours: env.CHAT_BUSINESS_HOURS || null,
      timezone: env.CHAT_TIMEZONE || 'UTC',
      maxAttachmentBytes: int('CHAT_MAX_ATTACHMENT_BYTES', 5 * 1024 * 1024, 1024, 50 * 1024 * 1024),
      leaveGraceMs: int('CHAT_LEAVE_GRACE_MS', 30000, 0, 3_600_000),
      widgetDistDir: env.WIDGET_DIST_DIR ?? 'dist/widget',
    },
    portal: {
      magicLinkTtlMinutes: int('PORTAL_MAGIC_LINK_TTL_MINUTES', 15, 1, 24 * 60),
      codeTtlMinutes: int('PORTAL_CODE_TTL_MINUTES', 10, 1, 60),
      sessionTtlHours: int('PORTAL_SESSION_TTL_HOURS', 24 * 7, 1, 24 * 90),
      signInRateLimit: { max: int('PORTAL_SIGNIN_RATE_LIMIT_MAX', 5, 1, 10000), windowMs: int('PORTAL_SIGNIN_RATE_LIMIT_WINDOW_MS', 15 * 60_000, 1000, 86_400_000) },
      signInIpRateLimitMax: int('PORTAL_SIGNIN_IP_RATE_LIMIT_MAX', 30, 1, 100000),
      maxAttachmentBytes: int('PORTAL_MAX_ATTACHMENT_BYTES', 10 * 1024 * 1024, 1024, 50 * 1024 * 1024),
      smsFrom: env.PORTAL_SMS_FROM || null,
      distDir: env.PORTAL_DIST_DIR ?? 'dist/portal',
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** "1-5 09:00-17:00" → weekdays 1..5, minutes of day [540, 1020). */
export function parseBusinessHoursSpec(spec: string): { fromDay: number; toDay: number; fromMin: number; toMin: number } | null {
  const m = /^\s*([1-7])-([1-7])\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$/.exec(spec);
  if (!m) return null;
  const [fromDay, toDay, fh, fm, th, tm] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const fromMin = fh * 60 + fm;
  const toMin = th * 60 + tm;
  if (fh > 24 || th > 24 || fm > 59 || tm > 59 || fromMin >= toMin) return null;
  return { fromDay, toDay, fromMin, toMin };
}

/** For process entry points: the configuration, or every problem printed and exit code 2. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
