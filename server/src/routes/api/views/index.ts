import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, Id } from '../../../schemas/common.js';
import { badRequest, HttpError } from '../../../lib/errors.js';
import { bestEffort } from '../../../lib/best-effort.js';
import { checkCase, type Actor, type CaseNeed } from '../../../access/policy.js';
import {
  BulkBody,
  BulkResult,
  CaseViewEntry,
  CaseViewList,
  Macro,
  MacroBody,
  MacroList,
  SavedViewBody,
  SplitBody,
  SplitResult,
  ViewQueryBody,
  ViewQueryResult,
  type BulkAction,
  type BulkOutcome,
} from '../../../contracts/case-views.js';
import { createSavedView, deleteSavedView, listViews, queryView, resolveView, updateSavedView } from '../../../cases/case-views.js';
import { createMacro, deleteMacro, getMacro, listMacros, macroNeedsChange, runMacro, updateMacro } from '../../../cases/macros.js';
import { applyCaseActions } from '../../../lifecycle/case-actions.js';
import { mergeCases } from '../../../lifecycle/merge.js';
import { splitInteraction } from '../../../lifecycle/split.js';
import { emitCaseUpdated, emitInteractionNew } from '../../../cases/case-realtime.js';
import type { ReplyDeps } from '../../../cases/reply.js';

