import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caseClocks } from '../../../sla/clocks.js';
import { changeCaseStatus } from '../../../lifecycle/status.js';
import { getCaseView } from '../../../cases/case-view.js';
import { badRequest, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { SlaClockView } from '../../../contracts/sla.js';
import { CaseView } from '../../../contracts/views.js';

/** A case's SLA clocks and its snooze (pending until a time; the reminder brings it back). */
const caseSla: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/cases/:id/sla',
    { schema: { tags: ['cases'], summary: 'The case’s SLA clocks: due and warning times, business minutes left, met or breached', params: IdParams, response: { 200: Type.Object({ clocks: Type.Array(SlaClockView) }), 404: ErrorView } } },
    async (req) => {
      if (!(await app.db.query(`SELECT 1 FROM cases WHERE id = $1`, [req.params.id])).rowCount) throw notFound('case');
      return { clocks: await caseClocks(app.db, req.params.id) };
    },
  );

  app.post(
    '/cases/:id/snooze',
    {
      schema: {
        tags: ['cases'],
        summary: 'Snooze a case for a number of minutes or until a time (a callback at the time the customer asked): pending until then, then open again with its agent told',
        params: IdParams,
        body: Type.Object({
          minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 525_600 })),
          until: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: { 200: Type.Object({ case: CaseView }), 400: ErrorView, 404: ErrorView, 409: ErrorView },
      },
    },
    async (req) => {
      const { minutes, until } = req.body;
      if ((minutes == null) === (until == null)) throw badRequest('give minutes or until', [{ field: 'minutes', reason: 'exactly one of minutes or until' }]);
      const at = until ? new Date(until) : new Date(Date.now() + minutes! * 60_000);
      if (at.getTime() <= Date.now()) throw badRequest('the time is in the past', [{ field: 'until', reason: 'must be in the future' }]);
      await changeCaseStatus(app.routingDeps, { caseId: req.params.id, status: 'pending', agentId: req.agent!.id, pendingUntil: at });
      return { case: await getCaseView(app.db, req.params.id, req.agent!.id) };
    },
  );
};

export default caseSla;
