import { isSupportedCountry } from 'libphonenumber-js';

// Configuration comes only from the environment; every bad value is reported
// at once so an operator fixes them in one go instead of one per restart.
import { isIP } from 'node:net';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  /** Email/SMS replies no SMTP server or Twilio account can send go to the local demo outbox instead of failing. */
  demoOutbox: boolean;
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  logLevel: string;
  /** 32-byte key (hex or base64) used to encrypt secrets at rest, e.g. mailbox passwords. */
  encryptionKey: Buffer;
  /**
   * Postgres connections per process, by kind of work, so a flood of one cannot starve the others:
   * `main` for the agents' UI and everything else, `ingest` for committing inbound messages, `routing` for case
   * transitions and presence, `answers` for accepting and declining offers (no other transition can make an
   * agent's answer wait for a connection).
   */
  dbPools: { main: number; ingest: number; routing: number; answers: number };
  /** Ingest admission: messages committed at once, waiting at most, and for how long, before answering 503. */
  ingestLimits: { concurrency: number; maxQueue: number; maxWaitMs: number; statementTimeoutMs: number; retryAfterSeconds: number };
  /** Optional bootstrap API key for POST /api/v1/inbound (in addition to keys stored in the database). */
  inboundApiKey: string | null;
  sessionTtlHours: number;
  /** Which cases a plain agent may open: those of queues they belong to (plus assigned and mentioned), or all. */
  agentCaseAccess: 'queues' | 'all';
  storageDir: string;
  /** Largest attachment accepted on any path (chat and portal have their own, lower caps). */
  attachmentMaxBytes: number;
  /** An inbound message joins the customer's open case on the same channel if that case saw activity this recently. */
  threadWindowHours: number;
  /** Safety-net sweep that re-enqueues committed-but-not-enqueued cases. */
  recoverySweepMs: number;
  /** how often a worker indexes new rows into the search side tables */
  searchIndexMs: number;
  /** Automation rules and outbound webhooks (server/src/automation/). */
  automation: {
    /** how often the automation worker looks for new case events to run rules and webhooks on */
    pollMs: number;
    /** how often time-based rules ("N hours since …") are checked */
    timeSweepMs: number;
    /** first retry of a failed webhook delivery; each later one waits twice as long (capped), for 24 hours */
    webhookRetryBaseMs: number;
    /** how long a failing webhook delivery keeps being retried */
    webhookRetryForMs: number;
    /** a webhook receiver gets this long to answer */
    webhookTimeoutMs: number;
    /** WEBHOOK_ALLOW_PRIVATE_TARGETS: webhooks may go to loopback and private addresses (tests, on-premises receivers) */
    webhookAllowPrivate: boolean;
  };
  /** how often the SLA worker recomputes the clocks of changed cases */
  slaSyncMs: number;
  loginRateLimit: { max: number; windowMs: number };
  /** Failed sign-ins per account (whatever the client IP) before the account is locked for `lockoutMs`. */
  loginAccountLimit: { maxFailures: number; windowMs: number; lockoutMs: number };
  /** Failed sign-ins from one client IP (any account) within loginAccountLimit.windowMs before that IP waits out the window. */
  loginIpMaxFailures: number;
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDRs); empty = the TCP peer is the client. */
  trustProxy: string[];
  /** Origins besides PUBLIC_URL's that may send cookie-authenticated requests and open cookie sockets. */
  allowedOrigins: string[];
  /** Bearer token for GET /metrics; null = /metrics is switched off. */
  metricsToken: string | null;
  /**
   * Outbound delivery: an attempt still unfinished after this long is taken to have died with its
   * process; its outcome is reconciled with the provider before anything is sent again.
   */
  outbound: {
    attemptLeaseMs: number;
    /** a reply still queued this long without a job is put back on the outbound queue by the sweep */
    sweepAfterMs: number;
    /** Where agents' SMS and calls may go: ISO 3166 country codes, OUTBOUND_COUNTRIES (premium-rate numbers are always refused). */
    countries: string[];
  };
  /** Routing and presence timings (see routing/settings.ts). */
  routing: {
    offerTimeoutLiveMs: number;
    offerTimeoutAsyncMs: number;
    reofferCooldownMs: number;
    presenceGraceMs: number;
    /** A socket's presence lease (lifecycle/leases.ts) lasts this long unless its node renews it... */
    presenceLeaseMs: number;
    /** ...which it does this often (always less than the lease). */
    presenceHeartbeatMs: number;
    sweepMs: number;
    /** The router holding the pass lease expires offers whose time is up this often (routing/expiry.ts). */
    expiryTickMs: number;
    statsMs: number;
    /**
     * Match passes run on one router at a time, the holder of a Redis lease this long (renewed at a third of
     * it); 0: every router runs every pass (row locks keep that correct, the duplicated work is the cost).
     */
    passLeaseMs: number;
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
  /** Kavenegar (Iranian SMS gateway), the SMS provider of phone numbers set to `kavenegar`. */
  kavenegar: {
    apiKey: string | null;
    /** https://api.kavenegar.com, or a local stand-in of its REST API */
    apiBaseUrl: string;
    /** The secret in the inbound and delivery callback URLs Kavenegar is given (it signs nothing). */
    webhookSecret: string | null;
  };
  /** Asterisk over ARI (channels/voice/providers/asterisk): null unless ASTERISK_ARI_URL is set. */
  asterisk: {
    /** ARI base, e.g. http://pbx.example:8088/ari (REST; the event socket is <base>/events) */
    ariUrl: string;
    username: string;
    password: string;
    /** the Stasis application the dialplan sends calls to: Stasis(contact-hub) */
    app: string;
    /** dial string of an agent's endpoint; {agentId} is replaced (desk phone and WebRTC browser share it) */
    agentEndpoint: string;
    /** dial string of an outside number for click-to-call; {number} is replaced (E.164 without +, or with: {e164}) */
    outboundEndpoint: string;
    mohClass: string;
    /** a waiting caller hears their position and estimated wait this often */
    positionPromptSeconds: number;
    /** how often the app's owner looks for callers past their queue's maximum wait, and renews its lease */
    sweepMs: number;
    /** WebSocket (wss://…/ws) the agents' browsers register on, and their SIP domain (agent UI softphone) */
    sipWsUrl: string | null;
    sipDomain: string | null;
    /** secret the agents' SIP passwords are derived from (HMAC per agent), shared with pjsip.conf */
    sipPasswordSecret: string | null;
  } | null;
  smtp: { url: string | null; from: string | null };
  /** Email: a sender with more than `max` inbound mails within `windowSeconds` is throttled (stored, flagged, not routed or answered). */
  emailThrottle: { max: number; windowSeconds: number };
  /** Email: at most this many automatic acknowledgements per recipient per hour (loop protection). */
  emailAutoAckPerHour: number;
  /** Microsoft identity platform, where mailboxes using OAuth2 get their access tokens. */
  microsoftLoginUrl: string;
  uiDistDir: string;
  /** The default recorded voice prompts (<dir>/<lang>/<key>.wav, manifest.json): VOICE_PROMPTS_DIR. */
  voicePromptsDir: string;
  chat: {
    /** e.g. "1-5 09:00-17:00" (ISO weekdays, 1 = Monday); empty = always open */
    businessHours: string | null;
    timezone: string;
    maxAttachmentBytes: number;
    /** a waiting visitor whose last tab closed this long ago has left the queue */
    leaveGraceMs: number;
    widgetDistDir: string;
    /** HTTP messages per visitor and per client IP per minute (429 beyond; the socket path is paced per socket) */
    httpMessagesPerMinute: { perVisitor: number; perIp: number };
    /** attachment bytes uploaded per visitor and per client IP per hour */
    uploadBytesPerHour: { perVisitor: number; perIp: number };
  };
  /** Chat transcripts by email: requests per visitor and per address within the window; confirmation links' lifetime. */
  transcripts: { perVisitor: number; perAddress: number; windowMs: number; confirmTtlMinutes: number };
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
  } else if (env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test') {
    // Unset NODE_ENV counts as production here: a forgotten variable must not mean a known key.
    problems.push(
      `ENCRYPTION_KEY is required unless NODE_ENV is development or test (NODE_ENV is ${env.NODE_ENV ? `"${env.NODE_ENV}"` : 'unset'}; generate one with: openssl rand -hex 32)`,
    );
  }

  const trustProxy = list(env.TRUST_PROXY);
  for (const p of trustProxy) if (!isIpOrCidr(p)) problems.push(`TRUST_PROXY entries must be IP addresses or CIDRs (got "${p}")`);
  const allowedOrigins: string[] = [];
  for (const o of list(env.ALLOWED_ORIGINS)) {
    try {
      const u = new URL(o);
      if (!['http:', 'https:'].includes(u.protocol) || u.origin !== o.replace(/\/$/, '')) throw new Error('not an origin');
      allowedOrigins.push(u.origin);
    } catch {
      problems.push(`ALLOWED_ORIGINS entries must be origins like https://support.example.com (got "${o}")`);
    }
  }
  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken && metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters');
  const agentCaseAccess = (env.AGENT_CASE_ACCESS || 'queues') as 'queues' | 'all';
  if (!['queues', 'all'].includes(agentCaseAccess)) problems.push(`AGENT_CASE_ACCESS must be queues or all (got "${env.AGENT_CASE_ACCESS}")`);

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
  const defaultCountry = (env.TWILIO_DEFAULT_COUNTRY || 'US').toUpperCase();
  const kavenegarSecret = env.KAVENEGAR_WEBHOOK_SECRET || null;
  if (kavenegarSecret && !/^[A-Za-z0-9_-]{24,}$/.test(kavenegarSecret)) {
    problems.push('KAVENEGAR_WEBHOOK_SECRET must be at least 24 letters, digits, - or _ (it is part of a URL; e.g. openssl rand -hex 24)');
  }
  const outboundCountries = env.OUTBOUND_COUNTRIES
    ? env.OUTBOUND_COUNTRIES.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean)
    : [defaultCountry];
  for (const c of outboundCountries) {
    if (!isSupportedCountry(c)) problems.push(`OUTBOUND_COUNTRIES must list two-letter country codes with phone numbering, e.g. "US,CA" (got "${c}")`);
  }
  if (env.OUTBOUND_COUNTRIES !== undefined && !outboundCountries.length) problems.push('OUTBOUND_COUNTRIES must name at least one country (e.g. "US")');
  if (env.ASTERISK_ARI_URL && !env.ASTERISK_ARI_PASSWORD) problems.push('ASTERISK_ARI_PASSWORD is required with ASTERISK_ARI_URL (the password of the ari.conf user)');
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

  // A node renews its sockets' leases every heartbeat; a lease that could run out between two
  // renewals would set live agents Offline.
  const presenceLeaseSeconds = int('PRESENCE_LEASE_SECONDS', 15, 2, 3600);
  const presenceHeartbeatSeconds = int('PRESENCE_HEARTBEAT_SECONDS', 5, 1, 3600);
  if (presenceHeartbeatSeconds >= presenceLeaseSeconds) {
    problems.push(
      `PRESENCE_HEARTBEAT_SECONDS (${presenceHeartbeatSeconds}) must be less than PRESENCE_LEASE_SECONDS (${presenceLeaseSeconds}), or live agents' leases run out between renewals`,
    );
  }

  const cfg: Config = {
    nodeEnv,
    // on by default only where NODE_ENV is explicitly development (npm start on a laptop)
    demoOutbox: env.DEMO_OUTBOX ? ['1', 'true', 'yes'].includes(env.DEMO_OUTBOX.toLowerCase()) : env.NODE_ENV === 'development',
    host: env.HOST ?? '0.0.0.0',
    port,
    publicUrl,
    databaseUrl,
    redisUrl,
    queuePrefix: env.QUEUE_PREFIX ?? 'ch',
    logLevel,
    encryptionKey,
    inboundApiKey,
    dbPools: {
      main: int('DB_POOL_MAIN', 10, 1, 500),
      ingest: int('DB_POOL_INGEST', 10, 1, 500),
      routing: int('DB_POOL_ROUTING', 5, 1, 500),
      answers: int('DB_POOL_ANSWERS', 3, 1, 500),
    },
    ingestLimits: {
      concurrency: int('INGEST_CONCURRENCY', 20, 1, 10_000),
      maxQueue: int('INGEST_QUEUE_MAX', 200, 0, 100_000),
      maxWaitMs: int('INGEST_QUEUE_WAIT_MS', 3000, 1, 60_000),
      statementTimeoutMs: int('INGEST_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
      retryAfterSeconds: int('INGEST_RETRY_AFTER_SECONDS', 5, 1, 3600),
    },
    sessionTtlHours: int('SESSION_TTL_HOURS', 12, 1, 24 * 90),
    agentCaseAccess,
    storageDir: env.STORAGE_DIR ?? './.data/attachments',
    attachmentMaxBytes: int('ATTACHMENT_MAX_BYTES', 25 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    threadWindowHours: int('THREAD_WINDOW_HOURS', 72, 0, 24 * 365),
    recoverySweepMs: int('RECOVERY_SWEEP_MS', 15000, 100, 3_600_000),
    searchIndexMs: int('SEARCH_INDEX_MS', 1000, 50, 3_600_000),
    automation: {
      pollMs: int('AUTOMATION_POLL_MS', 500, 20, 600_000),
      timeSweepMs: int('AUTOMATION_TIME_SWEEP_MS', 60_000, 100, 3_600_000),
      webhookRetryBaseMs: int('WEBHOOK_RETRY_BASE_MS', 30_000, 10, 3_600_000),
      webhookRetryForMs: int('WEBHOOK_RETRY_FOR_MS', 86_400_000, 1000, 7 * 86_400_000),
      webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      webhookAllowPrivate: ['1', 'true', 'yes'].includes((env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? '').toLowerCase()),
    },
    slaSyncMs: int('SLA_SYNC_MS', 1000, 50, 3_600_000),
    routing: {
      offerTimeoutLiveMs: int('ROUTING_OFFER_TIMEOUT_LIVE_MS', 20_000, 100, 3_600_000),
      offerTimeoutAsyncMs: int('ROUTING_OFFER_TIMEOUT_ASYNC_MS', 60_000, 100, 3_600_000),
      reofferCooldownMs: int('ROUTING_REOFFER_COOLDOWN_MS', 60_000, 0, 86_400_000),
      presenceGraceMs: int('PRESENCE_GRACE_MS', 30_000, 0, 3_600_000),
      presenceLeaseMs: presenceLeaseSeconds * 1000,
      presenceHeartbeatMs: presenceHeartbeatSeconds * 1000,
      sweepMs: int('ROUTING_SWEEP_MS', 5_000, 50, 3_600_000),
      expiryTickMs: int('ROUTING_EXPIRY_TICK_MS', 500, 20, 60_000),
      statsMs: int('ROUTING_STATS_MS', 1_000, 100, 60_000),
      passLeaseMs: int('ROUTING_PASS_LEASE_MS', 3_000, 0, 60_000),
      stickyLiveSeconds: int('ROUTING_STICKY_LIVE_SECONDS', 60, 0, 86_400 * 30),
      stickyAsyncSeconds: int('ROUTING_STICKY_ASYNC_SECONDS', 86_400, 0, 86_400 * 30),
      awayAfterTimeouts: int('ROUTING_AWAY_AFTER_TIMEOUTS', 2, 1, 100),
      assignmentKeepOfflineMinutes: int('ASSIGNMENT_KEEP_OFFLINE_MINUTES', 240, 0, 60 * 24 * 30),
    },
    loginRateLimit: { max: int('LOGIN_RATE_LIMIT_MAX', 10, 1, 10000), windowMs: int('LOGIN_RATE_LIMIT_WINDOW_MS', 60000, 1000, 86_400_000) },
    loginAccountLimit: {
      maxFailures: int('LOGIN_ACCOUNT_MAX_FAILURES', 5, 1, 1000),
      windowMs: int('LOGIN_ACCOUNT_WINDOW_MS', 15 * 60_000, 1000, 86_400_000),
      lockoutMs: int('LOGIN_ACCOUNT_LOCKOUT_MS', 15 * 60_000, 1000, 86_400_000),
    },
    loginIpMaxFailures: int('LOGIN_IP_MAX_FAILURES', 50, 1, 100_000),
    trustProxy,
    allowedOrigins,
    metricsToken,
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID || null,
      authToken: env.TWILIO_AUTH_TOKEN || null,
      apiBaseUrl: twilioApiBase,
      apiKeySid: env.TWILIO_API_KEY_SID || null,
      apiKeySecret: env.TWILIO_API_KEY_SECRET || null,
      twimlAppSid: env.TWILIO_TWIML_APP_SID || null,
      holdMusicUrl: env.TWILIO_HOLD_MUSIC_URL || 'http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3',
      defaultCountry,
    },
    kavenegar: {
      apiKey: env.KAVENEGAR_API_KEY || null,
      apiBaseUrl: url('KAVENEGAR_API_BASE_URL', ['https:', 'http:'], 'https://api.kavenegar.com').replace(/\/$/, ''),
      webhookSecret: kavenegarSecret,
    },
    asterisk: env.ASTERISK_ARI_URL
      ? {
          ariUrl: url('ASTERISK_ARI_URL', ['http:', 'https:']).replace(/\/$/, ''),
          username: env.ASTERISK_ARI_USER || 'contact-hub',
          password: env.ASTERISK_ARI_PASSWORD ?? '',
          app: env.ASTERISK_APP || 'contact-hub',
          agentEndpoint: env.ASTERISK_AGENT_ENDPOINT || 'PJSIP/agent-{agentId}',
          outboundEndpoint: env.ASTERISK_OUTBOUND_ENDPOINT || 'PJSIP/{number}@trunk',
          mohClass: env.ASTERISK_MOH_CLASS || 'default',
          positionPromptSeconds: int('ASTERISK_POSITION_PROMPT_SECONDS', 45, 5, 3600),
          sweepMs: int('ASTERISK_SWEEP_MS', 2000, 100, 60_000),
          sipWsUrl: env.ASTERISK_SIP_WS_URL ? url('ASTERISK_SIP_WS_URL', ['wss:', 'ws:']) : null,
          sipDomain: env.ASTERISK_SIP_DOMAIN || null,
          sipPasswordSecret: env.ASTERISK_SIP_PASSWORD_SECRET || null,
        }
      : null,
    smtp: { url: smtpUrl, from: env.SMTP_FROM || null },
    emailThrottle: { max: int('EMAIL_THROTTLE_MAX', 20, 1, 100_000), windowSeconds: int('EMAIL_THROTTLE_WINDOW_SECONDS', 600, 1, 86_400) },
    emailAutoAckPerHour: int('EMAIL_AUTO_ACK_PER_HOUR', 3, 0, 1000),
    microsoftLoginUrl: url('MICROSOFT_LOGIN_URL', ['https:', 'http:'], 'https://login.microsoftonline.com').replace(/\/$/, ''),
    uiDistDir: env.UI_DIST_DIR ?? 'dist/agent-ui',
    voicePromptsDir: env.VOICE_PROMPTS_DIR || 'assets/voice-prompts',
    chat: {
      businessHours: env.CHAT_BUSINESS_HOURS || null,
      timezone: env.CHAT_TIMEZONE || 'UTC',
      maxAttachmentBytes: int('CHAT_MAX_ATTACHMENT_BYTES', 5 * 1024 * 1024, 1024, 50 * 1024 * 1024),
      leaveGraceMs: int('CHAT_LEAVE_GRACE_MS', 30000, 0, 3_600_000),
      widgetDistDir: env.WIDGET_DIST_DIR ?? 'dist/widget',
      httpMessagesPerMinute: {
        perVisitor: int('CHAT_HTTP_MESSAGES_PER_MINUTE', 20, 1, 10_000),
        perIp: int('CHAT_HTTP_MESSAGES_PER_MINUTE_PER_IP', 60, 1, 100_000),
      },
      uploadBytesPerHour: {
        perVisitor: int('CHAT_UPLOAD_BYTES_PER_HOUR', 25 * 1024 * 1024, 1024, 10 * 1024 * 1024 * 1024),
        perIp: int('CHAT_UPLOAD_BYTES_PER_HOUR_PER_IP', 100 * 1024 * 1024, 1024, 100 * 1024 * 1024 * 1024),
      },
    },
    transcripts: {
      perVisitor: int('TRANSCRIPT_LIMIT_PER_VISITOR', 5, 1, 1000),
      perAddress: int('TRANSCRIPT_LIMIT_PER_ADDRESS', 3, 1, 1000),
      windowMs: int('TRANSCRIPT_LIMIT_WINDOW_MS', 86_400_000, 1000, 30 * 86_400_000),
      confirmTtlMinutes: int('TRANSCRIPT_CONFIRM_TTL_MINUTES', 60, 1, 7 * 24 * 60),
    },
    outbound: { countries: [...new Set(outboundCountries)], attemptLeaseMs: int('OUTBOUND_ATTEMPT_LEASE_MS', 45_000, 500, 3_600_000), sweepAfterMs: int('OUTBOUND_SWEEP_AFTER_MS', 60_000, 500, 86_400_000) },
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

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** 10.0.0.1, 10.0.0.0/8, ::1, fd00::/8 */
function isIpOrCidr(s: string): boolean {
  const [addr, bits, ...rest] = s.split('/');
  if (rest.length || !addr) return false;
  const v = isIP(addr);
  if (!v) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (v === 4 ? 32 : 128);
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
