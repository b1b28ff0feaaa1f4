import MailComposer from 'nodemailer/lib/mail-composer';
import type { TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { waitFor as baseWaitFor } from '../helpers/wait.js';

let seq = 0;

export interface MailSpec {
  from: string;
  to?: string;
  cc?: string[];
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer; contentType?: string; cid?: string }[];
}

/** A real MIME message built by nodemailer's composer, as a customer's mail client would send it. */
export async function buildMail(m: MailSpec): Promise<Buffer> {
  seq++;
  const composer = new MailComposer({
    from: m.from,
    to: m.to ?? 'support@example.test',
    cc: m.cc,
    subject: m.subject ?? `Question ${seq}`,
    messageId: `<${m.messageId ?? `m${seq}-${Math.random().toString(36).slice(2)}@customer.test`}>`,
    inReplyTo: m.inReplyTo ? `<${m.inReplyTo}>` : undefined,
    references: m.references?.map((r) => `<${r}>`),
    text: m.text ?? `Hello, this is message ${seq}.`,
    html: m.html,
    headers: m.headers,
    attachments: m.attachments,
  });
  return composer.compile().build();
}

export function uniqueMessageId(tag = 'm'): string {
  seq++;
  return `${tag}${seq}-${Math.random().toString(36).slice(2)}@customer.test`;
}

/** Mail takes longer to travel than a socket event: a longer default wait. */
export const waitFor = <T>(fn: () => Promise<T | undefined | null | false>, ms = 10_000, what = 'condition'): Promise<T> => baseWaitFor(fn, ms, what);

export async function adminToken(ctx: TestContext): Promise<string> {
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } });
  return r.json().token;
}

/**
 * An agent of the hub's queues (a default one is made if there is none), so the cases mail opens are theirs to
 * answer; `holding` makes them the holder of cases that arrived before any queue existed.
 */
export async function agentToken(ctx: TestContext, o: { holding?: number[] } = {}): Promise<{ token: string; id: number }> {
  const queues = await ctx.db.pool.query(`SELECT id FROM queues`);
  const queueIds = queues.rowCount ? queues.rows.map((q) => q.id) : [(await makeQueue(ctx.db.pool, { name: 'general', isDefault: true })).id];
  const agent = await makeAgent(ctx.db.pool, { queueIds });
  if (o.holding?.length) await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2 WHERE id = ANY($1)`, [o.holding, agent.id]);
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } });
  return { token: r.json().token, id: agent.id };
}

export const INBOUND_KEY = 'test-inbound-key-0123456789';

/** Posts a raw message to the relay webhook. */
export async function postMime(ctx: TestContext, raw: Buffer, query = '') {
  return ctx.app.inject({
    method: 'POST',
    url: `/webhooks/email/mime${query}`,
    headers: { 'content-type': 'message/rfc822', 'x-api-key': INBOUND_KEY },
    payload: raw,
  });
}
