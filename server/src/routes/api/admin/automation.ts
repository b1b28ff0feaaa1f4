import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest, HttpError, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { RuleInput, RuleView, WebhookDeliveryView, WebhookInput, WebhookView } from '../../../contracts/automation.js';
import { listRules, ruleView } from '../../../automation/rules.js';
import { checkWebhookUrl, WebhookTargetError } from '../../../automation/webhook-target.js';
import { boxSecret, listDeliveries, newWebhookSecret, replayDelivery, sendToWebhook } from '../../../automation/webhooks.js';

type Problem = { field: string; reason: string };

/** What the schema cannot say about a rule: the queues, agents and webhooks it names exist. */
async function ruleProblems(db: pg.Pool, b: RuleInput): Promise<Problem[]> {
  const problems: Problem[] = [];
  const missing = async (table: 'queues' | 'agents' | 'webhook_endpoints', ids: number[]) => {
    if (!ids.length) return [];
    const r = await db.query(`SELECT id FROM ${table} WHERE id = ANY($1)`, [ids]);
    const have = new Set(r.rows.map((x) => Number(x.id)));
    return ids.filter((id) => !have.has(id));
  };
  for (const id of await missing('queues', b.conditions.queueIds ?? [])) problems.push({ field: 'conditions.queueIds', reason: `no queue ${id}` });
  for (const [i, a] of b.actions.entries()) {
    if (a.type === 'set_queue') {
      if (a.queueId == null && !a.queueName) problems.push({ field: `actions.${i}`, reason: 'name the queue (queueId)' });
      else if (a.queueId != null && (await missing('queues', [a.queueId])).length) problems.push({ field: `actions.${i}.queueId`, reason: `no queue ${a.queueId}` });
    }
    if (a.type === 'assign_agent' && (await missing('agents', [a.agentId])).length) problems.push({ field: `actions.${i}.agentId`, reason: `no agent ${a.agentId}` });
    if (a.type === 'notify' && a.to === 'agents' && !a.agentIds?.length) problems.push({ field: `actions.${i}.agentIds`, reason: 'name the agents to notify' });
    if (a.type === 'call_webhook' && (await missing('webhook_endpoints', [a.webhookId])).length) problems.push({ field: `actions.${i}.webhookId`, reason: `no webhook ${a.webhookId}` });
  }
  return problems;
}

const refuse = (problems: Problem[]) => {
  if (problems.length) throw badRequest(problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);
};

const WEBHOOK_COLUMNS = `id, name, url, events, enabled, updated_at AS "updatedAt"`;

/**
 * /api/v1/admin/automation-rules and /api/v1/admin/webhooks — automation rules (ordered, evaluated by the
 * automation worker on case events) and outbound webhook subscriptions with their delivery log. Admins only
 * (access/routes.ts).
 */
