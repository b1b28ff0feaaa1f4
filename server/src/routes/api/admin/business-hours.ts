import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest, notFound } from '../../../lib/errors.js';
import { ErrorView, Id, IdParams } from '../../../schemas/common.js';
import { validTimeZone } from '../../../lib/time-zone.js';
import { scheduleProblems, type BusinessCalendar } from '../../../business-hours/calendar.js';
import { markOpenCasesForSla } from '../../../sla/clocks.js';
import { invalidateOpeningHours } from '../../../business-hours/opening-hours.js';
import { BusinessHoursView, HolidayT, WeeklyT } from '../../../contracts/admin.js';

const Body = Type.Object({
  /** null: the organisation's hours, which apply to every queue without its own */
  queueId: Type.Union([Id(), Type.Null()]),
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  weekly: WeeklyT,
  holidays: Type.Optional(Type.Array(HolidayT, { maxItems: 366 })),
});
const SELECT = `SELECT id, queue_id AS "queueId", time_zone AS "timeZone", weekly, holidays, updated_at AS "updatedAt" FROM business_hours`;

/** /api/v1/admin/business-hours — opening hours (split shifts, time zone, holidays) for the organisation or one queue. */
const businessHours: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/business-hours', { schema: { tags: ['admin'], summary: 'Opening hours of the organisation and of queues with their own', response: { 200: Type.Array(BusinessHoursView) } } }, async () => {
    return (await app.db.query(`${SELECT} ORDER BY queue_id NULLS FIRST`)).rows;
  });

  app.put(
    '/business-hours',
    { schema: { tags: ['admin'], summary: 'Set the opening hours of the organisation (queueId null) or of one queue', body: Body, response: { 200: BusinessHoursView, 400: ErrorView } } },
    async (req) => {
      const b = req.body;
      const problems: { field: string; reason: string }[] = [];
      if (!validTimeZone(b.timeZone)) problems.push({ field: 'timeZone', reason: `unknown time zone "${b.timeZone}"` });
      // a shift whose close is not after its open runs past midnight (e.g. 22:00–02:00)
      problems.push(...scheduleProblems(b.weekly as BusinessCalendar['weekly']));
      for (const h of b.holidays ?? []) if (h.to && h.to < h.date) problems.push({ field: 'holidays', reason: `${h.date}–${h.to} ends before it starts` });
      const dates = (b.holidays ?? []).map((h) => h.date);
      if (new Set(dates).size !== dates.length) problems.push({ field: 'holidays', reason: 'a date is listed twice' });
      if (b.queueId && !(await app.db.query(`SELECT 1 FROM queues WHERE id = $1`, [b.queueId])).rowCount) problems.push({ field: 'queueId', reason: 'unknown queue' });
      if (problems.length) throw badRequest(problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);

      const before = (await app.db.query(`${SELECT} WHERE coalesce(queue_id, 0) = $1`, [b.queueId ?? 0])).rows[0] ?? null;
      const holidays = [...(b.holidays ?? [])].sort((x, y) => x.date.localeCompare(y.date));
      const r = await app.db.query(
        `INSERT INTO business_hours (queue_id, time_zone, weekly, holidays) VALUES ($1, $2, $3, $4)
         ON CONFLICT ((coalesce(queue_id, 0))) DO UPDATE SET time_zone = EXCLUDED.time_zone, weekly = EXCLUDED.weekly, holidays = EXCLUDED.holidays, updated_at = now()
         RETURNING id`,
        [b.queueId, b.timeZone, JSON.stringify(b.weekly), JSON.stringify(holidays)],
      );
      invalidateOpeningHours(app.db);
      const after = (await app.db.query(`${SELECT} WHERE id = $1`, [r.rows[0].id])).rows[0];
      await audit(app.db, { actorId: req.agent!.id, action: before ? 'update' : 'create', entity: 'business_hours', entityId: after.id, before, after, ip: req.ip });
      // SLA clocks counted in these hours are recomputed
      await markOpenCasesForSla(app.db, b.queueId);
      return after;
    },
  );

  app.delete('/business-hours/:id', { schema: { tags: ['admin'], summary: 'Remove a queue’s own hours (it follows the organisation’s again)', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } }, async (req, reply) => {
    const before = (await app.db.query(`${SELECT} WHERE id = $1`, [req.params.id])).rows[0];
    if (!before) throw notFound('business hours');
    await app.db.query(`DELETE FROM business_hours WHERE id = $1`, [req.params.id]);
    invalidateOpeningHours(app.db);
    await audit(app.db, { actorId: req.agent!.id, action: 'delete', entity: 'business_hours', entityId: req.params.id, before, ip: req.ip });
    await markOpenCasesForSla(app.db, before.queueId);
    return reply.code(204).send(null);
  });
};

export default businessHours;
