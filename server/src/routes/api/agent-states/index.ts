import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { BreakReason, CaseDisposition, SetCaseDisposition } from '../../../contracts/agent-states.js';
import { caseDisposition, setCaseDisposition } from '../../../cases/disposition.js';

/** What agents read and set around their states: the break reasons they may name, a case's disposition. */
const agentStateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/break-reasons', { schema: { tags: ['routing'], summary: 'The break reasons an agent going Away may name (active ones)', response: { 200: Type.Array(BreakReason) } } }, async () => {
    return (await app.db.query(`SELECT id, name_en AS "nameEn", name_fa AS "nameFa", active, position FROM break_reasons WHERE active ORDER BY position, id`)).rows;
  });

  app.get(
    '/cases/:id/disposition',
    { schema: { tags: ['cases'], summary: "The case's disposition, whether its queue requires one before solving, and the ones offered", params: IdParams, response: { 200: CaseDisposition, 404: ErrorView } } },
    async (req) => caseDisposition(app.db, req.params.id),
  );

  app.put(
    '/cases/:id/disposition',
    {
      schema: { tags: ['cases'], summary: "Set or clear the case's disposition (wrap-up code)", params: IdParams, body: SetCaseDisposition, response: { 200: CaseDisposition, 400: ErrorView, 404: ErrorView } },
    },
    async (req) => setCaseDisposition(app.db, req.params.id, req.body.dispositionId, req.agent!.id),
  );
};

export default agentStateRoutes;
