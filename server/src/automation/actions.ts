/**
 * What a rule does to a case. Queue, assignment and status go through lifecycle/ (the one owner of that state);
 * descriptive fields through cases/case-actions.ts; notes and replies through the reply path (cases/reply.ts),
 * so a rule's reply is delivered, retried and shown exactly like an agent's. Every change carries the rule as
 * its cause, and the run ends with one timeline entry and one `automation` case event saying what was done.
 */
import type pg from 'pg';
import { withTransaction, type Queryable } from '../db/pool.js';
import { writeCaseEvent, type CaseEventCause } from '../db/case-events.js';
import type { RuleAction, RuleLog } from '../contracts/automation.js';
import type { HubQueues } from '../lib/queues.js';
import type { Log } from '../lib/log.js';
import { insertAgentNotices, pushAgentNotices } from '../notifications/agent-notices.js';
import type { Notification } from '../contracts/views.js';
import { bestEffort } from '../lib/best-effort.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import { editCase } from '../lifecycle/edit.js';
import { createReply } from '../cases/reply.js';
import { emitInteractionNew } from '../cases/case-realtime.js';
import { assignCase, transferCase } from '../lifecycle/transfer.js';
import { changeCaseStatus } from '../lifecycle/status.js';
import { caseCore, type CaseSnapshot } from './conditions.js';
import type { Rule } from './rules.js';
import { casePayload, sendToWebhook } from './webhooks.js';

export interface AutomationDeps {
  db: pg.Pool;
  queues: HubQueues;
  realtime: RealtimeEmitter;
  store: AttachmentStore;
  /** where replies may go (the same settings as agents' replies) */
  outbound: { countries: readonly string[]; defaultCountry: string };
  log: Log;
}

/** The case as conditions and templates see it, with the triggering message (or the first customer message) as body. */
export async function loadSnapshot(db: Queryable, caseId: number, interactionId?: number): Promise<CaseSnapshot | null> {
  const r = await db.query(
    `SELECT c.id, c.number, c.status, c.priority, c.type, c.channel, c.queue_id, c.assignee_id, c.tags, c.subject, c.language,
            cu.id AS customer_id, cu.name AS customer_name, cu.tier, cu.tags AS customer_tags, cu.language AS customer_language,
            COALESCE((SELECT text FROM interactions WHERE id = $2 AND case_id = c.id),
                     (SELECT text FROM interactions WHERE case_id = c.id AND direction = 'inbound' ORDER BY id LIMIT 1), '') AS body
       FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`,
    [caseId, interactionId ?? null],
  );
  const c = r.rows[0];
  if (!c) return null;
  return {
    ...caseCore(c),
    subject: c.subject ?? '',
    customerId: Number(c.customer_id),
    customerName: c.customer_name ?? '',
    customerTier: c.tier,
    customerTags: c.customer_tags,
    customerLanguage: c.customer_language,
    body: c.body ?? '',
  };
}

/** The text for the customer's language: theirs, else the case's, else English, else the first given. */
export function textFor(texts: Record<string, string>, s: Pick<CaseSnapshot, 'customerLanguage' | 'language'>): string {
  for (const lang of [s.customerLanguage, s.language, 'en']) if (lang && texts[lang]) return texts[lang]!;
  return Object.values(texts)[0] ?? '';
}

/** Placeholders of a rule's reply (the canned responses' names): {{customer.name}}, {{case.ref}}, {{case.subject}}. */
export function renderTemplate(text: string, s: Pick<CaseSnapshot, 'customerName' | 'number' | 'subject'>): string {
  return text
    .replaceAll('{{customer.name}}', s.customerName)
    .replaceAll('{{case.ref}}', `#${s.number}`)
    .replaceAll('{{case.subject}}', s.subject);
}

type Done = RuleLog['done'][number];

async function notifyTargets(db: Queryable, a: Extract<RuleAction, { type: 'notify' }>, snap: CaseSnapshot): Promise<number[]> {
  if (a.to === 'assignee') return snap.assigneeId ? [snap.assigneeId] : [];
  if (a.to === 'supervisors') {
    const r = await db.query(`SELECT id FROM agents WHERE active AND role IN ('supervisor', 'admin') ORDER BY id`);
    return r.rows.map((x) => Number(x.id));
  }
  const r = await db.query(`SELECT id FROM agents WHERE active AND id = ANY($1) ORDER BY id`, [a.agentIds ?? []]);
  return r.rows.map((x) => Number(x.id));
}

