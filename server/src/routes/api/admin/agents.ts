import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { hashPassword } from '../../../auth/passwords.js';
import { audit } from '../../../audit/audit-log.js';
import { conflict, notFound } from '../../../lib/errors.js';
import { Capacity, ErrorView, IdParams, RoleT, Id, PasswordT } from '../../../schemas/common.js';
import { AdminAgentView as AgentAdminView } from '../../../contracts/admin.js';
import { checkAccountEdit, enforceVerdict } from '../../../access/policy.js';
import { sendPasswordLink, unknownPassword } from '../../../auth/password-reset.js';
import { HttpError } from '../../../lib/errors.js';

const COLS = `id, email, name, role, language, skills, capacity, presence, phone, active`;
const Skills = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 });

const agents: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin', 'supervisor'));

  app.get('/agents', { schema: { tags: ['admin'], summary: 'List agents', response: { 200: Type.Array(AgentAdminView) } } }, async () => {
    return (await app.db.query(`SELECT ${COLS} FROM agents ORDER BY name`)).rows;
  });

  app.post(
    '/agents',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Create an agent',
        body: Type.Object({
          email: Type.String({ format: 'email', maxLength: 200 }),
          name: Type.String({ minLength: 1, maxLength: 200 }),
          /** omitted: the person gets an invitation mail with a one-time link to choose it (nobody else ever knows it) */
          password: Type.Optional(PasswordT),
          role: Type.Optional(RoleT),
          language: Type.Optional(Type.String({ enum: ['en', 'fa'] })),
          skills: Type.Optional(Skills),
          capacity: Type.Optional(Capacity),
          phone: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })),
          queueIds: Type.Optional(Type.Array(Id())),
        }),
        response: { 201: Type.Intersect([AgentAdminView, Type.Object({ inviteSentTo: Type.Optional(Type.String()) })]), 409: ErrorView, 503: ErrorView },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const exists = await app.db.query(`SELECT 1 FROM agents WHERE email = $1`, [b.email.toLowerCase()]);
      if (exists.rowCount) throw conflict(`an agent with email ${b.email} already exists`);
      if (!b.password && !app.config.smtp.url) throw new HttpError(503, 'system mail is not configured (SMTP_URL), so no invitation can be sent; set SMTP_URL and try again');
      const r = await app.db.query(
        `INSERT INTO agents (email, name, password_hash, role, language, skills, capacity, phone)
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::jsonb, '{"voice":1,"chat":3,"sms":5,"email":5,"portal":5,"api":5}'::jsonb), $8)
         RETURNING ${COLS}`,
        [b.email.toLowerCase(), b.name, b.password ? await hashPassword(b.password) : await unknownPassword(), b.role ?? 'agent', b.language ?? 'en', b.skills ?? [], b.capacity ? JSON.stringify(b.capacity) : null, b.phone ?? null],
      );
      const agent = r.rows[0];
      for (const q of b.queueIds ?? []) await app.db.query(`INSERT INTO queue_members (queue_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [q, agent.id]);
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'agent', entityId: agent.id, after: { ...agent, queueIds: b.queueIds ?? [] }, ip: req.ip });
      if (b.password) return reply.code(201).send(agent);
      const sent = await sendPasswordLink(app.db, app.config, agent.id, 'invite', { id: req.agent!.id, ip: req.ip });
      return reply.code(201).send({ ...agent, inviteSentTo: sent.sentTo });
    },
  );

  app.patch(
    '/agents/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Update an agent (skills, capacity, role, queues, active)',
        params: IdParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          role: Type.Optional(RoleT),
          language: Type.Optional(Type.String({ enum: ['en', 'fa'] })),
          skills: Type.Optional(Skills),
          capacity: Type.Optional(Capacity),
          phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }), Type.Null()])),
          active: Type.Optional(Type.Boolean()),
          password: Type.Optional(PasswordT),
          queueIds: Type.Optional(Type.Array(Id())),
        }),
        response: { 200: AgentAdminView, 404: ErrorView },
      },
    },
    async (req) => {
      const before = (await app.db.query(`SELECT ${COLS} FROM agents WHERE id = $1`, [req.params.id])).rows[0];
      if (!before) throw notFound('agent');
      enforceVerdict(checkAccountEdit(req.agent!, before));
      const b = req.body;
      // Only admins may change roles or passwords; supervisors tune skills and capacity.
      if ((b.role || b.password || b.active !== undefined) && req.agent!.role !== 'admin') {
        const e = new Error('only admins change roles, passwords or activation') as Error & { statusCode: number };
        e.statusCode = 403;
        throw e;
      }
      const r = await app.db.query(
        `UPDATE agents SET name = COALESCE($2, name), role = COALESCE($3, role), language = COALESCE($4, language),
                skills = COALESCE($5, skills), capacity = COALESCE($6::jsonb, capacity),
                phone = CASE WHEN $7::boolean THEN $8 ELSE phone END, active = COALESCE($9, active),
                password_hash = COALESCE($10, password_hash), updated_at = now()
          WHERE id = $1 RETURNING ${COLS}`,
        [req.params.id, b.name ?? null, b.role ?? null, b.language ?? null, b.skills ?? null, b.capacity ? JSON.stringify(b.capacity) : null,
         b.phone !== undefined, b.phone ?? null, b.active ?? null, b.password ? await hashPassword(b.password) : null],
      );
      // Sessions (and their live sockets) end with the right they were opened under.
      const after = r.rows[0];
      if ((b.active === false && before.active) || after.role !== before.role || b.password) {
        await app.endStaffSessions({ agentId: req.params.id, all: true });
      }
      if (b.queueIds) {
        await app.db.query(`DELETE FROM queue_members WHERE agent_id = $1`, [req.params.id]);
        for (const q of b.queueIds) await app.db.query(`INSERT INTO queue_members (queue_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [q, req.params.id]);
      }
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'agent', entityId: req.params.id, before, after: { ...r.rows[0], queueIds: b.queueIds }, ip: req.ip });
      return r.rows[0];
    },
  );

  app.post(
    '/agents/:id/password-reset',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Mail the person a one-time link to choose a new password (the admin never sees it); the old password works until then',
        params: IdParams,
        response: { 200: Type.Object({ sentTo: Type.String(), expiresAt: Type.String() }), 404: ErrorView, 502: ErrorView, 503: ErrorView },
      },
    },
    async (req) => sendPasswordLink(app.db, app.config, req.params.id, 'reset', { id: req.agent!.id, ip: req.ip }),
  );
};

export default agents;