/** Case views (built-in and saved, with counts), bulk actions on a selection, macros and splitting a case. */
const caseViews: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);
  const mode = () => app.config.agentCaseAccess;
  const replyDeps = (log: ReplyDeps['log']): ReplyDeps => ({
    db: app.db,
    queues: app.queues,
    store: app.store,
    outbound: { countries: app.config.outbound.countries, defaultCountry: app.config.twilio.defaultCountry },
    log,
  });

  // ---- views ----

  app.get('/views', { schema: { tags: ['views'], summary: 'Built-in and saved case views with their counts (what the caller may read)', response: { 200: CaseViewList } } }, async (req) => ({
    views: await listViews(app.db, req.agent!, mode()),
  }));

  app.post(
    '/views/query',
    { schema: { tags: ['views'], summary: 'The cases of a view (by key) or of an unsaved filter, sorted, one page', body: ViewQueryBody, response: { 200: ViewQueryResult } } },
    async (req) => {
      const b = req.body;
      if (!b.key && !b.filter) throw badRequest('give a view key or a filter', [{ field: 'key', reason: 'key or filter required' }]);
      const base = b.key ? await resolveView(app.db, req.agent!, b.key) : null;
      return queryView(app.db, req.agent!, mode(), { filter: b.filter ?? base!.filter, sort: b.sort ?? base?.sort ?? 'activity', limit: b.limit, offset: b.offset });
    },
  );

  app.post('/views', { schema: { tags: ['views'], summary: 'Save a view (personal; shared needs a supervisor)', body: SavedViewBody, response: { 201: CaseViewEntry } } }, async (req, reply) =>
    reply.code(201).send(await createSavedView(app.db, req.agent!, req.body)),
  );

  app.patch(
    '/views/:id',
    { schema: { tags: ['views'], summary: 'Change a saved view (its owner; a shared one: a supervisor)', params: IdParams, body: Type.Partial(SavedViewBody), response: { 200: CaseViewEntry } } },
    async (req) => updateSavedView(app.db, req.agent!, req.params.id, req.body),
  );

  app.delete('/views/:id', { schema: { tags: ['views'], summary: 'Delete a saved view', params: IdParams } }, async (req) => {
    await deleteSavedView(app.db, req.agent!, req.params.id);
    return { ok: true };
  });

  // ---- macros ----

  app.get('/macros', { schema: { tags: ['macros'], summary: 'Shared macros and the caller’s own', response: { 200: MacroList } } }, async (req) => ({ macros: await listMacros(app.db, req.agent!) }));

  app.post('/macros', { schema: { tags: ['macros'], summary: 'Create a macro (personal; shared needs a supervisor)', body: MacroBody, response: { 201: Macro } } }, async (req, reply) =>
    reply.code(201).send(await createMacro(app.db, req.agent!, req.body)),
  );

  app.put('/macros/:id', { schema: { tags: ['macros'], summary: 'Replace a macro (its owner; a shared one: a supervisor)', params: IdParams, body: MacroBody, response: { 200: Macro } } }, async (req) =>
    updateMacro(app.db, req.agent!, req.params.id, req.body),
  );

  app.delete('/macros/:id', { schema: { tags: ['macros'], summary: 'Delete a macro', params: IdParams } }, async (req) => {
    await deleteMacro(app.db, req.agent!, req.params.id);
    return { ok: true };
  });

  app.post(
    '/cases/:id/macros/:macroId',
    {
      schema: {
        tags: ['macros'],
        summary: 'Run a macro on a case: its actions (holder or supervisor when they change status, priority or assignment), then its reply',
        params: Type.Object({ id: Id(), macroId: Id() }),
        response: { 200: Type.Object({ interactionId: Type.Union([Type.Integer(), Type.Null()]), replyError: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (req) => {
      const me = req.agent!;
      const m = await getMacro(app.db, me, req.params.macroId);
      if (macroNeedsChange(m)) {
        const v = await checkCase(app.db, me, mode(), req.params.id, 'change');
        if (!v.ok) throw new HttpError(v.status, v.message);
      }
      const r = await runMacro({ routing: app.routingDeps, reply: replyDeps(req.log) }, me, req.params.id, m);
      if (r.interactionId) await bestEffort(emitInteractionNew(app.realtime, app.db, r.interactionId), req.log, 'interaction:new emit');
      await bestEffort(emitCaseUpdated(app.realtime, app.db, req.params.id), req.log, 'case:updated emit');
      return r;
    },
  );

  // ---- bulk ----

  /** What each selected case needs the caller to be allowed: reading it, or changing it (holder or supervisor). */
  async function needFor(me: Actor, a: BulkAction): Promise<CaseNeed> {
    if (a.kind === 'tags' || a.kind === 'type') return 'read';
    if (a.kind === 'macro') return macroNeedsChange(await getMacro(app.db, me, a.macroId)) ? 'change' : 'read';
    return 'change';
  }

  app.post(
    '/cases/bulk',
    {
      schema: {
        tags: ['cases'],
        summary: 'One action on a selection of cases, each through the case lifecycle with its own audit entry; answers per case',
        body: BulkBody,
        response: { 200: BulkResult },
      },
    },
    async (req) => {
      const me = req.agent!;
      const { action } = req.body;
      const ids = [...new Set(req.body.caseIds)];
      const need = await needFor(me, action);
      const macro = action.kind === 'macro' ? await getMacro(app.db, me, action.macroId) : null;
      if (action.kind === 'merge') {
        const t = await checkCase(app.db, me, mode(), action.targetId, 'read');
        if (!t.ok) throw new HttpError(404, 'the case to merge into was not found');
      }
      const results: BulkOutcome[] = [];
      for (const caseId of ids) {
        const v = await checkCase(app.db, me, mode(), caseId, need);
        if (!v.ok) {
          results.push({ caseId, ok: false, status: v.status, message: v.message });
          continue;
        }
        try {
          let replyError: string | null = null;
          if (action.kind === 'merge') {
            if (caseId === action.targetId) {
              results.push({ caseId, ok: true, status: 200, message: null });
              continue;
            }
            await mergeCases(app.routingDeps, caseId, action.targetId, me.id);
          } else if (macro) {
            const r = await runMacro({ routing: app.routingDeps, reply: replyDeps(req.log) }, me, caseId, macro);
            replyError = r.replyError;
            if (r.interactionId) await bestEffort(emitInteractionNew(app.realtime, app.db, r.interactionId), req.log, 'interaction:new emit');
          } else if (action.kind !== 'macro') {
            await applyCaseActions(app.routingDeps, { caseId, actorId: me.id, actions: [action], auditAction: `case.bulk.${action.kind}` });
          }
          results.push({ caseId, ok: true, status: 200, message: null, ...(replyError ? { replyError } : {}) });
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          results.push({ caseId, ok: false, status: err.statusCode, message: err.message });
        }
      }
      if (action.kind === 'merge') await bestEffort(emitCaseUpdated(app.realtime, app.db, action.targetId), req.log, 'case:updated emit');
      const done = results.filter((r) => r.ok).length;
      return { results, done, failed: results.length - done };
    },
  );

  // ---- split ----

  app.post(
    '/cases/:id/split',
    { schema: { tags: ['cases'], summary: 'Move one message (with its attachments) out of this case into a new case of the same customer', params: IdParams, body: SplitBody, response: { 200: SplitResult } } },
    async (req) => splitInteraction(app.routingDeps, { caseId: req.params.id, interactionId: req.body.interactionId, actorId: req.agent!.id, subject: req.body.subject }),
  );
};

export default caseViews;