/** One action; returns what it did for the log. Throws with a reason the log shows when it cannot. */
async function runAction(deps: AutomationDeps, a: RuleAction, snap: CaseSnapshot, cause: CaseEventCause, rule: Rule, pending: { notify: { agents: number[]; text: string }[] }): Promise<Done> {
  const caseId = snap.id;
  switch (a.type) {
    case 'set_priority':
    case 'set_type':
    case 'add_tags':
    case 'remove_tags': {
      const cur = await deps.db.query(`SELECT tags FROM cases WHERE id = $1`, [caseId]);
      const tags: string[] = cur.rows[0]?.tags ?? [];
      const patch =
        a.type === 'set_priority' ? { priority: a.priority }
        : a.type === 'set_type' ? { type: a.caseType }
        : a.type === 'add_tags' ? { tags: [...tags, ...a.tags] }
        : { tags: tags.filter((t) => !a.tags.map((x) => x.toLowerCase()).includes(t)) };
      // a waiting case whose priority changed takes its new place in line (lifecycle/edit.ts)
      const changed = await editCase(deps, caseId, null, patch, cause);
      const value = a.type === 'set_priority' ? a.priority : a.type === 'set_type' ? a.caseType : a.tags.join(', ');
      return { type: a.type, value: changed.length ? value : `${value} (already)` };
    }
    case 'set_queue': {
      const q = a.queueId
        ? await deps.db.query(`SELECT id, name FROM queues WHERE id = $1`, [a.queueId])
        : await deps.db.query(`SELECT id, name FROM queues WHERE lower(name) = lower($1) ORDER BY id LIMIT 1`, [a.queueName ?? '']);
      const queue = q.rows[0];
      if (!queue) throw new Error(`no queue ${a.queueId ?? `"${a.queueName}"`}`);
      if (Number(queue.id) === snap.queueId) return { type: a.type, value: `${queue.name} (already)` };
      await transferCase(deps, { caseId, actorId: null, toQueueId: Number(queue.id), cause });
      return { type: a.type, value: queue.name };
    }
    case 'assign_agent': {
      const ag = await deps.db.query(`SELECT name FROM agents WHERE id = $1`, [a.agentId]);
      if (!ag.rowCount) throw new Error(`no agent ${a.agentId}`);
      await assignCase(deps, { caseId, actorId: null, agentId: a.agentId, cause });
      return { type: a.type, value: ag.rows[0].name };
    }
    case 'set_status': {
      const r = await changeCaseStatus(deps, {
        caseId,
        status: a.status,
        agentId: null,
        cause,
        ...(a.status === 'solved' ? { resolutionNote: `Solved by the rule "${rule.name}"` } : {}),
      });
      return { type: a.type, value: r.changed ? a.status : `${a.status} (already)` };
    }
    case 'add_note': {
      const r = await createReply(deps, { caseId, agentId: null, internal: true, text: renderTemplate(a.text, snap), cause, metadata: { automation: { ruleId: rule.id } } });
      await bestEffort(emitInteractionNew(deps.realtime, deps.db, r.interactionId), deps.log, 'announcing a rule note');
      return { type: a.type };
    }
    case 'send_reply': {
      const text = renderTemplate(textFor(a.texts, snap), snap);
      const r = await createReply(deps, { caseId, agentId: null, text, cause, metadata: { automation: { ruleId: rule.id } } });
      await bestEffort(emitInteractionNew(deps.realtime, deps.db, r.interactionId), deps.log, 'announcing a rule reply');
      return { type: a.type, value: snap.customerLanguage ?? snap.language ?? 'en' };
    }
    case 'notify': {
      const agents = await notifyTargets(deps.db, a, snap);
      if (!agents.length) throw new Error(a.to === 'assignee' ? 'the case has no assignee' : 'nobody to notify');
      pending.notify.push({ agents, text: renderTemplate(a.text, snap) });
      return { type: a.type, value: a.to };
    }
    case 'call_webhook': {
      await sendToWebhook(deps.db, deps.queues.webhooks, a.webhookId, 'rule.triggered', { rule: { id: rule.id, name: rule.name }, case: await casePayload(deps.db, caseId) }, deps.log);
      return { type: a.type, value: String(a.webhookId) };
    }
  }
}

/**
 * Runs a rule's actions on a case in order (one failing does not stop the next), then writes what happened:
 * a system entry in the case's timeline (metadata.automation, shown translated by the workspace) and an
 * `automation` case event, plus the notifications its notify actions asked for.
 */
export async function runRule(deps: AutomationDeps, rule: Rule, eventId: number, snap: CaseSnapshot, chain: number[]): Promise<RuleLog> {
  const cause: CaseEventCause = { automation: { ruleId: rule.id, chain } };
  const done: Done[] = [];
  const pending = { notify: [] as { agents: number[]; text: string }[] };
  for (const a of rule.actions) {
    try {
      done.push(await runAction(deps, a, snap, cause, rule, pending));
    } catch (err) {
      done.push({ type: a.type, error: (err as Error).message });
      deps.log.info({ err, ruleId: rule.id, caseId: snap.id, action: a.type }, 'automation: an action could not be done');
    }
  }
  const log: RuleLog = { ruleId: rule.id, ruleName: rule.name, eventId, done };
  const summary = done.map((d) => `${d.type.replace('_', ' ')}${d.value ? ` ${d.value}` : ''}${d.error ? ` failed: ${d.error}` : ''}`).join('; ');
  const written = await withTransaction(deps.db, async (tx) => {
    const i = await tx.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, text, delivery_status, metadata)
       SELECT id, customer_id, channel, 'internal', 'system', $2, 'delivered', $3 FROM cases WHERE id = $1 RETURNING id`,
      [snap.id, `Rule "${rule.name}": ${summary}`, JSON.stringify({ automation: log })],
    );
    await writeCaseEvent(tx, { caseId: snap.id, type: 'automation', data: { ...log, automation: cause.automation } });
    const interactionId = Number(i.rows[0].id);
    const notified: Notification[] = [];
    for (const n of pending.notify) {
      notified.push(
        ...(await insertAgentNotices(tx, { kind: 'rule', to: { agentIds: n.agents }, caseId: snap.id, interactionId, text: n.text, data: { ruleName: rule.name } })),
      );
    }
    return { interactionId, notified };
  });
  await bestEffort(emitInteractionNew(deps.realtime, deps.db, written.interactionId), deps.log, 'announcing a rule run');
  await pushAgentNotices({ realtime: deps.realtime, log: deps.log }, written.notified);
  return log;
}
