import type pg from 'pg';
import type { AssignedEvent, ChannelAdapter } from '../types.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { PermanentDeliveryError } from '../types.js';
import { rooms } from '../../contracts/realtime.js';
import { messagesOf } from './conversation.js';
import { chatRoutes } from './routes.js';
import { namedStatement, runNamed } from '../../db/named.js';

/**
 * Web chat: visitors write over the /visitor socket; agent replies are pushed to the visitor's
 * room from whichever process delivers them, so they arrive instantly on any node.
 */
export const chatChannel: ChannelAdapter = {
  channel: 'chat',
  routes: { prefix: '/widget', plugin: chatRoutes },
  async send(ctx, msg) {
    if (!msg.to) throw new PermanentDeliveryError('chat reply has no visitor');
    if (!ctx.realtime) throw new Error('no realtime emitter available to reach the visitor');
    const room = rooms.visitor(msg.to);
    const [m] = await messagesOf(ctx.db, msg.caseId, msg.interactionId);
    if (!m) throw new PermanentDeliveryError('interaction vanished');
    // An agent who answers without holding the case (routing announces the holder through
    // onAssigned) is introduced with their first message in this conversation.
    const first = await ctx.db.query(
      `SELECT a.name, c.assignee_id = a.id AS holder,
              (SELECT count(*)::int FROM interactions o WHERE o.case_id = $1 AND o.direction = 'outbound' AND o.author_agent_id = a.id AND o.id < $2) AS earlier
         FROM interactions i JOIN agents a ON a.id = i.author_agent_id JOIN cases c ON c.id = i.case_id WHERE i.id = $2`,
      [msg.caseId, msg.interactionId],
    );
    const f = first.rows[0];
    if (f && f.earlier === 0 && !f.holder) {
      await ctx.realtime.emit({ nsp: '/visitor', room, event: 'agent:joined', payload: { caseId: msg.caseId, name: f.name } });
    }
    await ctx.realtime.emit({ nsp: '/visitor', room, event: 'message', payload: { ...m, status: 'sent' } });
    return { provider: 'chat', status: 'sent' };
  },
  // from a lifecycle job queued before onAssignedInline existed (or for a case whose channel the assigner did not know)
  async onAssigned(ctx, e) {
    if (ctx.realtime) await announceAgent(ctx.db, ctx.realtime, e, false);
  },
  // a notice only (the visitor sees the agent's name): sent by the process that assigned, right after commit
  async onAssignedInline(ctx, e) {
    await announceAgent(ctx.db, ctx.realtime, e, true);
  },
};

// runs on every chat accept
const AGENT_AND_VISITOR = namedStatement(
  'chat-agent-and-visitor',
  `SELECT a.name, ci.value AS visitor FROM agents a, cases c JOIN customer_identities ci ON ci.customer_id = c.customer_id AND ci.kind = 'chat'
    WHERE a.id = $1 AND c.id = $2 AND (NOT $3 OR c.assignee_id = a.id) ORDER BY ci.id DESC LIMIT 1`,
);

/**
 * `agent:joined` to the visitor of the chat, in one query (the agent's name and the visitor). `holderOnly`: only
 * while the agent still holds the case (the worker checks that itself before onAssigned; inline, a reassignment
 * committed in the meantime makes this one moot).
 */
async function announceAgent(db: pg.Pool, realtime: RealtimeEmitter, e: AssignedEvent, holderOnly: boolean): Promise<void> {
  const r = await runNamed(db, AGENT_AND_VISITOR, [e.agentId, e.caseId, holderOnly]);
  if (!r.rowCount) return;
  await realtime.emit({ nsp: '/visitor', room: rooms.visitor(r.rows[0].visitor), event: 'agent:joined', payload: { caseId: e.caseId, name: r.rows[0].name } });
}
