import twilio from 'twilio';
import type { FastifyInstance } from 'fastify';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const TWILIO_TEST = {
  accountSid: 'AC' + '0123456789abcdef'.repeat(2),
  authToken: 'test-auth-token-5f1c9e0a7d3b',
  publicUrl: 'https://hub.example.test',
};

export function twilioEnv(apiBaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: TWILIO_TEST.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO_TEST.authToken,
    TWILIO_API_BASE_URL: apiBaseUrl,
    PUBLIC_URL: TWILIO_TEST.publicUrl,
    ...extra,
  };
}

/**
 * POSTs a webhook exactly as Twilio does: form-encoded parameters, X-Twilio-Signature computed by the official
 * library over the public URL Twilio was configured with (PUBLIC_URL + path) and the parameters.
 */
export async function postTwilio(
  app: FastifyInstance,
  path: string,
  params: Record<string, string>,
  o: { signUrl?: string; signParams?: Record<string, string>; token?: string; signature?: string | null; host?: string } = {},
) {
  const url = o.signUrl ?? `${TWILIO_TEST.publicUrl}${path}`;
  const signature = o.signature === undefined ? twilio.getExpectedTwilioSignature(o.token ?? TWILIO_TEST.authToken, url, o.signParams ?? params) : o.signature;
  return app.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      'user-agent': 'TwilioProxy/1.1',
      // behind a proxy: the hub sees its internal host, Twilio signed the public one
      host: o.host ?? 'hub-internal:3000',
      'x-forwarded-proto': 'https',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
    },
    payload: new URLSearchParams(params).toString(),
  });
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, trimValues: true, parseTagValue: false, parseAttributeValue: false });

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlNode[];
}

/** Parses a TwiML document (fails on malformed XML) into a small tree rooted at <Response>. */
export function parseTwiml(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid)}\n${xml}`);
  const conv = (n: Record<string, unknown>): XmlNode | null => {
    const name = Object.keys(n).find((k) => k !== ':@');
    if (!name || name === '#text' || name === '?xml') return null;
    const raw = (n[name] as Record<string, unknown>[]) ?? [];
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries((n[':@'] as Record<string, string>) ?? {})) attrs[k.replace(/^@/, '')] = String(v);
    return {
      name,
      attrs,
      text: raw.filter((c) => '#text' in c).map((c) => String(c['#text'])).join(''),
      children: raw.map(conv).filter((c): c is XmlNode => c !== null),
    };
  };
  const doc = (parser.parse(xml) as Record<string, unknown>[]).map(conv).filter((c): c is XmlNode => c !== null);
  const root = doc.find((d) => d.name === 'Response');
  if (!root) throw new Error(`no <Response> root in ${xml}`);
  return root;
}

/** All descendants named `name`, depth first. */
export function findAll(node: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (n: XmlNode) => {
    for (const c of n.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

export function find(node: XmlNode, name: string): XmlNode {
  const n = findAll(node, name)[0];
  if (!n) throw new Error(`no <${name}> in TwiML`);
  return n;
}

/** A Twilio-style sid. */
export function sid(prefix: string): string {
  const hex = '0123456789abcdef';
  let s = prefix;
  for (let i = 0; i < 32; i++) s += hex[Math.floor(Math.random() * 16)];
  return s;
}

export { waitFor } from './wait.js';
