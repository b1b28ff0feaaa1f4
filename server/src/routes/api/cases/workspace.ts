import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caseLinks, getCaseView, listMyCases, listWaiting, markCaseRead } from '../../../cases/case-view.js';
import { customerTimeline } from '../../../cases/timeline.js';
import { linkCases, unlinkCases, validateStatusChange } from '../../../cases/case-actions.js';
import { editCase } from '../../../lifecycle/edit.js';
import { mergeCases } from '../../../lifecycle/merge.js';
import { changeCaseStatus } from '../../../lifecycle/status.js';
import { transferCase } from '../../../lifecycle/transfer.js';
import type { RoutingDeps } from '../../../lifecycle/deps.js';
import { emitCaseUpdated } from '../../../cases/case-realtime.js';
import { badRequest, conflict, forbidden, notFound } from '../../../lib/errors.js';
import { CasePriorityT, CaseStatusT, CaseTypeT, IdParams, Id } from '../../../schemas/common.js';
import { sendAttachment } from '../../../storage/send-attachment.js';
import { caseScope, checkCase, enforceVerdict, type Actor } from '../../../access/policy.js';
import { CaseList, CaseWithLinks, TimelinePage } from '../../../contracts/views.js';

const Tag = Type.String({ minLength: 1, maxLength: 50 });

