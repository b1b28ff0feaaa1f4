import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { searchWorkspace } from '../../../search/workspace-search.js';
import { caseScope } from '../../../access/policy.js';
import { AgentRef, QueueRef, SearchResults } from '../../../contracts/views.js';

/** Workspace search: customers and cases from one box, plus the agent and queue pickers. */
const search: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Customers by name, phone or email; cases by number, subject or message text',
        querystring: Type.Object({ q: Type.String({ maxLength: 200 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }),
        response: { 200: SearchResults },
      },
    },
    async (req) => searchWorkspace(app.db, req.query.q, req.query.limit, (alias, params) => caseScope(req.agent!, app.config.agentCaseAccess, alias, params)),
  );

  app.get(
    '/search/agents',
    {
      schema: {
        tags: ['search'],
        summary: 'Agents for @mentions and transfers (handle = email local part)',
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.Object({ agents: Type.Array(AgentRef) }) },
      },
    },
    async (req) => {
      const like = `%${(req.query.q ?? '').toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      const r = await app.db.query(
        `SELECT id, name, split_part(email, '@', 1) AS handle, presence, role FROM agents
          WHERE active AND (lower(name) LIKE $1 OR lower(email) LIKE $1) ORDER BY name LIMIT 20`,
        [like],
      );
      return { agents: r.rows };
    },
  );

  app.get('/search/queues', { schema: { tags: ['search'], summary: 'Queues, for transfers', response: { 200: Type.Object({ queues: Type.Array(QueueRef) }) } } }, async () => {
    const r = await app.db.query(`SELECT id, name, description FROM queues ORDER BY name`);
    return { queues: r.rows };
  });
};

export default search;