const automation: FastifyPluginAsyncTypebox = async (app) => {
  const allowPrivate = app.config.automation.webhookAllowPrivate;

  app.get('/automation-rules', { schema: { tags: ['admin'], summary: 'Automation rules in evaluation order', response: { 200: Type.Array(RuleView) } } }, async () => listRules(app.db));

  app.post(
    '/automation-rules',
    { schema: { tags: ['admin'], summary: 'Create a rule (placed last unless a position is given)', body: RuleInput, response: { 201: RuleView, 400: ErrorView } } },
    async (req, reply) => {
      const b = req.body;
      refuse(await ruleProblems(app.db, b));
      const r = await app.db.query(
        `INSERT INTO automation_rules (name, position, enabled, trigger, conditions, actions, stop_processing)
         VALUES ($1, COALESCE($2, (SELECT COALESCE(max(position), 0) + 10 FROM automation_rules)), $3, $4, $5, $6, $7) RETURNING id`,
        [b.name, b.position ?? null, b.enabled, JSON.stringify(b.trigger), JSON.stringify(b.conditions), JSON.stringify(b.actions), b.stopProcessing],
      );
      const view = (await ruleView(app.db, r.rows[0].id))!;
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'automation_rule', entityId: view.id, after: view, ip: req.ip });
      return reply.code(201).send(view);
    },
  );

  app.put(
    '/automation-rules/:id',
    { schema: { tags: ['admin'], summary: 'Replace a rule', params: IdParams, body: RuleInput, response: { 200: RuleView, 400: ErrorView, 404: ErrorView } } },
    async (req) => {
      const before = await ruleView(app.db, req.params.id);
      if (!before) throw notFound('rule');
      const b = req.body;
      refuse(await ruleProblems(app.db, b));
      await app.db.query(
        `UPDATE automation_rules SET name = $2, position = COALESCE($3, position), enabled = $4, trigger = $5, conditions = $6, actions = $7,
                stop_processing = $8, updated_at = now() WHERE id = $1`,
        [req.params.id, b.name, b.position ?? null, b.enabled, JSON.stringify(b.trigger), JSON.stringify(b.conditions), JSON.stringify(b.actions), b.stopProcessing],
      );
      const after = (await ruleView(app.db, req.params.id))!;
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'automation_rule', entityId: after.id, before, after, ip: req.ip });
      return after;
    },
  );

  app.post(
    '/automation-rules/order',
    { schema: { tags: ['admin'], summary: 'Set the evaluation order: every rule id, first to last', body: Type.Object({ ids: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 }) }), response: { 200: Type.Array(RuleView), 400: ErrorView } } },
    async (req) => {
      const all = (await app.db.query(`SELECT id FROM automation_rules`)).rows.map((r) => Number(r.id));
      const ids = req.body.ids;
      if (ids.length !== all.length || new Set(ids).size !== ids.length || !all.every((id) => ids.includes(id))) throw badRequest('ids: list every rule exactly once');
      await app.db.query(`UPDATE automation_rules r SET position = o.n * 10, updated_at = now() FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, n) WHERE r.id = o.id`, [ids]);
      await audit(app.db, { actorId: req.agent!.id, action: 'reorder', entity: 'automation_rule', after: { ids }, ip: req.ip });
      return listRules(app.db);
    },
  );

  app.delete('/automation-rules/:id', { schema: { tags: ['admin'], summary: 'Delete a rule (its log entries on cases stay)', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } }, async (req, reply) => {
    const before = await ruleView(app.db, req.params.id);
    if (!before) throw notFound('rule');
    await app.db.query(`DELETE FROM automation_rules WHERE id = $1`, [req.params.id]);
    await audit(app.db, { actorId: req.agent!.id, action: 'delete', entity: 'automation_rule', entityId: req.params.id, before, ip: req.ip });
    return reply.code(204).send(null);
  });

  const checkUrl = async (url: string) => {
    try {
      await checkWebhookUrl(url, allowPrivate);
    } catch (err) {
      if (err instanceof WebhookTargetError) throw new HttpError(422, `url: ${err.message}`, [{ field: 'url', reason: err.message }]);
      throw err;
    }
  };

  app.get('/webhooks', { schema: { tags: ['admin'], summary: 'Outbound webhook subscriptions', response: { 200: Type.Array(WebhookView) } } }, async () => {
    return (await app.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhook_endpoints ORDER BY id`)).rows;
  });

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['admin'],
        summary: 'Subscribe a URL to events; the signing secret is in the answer, once',
        body: WebhookInput,
        response: { 201: WebhookView, 400: ErrorView, 422: ErrorView },
      },
    },
    async (req, reply) => {
      await checkUrl(req.body.url);
      const secret = newWebhookSecret();
      const r = await app.db.query(
        `INSERT INTO webhook_endpoints (name, url, secret_box, events, enabled) VALUES ($1, $2, $3, $4, $5) RETURNING ${WEBHOOK_COLUMNS}`,
        [req.body.name, req.body.url, boxSecret(app.config.encryptionKey, secret), req.body.events, req.body.enabled],
      );
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'webhook', entityId: r.rows[0].id, after: r.rows[0], ip: req.ip });
      return reply.code(201).send({ ...r.rows[0], secret });
    },
  );

  app.put(
    '/webhooks/:id',
    { schema: { tags: ['admin'], summary: 'Change a subscription (the secret stays)', params: IdParams, body: WebhookInput, response: { 200: WebhookView, 404: ErrorView, 422: ErrorView } } },
    async (req) => {
      const before = (await app.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [req.params.id])).rows[0];
      if (!before) throw notFound('webhook');
      await checkUrl(req.body.url);
      const r = await app.db.query(
        `UPDATE webhook_endpoints SET name = $2, url = $3, events = $4, enabled = $5, updated_at = now() WHERE id = $1 RETURNING ${WEBHOOK_COLUMNS}`,
        [req.params.id, req.body.name, req.body.url, req.body.events, req.body.enabled],
      );
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'webhook', entityId: req.params.id, before, after: r.rows[0], ip: req.ip });
      return r.rows[0];
    },
  );

  app.post(
    '/webhooks/:id/secret',
    { schema: { tags: ['admin'], summary: 'Rotate the signing secret; the new one is in the answer, once', params: IdParams, response: { 200: WebhookView, 404: ErrorView } } },
    async (req) => {
      const secret = newWebhookSecret();
      const r = await app.db.query(`UPDATE webhook_endpoints SET secret_box = $2, updated_at = now() WHERE id = $1 RETURNING ${WEBHOOK_COLUMNS}`, [req.params.id, boxSecret(app.config.encryptionKey, secret)]);
      if (!r.rowCount) throw notFound('webhook');
      await audit(app.db, { actorId: req.agent!.id, action: 'rotate_secret', entity: 'webhook', entityId: req.params.id, ip: req.ip });
      return { ...r.rows[0], secret };
    },
  );

  app.delete('/webhooks/:id', { schema: { tags: ['admin'], summary: 'Remove a subscription and its delivery log', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } }, async (req, reply) => {
    const before = (await app.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [req.params.id])).rows[0];
    if (!before) throw notFound('webhook');
    await app.db.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [req.params.id]);
    await audit(app.db, { actorId: req.agent!.id, action: 'delete', entity: 'webhook', entityId: req.params.id, before, ip: req.ip });
    return reply.code(204).send(null);
  });

  app.post(
    '/webhooks/:id/test',
    { schema: { tags: ['admin'], summary: 'Send a signed `ping` delivery now', params: IdParams, response: { 202: Type.Object({ deliveryId: Type.Integer() }), 404: ErrorView, 409: ErrorView } } },
    async (req, reply) => {
      const e = await app.db.query(`SELECT enabled FROM webhook_endpoints WHERE id = $1`, [req.params.id]);
      if (!e.rowCount) throw notFound('webhook');
      if (!e.rows[0].enabled) throw new HttpError(409, 'the webhook is switched off');
      const deliveryId = await sendToWebhook(app.db, app.queues.webhooks, req.params.id, 'ping', { hello: 'contact-hub' }, req.log);
      return reply.code(202).send({ deliveryId });
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    { schema: { tags: ['admin'], summary: 'The delivery log: newest first, each with its attempts and response codes', params: IdParams, response: { 200: Type.Array(WebhookDeliveryView), 404: ErrorView } } },
    async (req) => {
      const e = await app.db.query(`SELECT 1 FROM webhook_endpoints WHERE id = $1`, [req.params.id]);
      if (!e.rowCount) throw notFound('webhook');
      return listDeliveries(app.db, req.params.id);
    },
  );

  app.post(
    '/webhooks/deliveries/:id/replay',
    { schema: { tags: ['admin'], summary: 'Send a delivery again (as a new delivery with the same body)', params: IdParams, response: { 202: Type.Object({ deliveryId: Type.Integer() }), 404: ErrorView } } },
    async (req, reply) => {
      const deliveryId = await replayDelivery(app.db, app.queues.webhooks, req.params.id, req.log);
      if (deliveryId == null) throw notFound('delivery');
      await audit(app.db, { actorId: req.agent!.id, action: 'replay', entity: 'webhook_delivery', entityId: req.params.id, after: { deliveryId }, ip: req.ip });
      return reply.code(202).send({ deliveryId });
    },
  );
};

export default automation;