/** The agent workspace's view of cases: lists, one case, its customer's timeline and the actions on it. */
const workspaceCases: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);
  const routing = (): RoutingDeps => app.routingDeps;
  // Who may call each route is declared in access/routes.ts; these check what only the body or a second case tells.
  const mode = () => app.config.agentCaseAccess;
  const scopeOf = (me: Actor) => (alias: string, params: unknown[]) => caseScope(me, mode(), alias, params);

  app.get(
    '/cases',
    {
      schema: {
        tags: ['cases'],
        summary: "The signed-in agent's cases (view=mine) or waiting cases in routing order (view=queue, supervisors)",
        querystring: Type.Object({
          view: Type.Optional(Type.Union([Type.Literal('mine'), Type.Literal('queue')])),
          status: Type.Optional(Type.Array(CaseStatusT)),
          channel: Type.Optional(Type.Array(Type.String())),
          queueId: Type.Optional(Id()),
        }),
        response: { 200: CaseList },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.view === 'queue') {
        if (!['supervisor', 'admin'].includes(req.agent!.role)) throw forbidden('the queue view is for supervisors');
        return { cases: await listWaiting(app.db, req.agent!.id, q.queueId) };
      }
      return { cases: await listMyCases(app.db, req.agent!.id, { status: q.status, channel: q.channel }) };
    },
  );

  app.get('/cases/:id', { schema: { tags: ['cases'], summary: 'One case with links; marks it read for the agent', params: IdParams, response: { 200: CaseWithLinks } } }, async (req) => {
    const c = await getCaseView(app.db, req.params.id, req.agent!.id);
    await markCaseRead(app.db, req.agent!.id, c.id);
    return { case: { ...c, unread: false }, links: await caseLinks(app.db, c.id) };
  });

  app.post('/cases/:id/read', { schema: { tags: ['cases'], params: IdParams } }, async (req) => {
    if (!(await markCaseRead(app.db, req.agent!.id, req.params.id))) throw notFound('case');
    return { ok: true };
  });

  app.get(
    '/cases/:id/timeline',
    {
      schema: {
        tags: ['cases'],
        summary: "The case customer's interactions on every channel and case, newest first; page back with `before`",
        params: IdParams,
        querystring: Type.Object({ before: Type.Optional(Type.String({ maxLength: 80 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        response: { 200: TimelinePage },
      },
    },
    async (req) => {
      const r = await app.db.query(`SELECT customer_id FROM cases WHERE id = $1`, [req.params.id]);
      if (!r.rowCount) throw notFound('case');
      return customerTimeline(app.db, r.rows[0].customer_id, { before: req.query.before, limit: req.query.limit, scope: scopeOf(req.agent!) });
    },
  );

  app.get(
    '/cases/:id/attachments/:attachmentId',
    { schema: { tags: ['cases'], params: Type.Object({ id: Id(), attachmentId: Id() }) } },
    async (req, reply) => {
      const r = await app.db.query(
        `SELECT t.filename, t.content_type, t.storage_key FROM attachments t JOIN interactions i ON i.id = t.interaction_id WHERE t.id = $1 AND i.case_id = $2`,
        [req.params.attachmentId, req.params.id],
      );
      if (!r.rowCount) throw notFound('attachment');
      return sendAttachment(reply, app.store, r.rows[0]);
    },
  );

  app.patch(
    '/cases/:id',
    {
      schema: {
        tags: ['cases'],
        summary: 'Change subject, priority, type or tags',
        params: IdParams,
        body: Type.Object({
          subject: Type.Optional(Type.String({ maxLength: 500 })),
          priority: Type.Optional(CasePriorityT),
          type: Type.Optional(CaseTypeT),
          tags: Type.Optional(Type.Array(Tag, { maxItems: 30 })),
        }),
      },
    },
    async (req) => {
      if (req.body.priority !== undefined) enforceVerdict(await checkCase(app.db, req.agent!, mode(), req.params.id, 'change'));
      const changed = await editCase(routing(), req.params.id, req.agent!.id, req.body);
      return { changed, case: await getCaseView(app.db, req.params.id, req.agent!.id) };
    },
  );

  app.post(
    '/cases/:id/status',
    {
      schema: {
        tags: ['cases'],
        summary: 'Change status: solved needs resolutionNote, pending needs pendingUntil (follow-up reminder)',
        params: IdParams,
        body: Type.Object({
          status: CaseStatusT,
          resolutionNote: Type.Optional(Type.String({ maxLength: 5000 })),
          pendingUntil: Type.Optional(Type.String({ format: 'date-time' })),
        }),
      },
    },
    async (req) => {
      const change = validateStatusChange(req.body);
      if (change.status === 'new') throw badRequest('a case cannot be set back to new', [{ field: 'status', reason: 'not settable' }]);
      const me = req.agent!.id;
      // the answer's case view comes with the change when its statement could read it (solve, close, pending)
      const r = await changeCaseStatus(routing(), { caseId: req.params.id, agentId: me, viewerId: me, status: change.status, resolutionNote: change.resolutionNote, pendingUntil: change.pendingUntil ?? undefined });
      return { from: r.from, to: r.to, case: r.view ?? (await getCaseView(app.db, req.params.id, me)) };
    },
  );

  const LIVE_CHANNELS = new Set(['chat', 'voice']);
  app.post(
    '/cases/:id/transfer',
    {
      schema: {
        tags: ['cases'],
        summary: 'Transfer a case you hold (supervisors: any case) to another agent (assigned at once) or to a queue (keeps its place in line)',
        params: IdParams,
        body: Type.Object({
          agentId: Type.Optional(Id()),
          queueId: Type.Optional(Id()),
          toAgentId: Type.Optional(Id()),
          toQueueId: Type.Optional(Id()),
        }),
      },
    },
    async (req) => {
      const agentId = req.body.agentId ?? req.body.toAgentId;
      const queueId = req.body.queueId ?? req.body.toQueueId;
      if (!!agentId === !!queueId) throw badRequest('give exactly one of agentId or queueId', [{ field: 'agentId', reason: 'exactly one target' }]);
      const me = req.agent!;
      const c = await app.db.query(`SELECT assignee_id, channel FROM cases WHERE id = $1`, [req.params.id]);
      if (!c.rowCount) throw notFound('case');
      if (agentId && LIVE_CHANNELS.has(c.rows[0].channel)) {
        // a live chat or call handed to someone who is not there leaves the customer waiting on nobody
        const to = await app.db.query(`SELECT name, presence FROM agents WHERE id = $1`, [agentId]);
        if (to.rows[0]?.presence === 'offline') {
          throw conflict(`${to.rows[0].name} is offline: a live ${c.rows[0].channel === 'voice' ? 'call' : 'chat'} can only go to someone who is online (or to a queue)`);
        }
      }
      const holder = await transferCase(routing(), { caseId: req.params.id, actorId: me.id, toAgentId: agentId, toQueueId: queueId });
      return { ...holder, case: await getCaseView(app.db, req.params.id, me.id) };
    },
  );

  const CaseRef = Type.Object({
    caseId: Type.Optional(Id()),
    number: Type.Optional(Id()),
    kind: Type.Optional(Type.Union([Type.Literal('related'), Type.Literal('follow_up')])),
  });
  /** The other case of a link or merge; one the agent may not read is as unknown as a missing one. */
  async function resolveRef(me: Actor, ref: { caseId?: number; number?: number }): Promise<number> {
    let id = ref.caseId;
    if (!id) {
      if (!ref.number) throw badRequest('give caseId or number', [{ field: 'number', reason: 'required' }]);
      const r = await app.db.query(`SELECT id FROM cases WHERE number = $1`, [ref.number]);
      if (!r.rowCount) throw notFound(`case #${ref.number}`);
      id = Number(r.rows[0].id);
    }
    const v = await checkCase(app.db, me, mode(), id, 'read');
    if (!v.ok) throw notFound(ref.number ? `case #${ref.number}` : 'case');
    return id;
  }

  app.post('/cases/:id/links', { schema: { tags: ['cases'], summary: 'Link another case (by id or number)', params: IdParams, body: CaseRef } }, async (req) => {
    const other = await resolveRef(req.agent!, req.body);
    await linkCases(app.db, req.params.id, other, req.agent!.id, req.body.kind);
    await emitCaseUpdated(app.realtime, app.db, req.params.id);
    return { links: await caseLinks(app.db, req.params.id) };
  });

  app.delete(
    '/cases/:id/links/:otherId',
    { schema: { tags: ['cases'], params: Type.Object({ id: Id(), otherId: Id() }) } },
    async (req) => {
      await unlinkCases(app.db, req.params.id, req.params.otherId);
      return { links: await caseLinks(app.db, req.params.id) };
    },
  );

  app.post(
    '/cases/:id/merge',
    { schema: { tags: ['cases'], summary: 'Merge this case into another case of the same customer', params: IdParams, body: CaseRef } },
    async (req) => {
      const target = await resolveRef(req.agent!, req.body);
      await mergeCases(routing(), req.params.id, target, req.agent!.id);
      await emitCaseUpdated(app.realtime, app.db, req.params.id);
      await emitCaseUpdated(app.realtime, app.db, target);
      return { mergedInto: target };
    },
  );
};

export default workspaceCases;
