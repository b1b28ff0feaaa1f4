import type { FastifyInstance } from 'fastify';
import { rooms } from '../../contracts/realtime.js';
import type { VisitorAck } from '../../contracts/visitor.js';
import { visitorForToken, type Visitor } from './visitors.js';
import { currentCase, endConversation, lastCase, postVisitorMessage, queueStatus, type ChatDeps } from './conversation.js';
import { startLeaveChecks } from './leave-check.js';
import { rateCase } from '../portal/csat.js';
import { toWellFormed, unstorableText } from '../../lib/unicode.js';
import { requestTranscript } from './transcripts.js';
import { bestEffort } from '../../lib/best-effort.js';
import { agentNamespace, visitorNamespace } from '../../realtime/namespaces.js';

const validEmail = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length <= 320 && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v.trim()) ? v.trim().toLowerCase() : undefined;

declare module 'socket.io' {
  interface SocketData {
    visitor?: Visitor;
  }
}

const MAX_TEXT = 10_000;
const BURST = 20;

function safeAck(ack: unknown): (r: VisitorAck<Record<string, unknown>>) => void {
  // a client that sent no callback gets no answer
  return typeof ack === 'function' ? (ack as (r: VisitorAck<Record<string, unknown>>) => void) : () => undefined;
}

/**
 * The /visitor namespace: chat widgets authenticate with their visitor token and join their own
 * room, so any node (or a worker, through the sockets' Redis stream) can reach them.
 */
