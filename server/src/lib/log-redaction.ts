import type { FastifyRequest } from 'fastify';

/**
 * What never reaches a log line: credentials in headers and cookies, and token-bearing query
 * parameters (portal magic links, visitor attachment links, signed media links). Shared by the
 * HTTP server's logger and the workers' loggers (README "Security → Logs").
 */
export const CENSOR = '[redacted]';

/** Query parameter names that carry a credential. */
const SECRET_PARAM = /token|secret|password|passwd|signature|^sig$|^code$|key|auth|session/i;

/** Paths with a credential as a segment: SMS gateways that sign nothing call back to a URL holding a secret. */
const SECRET_PATH = /^(\/webhooks\/kavenegar\/)[^/?]+/;

/** "/portal/auth/verify?token=abc&x=1" → "/portal/auth/verify?token=[redacted]&x=1" */
export function redactUrl(raw: string): string {
  const url = raw.replace(SECRET_PATH, `$1${CENSOR}`);
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        name = pair.slice(0, eq); // a malformed name is kept as it came, and still checked
      }
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=${CENSOR}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

const HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-twilio-signature', 'proxy-authorization'];
const paths = [
  ...HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`]),
  'password',
  '*.password',
  'token',
  '*.token',
  'req.query',
];

/** pino options: censored paths, a request serializer without secrets, and `url` fields cleaned wherever they are logged. */
export const logRedaction = {
  redact: { paths, censor: CENSOR },
  serializers: {
    req: (req: FastifyRequest) => ({
      method: req.method,
      url: redactUrl(req.url),
      host: req.host,
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    }),
  },
  formatters: {
    log(obj: Record<string, unknown>) {
      return typeof obj.url === 'string' ? { ...obj, url: redactUrl(obj.url) } : obj;
    },
  },
};
