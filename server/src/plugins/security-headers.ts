import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * One policy for every page the hub serves (agent workspace at /, supervisor and admin views, the
 * portal, the widget demo page, the set-up page, the API docs): only the hub's own scripts run,
 * nothing frames the hub, and referrers and MIME sniffing are off. Responses that need something
 * stricter (attachments: sandbox) set their own header on top.
 */
export const HTML_CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // Vue/Chart.js set style attributes; no script can come in through CSS.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:', 'https:'],
  'font-src': ["'self'", 'data:'],
  // Socket.IO on the same origin; the browser softphone (Twilio Voice JS SDK) signals and fetches its sounds from twilio.com.
  'connect-src': ["'self'", 'https://*.twilio.com', 'wss://*.twilio.com'],
  'media-src': ["'self'", 'blob:', 'data:', 'https://*.twilio.com'],
  'worker-src': ["'self'", 'blob:'],
  'frame-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'object-src': ["'none'"],
};

export const HTML_CSP = Object.entries(HTML_CSP_DIRECTIVES)
  .map(([k, v]) => `${k} ${v.join(' ')}`)
  .join('; ');

/**
 * The headers helmet sets for an options object. They depend on nothing in the request (no nonces), so
 * they are computed once: running helmet for every request (as the Fastify plugin does) rebuilt the whole
 * policy each time, a measurable share of an inbound webhook's CPU.
 */
export function staticHelmetHeaders(options: HelmetOptions): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (set[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void remove.push(name.toLowerCase()),
  };
  let failed: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return { set, remove };
}

export default fp(
  async (app) => {
    const headers = staticHelmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: HTML_CSP_DIRECTIVES },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
      // HSTS only means something over https; on a plain-http laptop install it would be ignored anyway.
      strictTransportSecurity: app.config.publicUrl.startsWith('https:') ? { maxAge: 15552000, includeSubDomains: false } : false,
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });
    app.addHook('onRequest', (req, reply, done) => {
      reply.headers(headers.set);
      for (const h of headers.remove) reply.raw.removeHeader(h);
      done();
    });
    // The chat widget runs on the business's own sites: its script and the files it shows load cross-site.
    app.addHook('onSend', async (req, reply) => {
      if (req.url.startsWith('/widget')) reply.header('cross-origin-resource-policy', 'cross-origin');
    });
  },
  { name: 'security-headers', dependencies: ['core'] },
);