export function registerVisitorNamespace(app: FastifyInstance, deps: ChatDeps): void {
  const nsp = visitorNamespace(app.io);
  const leaveChecks = startLeaveChecks(app, deps.routing);

  nsp.use(async (socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: string } | undefined)?.token;
      const visitor = await visitorForToken(app.db, token);
      if (!visitor) return next(new Error('unauthorized'));
      socket.data.visitor = visitor;
      next();
    } catch (err) {
      next(err as Error);
    }
  });

  nsp.on('connection', (socket) => {
    const visitor = socket.data.visitor!;
    void socket.join(rooms.visitor(visitor.id));
    const guard = <A extends unknown[]>(fn: (...a: A) => Promise<void>) => (...a: A) => {
      fn(...a).catch((err) => {
        app.log.warn({ err, visitor: visitor.id }, 'visitor event failed');
        const ack = a.find((x) => typeof x === 'function') as ((r: VisitorAck) => void) | undefined;
        ack?.({ ok: false, reason: 'server error' });
      });
    };

    // A visitor types; a script floods. Bound the pace per socket (a burst, then about one a second).
    let allowance = BURST;
    let lastRefill = Date.now();
    const withinPace = () => {
      const now = Date.now();
      allowance = Math.min(BURST, allowance + (now - lastRefill) / 1000);
      lastRefill = now;
      if (allowance < 1) return false;
      allowance -= 1;
      return true;
    };

    socket.on('message', guard(async (p: { text?: unknown; clientId?: unknown }, ack: unknown) => {
      const reply = safeAck(ack);
      if (!withinPace()) return reply({ ok: false, reason: 'too many messages; slow down' });
      const text = typeof p?.text === 'string' ? p.text.trim() : '';
      const clientId = typeof p?.clientId === 'string' && /^[\w-]{1,64}$/.test(p.clientId) ? p.clientId : null;
      if (!text) return reply({ ok: false, reason: 'text is empty' });
      const unstorable = unstorableText(text);
      if (unstorable) return reply({ ok: false, reason: `text ${unstorable}` });
      if (text.length > MAX_TEXT) return reply({ ok: false, reason: `text is longer than ${MAX_TEXT} characters` });
      if (!clientId) return reply({ ok: false, reason: 'clientId must be 1-64 letters, digits, _ or -' });
      const message = await postVisitorMessage(deps, visitor, { text, clientId });
      reply({ ok: true, message });
    }));

    socket.on('typing', guard(async (p: { typing?: unknown }) => {
      const open = await currentCase(app.db, visitor.id);
      if (!open) return;
      await deps.realtime.emit({
        nsp: '/agent',
        room: [rooms.case(open.id), ...(open.assignee_id ? [rooms.agent(open.assignee_id)] : [])],
        event: 'typing',
        payload: { caseId: open.id, from: 'customer', typing: p?.typing === true },
      });
    }));

    socket.on('read', guard(async (p: { upToId?: unknown }) => {
      const upTo = Number(p?.upToId);
      if (!Number.isSafeInteger(upTo) || upTo < 1) return;
      const open = await currentCase(app.db, visitor.id);
      if (!open) return;
      const r = await app.db.query(
        `UPDATE interactions SET delivery_status = 'read', updated_at = now()
          WHERE case_id = $1 AND direction = 'outbound' AND id <= $2 AND delivery_status IN ('sending', 'sent', 'delivered') RETURNING id`,
        [open.id, upTo],
      );
      for (const row of r.rows) {
        await deps.realtime.emit({ nsp: '/agent', room: rooms.case(open.id), event: 'interaction:status', payload: { caseId: open.id, interactionId: row.id, status: 'read', error: null } });
      }
    }));

    socket.on('queue:status', guard(async (p: { caseId?: unknown }, ack: unknown) => {
      const open = await currentCase(app.db, visitor.id);
      // A widget still showing a conversation an agent has since closed learns it here.
      const known = Number(p?.caseId);
      if (!open && Number.isSafeInteger(known) && known > 0) {
        const last = await lastCase(app.db, visitor.id);
        if (last?.id === known) return safeAck(ack)({ ok: true, status: await queueStatus(app.db, known) });
      }
      safeAck(ack)({ ok: true, status: await queueStatus(app.db, open?.id ?? null) });
    }));

    // Ending always works; a transcript asked for with it is answered on its own (sent, link mailed, or why not).
    socket.on('end', guard(async (p: { transcript?: unknown; email?: unknown }, ack: unknown) => {
      const email = validEmail(p?.email);
      const caseId = await endConversation(deps, visitor);
      const transcript = p?.transcript === true ? await requestTranscript(deps, visitor, { caseId, email }) : undefined;
      safeAck(ack)({ ok: true, caseId, ...(transcript ? { transcript } : {}) });
    }));

    // A transcript can also be asked for after the agent closed the conversation.
    socket.on('transcript', guard(async (p: { email?: unknown }, ack: unknown) => {
      const c = await lastCase(app.db, visitor.id);
      safeAck(ack)(await requestTranscript(deps, visitor, { caseId: c?.id ?? null, email: validEmail(p?.email) }));
    }));

    socket.on('rate', guard(async (p: { rating?: unknown; comment?: unknown }, ack: unknown) => {
      const rating = Number(p?.rating);
      if (!Number.isInteger(rating) || rating < 1 || rating > 5) return safeAck(ack)({ ok: false, reason: 'rating must be 1 to 5' });
      const c = await lastCase(app.db, visitor.id);
      if (!c) return safeAck(ack)({ ok: false, reason: 'no conversation to rate' });
      const comment = typeof p?.comment === 'string' ? toWellFormed(p.comment.slice(0, 2000)).replace(/\u0000/g, '') : '';
      await rateCase(app.db, { caseId: c.id, customerId: c.customer_id, rating, comment, source: 'chat' });
      safeAck(ack)({ ok: true });
    }));

    // A reload reconnects within the grace period; only a visitor with no tab left has left the queue.
    socket.on('disconnect', () => void leaveChecks.schedule(visitor.id));
  });

  // An agent typing in or reading a chat case: the visitor's widget shows it.
  agentNamespace(app.io).on('connection', (socket) => {
    const agent = socket.data.agent;
    if (!agent) return;
    const visitorOf = async (caseId: unknown): Promise<string | null> => {
      const id = Number(caseId);
      if (!Number.isSafeInteger(id) || id < 1) return null;
      const r = await app.db.query(
        `SELECT ci.value FROM cases c JOIN customer_identities ci ON ci.customer_id = c.customer_id AND ci.kind = 'chat'
          WHERE c.id = $1 AND c.channel = 'chat' ORDER BY ci.id DESC LIMIT 1`,
        [id],
      );
      return r.rows[0]?.value ?? null;
    };
    socket.on('typing', (p: { caseId?: unknown; typing?: unknown }) => {
      void bestEffort(
        visitorOf(p?.caseId).then(async (v) => {
          if (v) await deps.realtime.emit({ nsp: '/visitor', room: rooms.visitor(v), event: 'typing', payload: { from: 'agent', name: agent.name, typing: p?.typing === true } });
        }),
        app.log,
        'relaying agent typing to the visitor',
      );
    });
    socket.on('chat:read', (p: { caseId?: unknown; upToId?: unknown }) => {
      const upTo = Number(p?.upToId);
      if (!Number.isSafeInteger(upTo)) return;
      void bestEffort(
        visitorOf(p?.caseId).then(async (v) => {
          if (!v) return;
          await app.db.query(
            `UPDATE interactions SET delivery_status = 'read', updated_at = now() WHERE case_id = $1 AND direction = 'inbound' AND id <= $2 AND delivery_status = 'received'`,
            [Number(p.caseId), upTo],
          );
          await deps.realtime.emit({ nsp: '/visitor', room: rooms.visitor(v), event: 'read', payload: { upToId: upTo } });
        }),
        app.log,
        'marking chat messages read',
      );
    });
  });

}
