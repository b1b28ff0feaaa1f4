import fp from 'fastify-plugin';
import { unstorableText } from '../lib/unicode.js';

const MAX_NODES = 100_000;

/** The first string (value or key) Postgres could not store, as a field path and a reason. */
export function findUnstorable(value: unknown, root: string): { field: string; reason: string } | null {
  const stack: [unknown, string][] = [[value, root]];
  for (let seen = 0; stack.length && seen < MAX_NODES; seen++) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const reason = unstorableText(v);
      if (reason) return { field: path, reason };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}.${i}`]);
    } else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [k, child] of Object.entries(v)) {
        const reason = unstorableText(k);
        if (reason) return { field: `${path} key`, reason };
        stack.push([child, `${path}.${k}`]);
      }
    }
  }
  return null;
}

/**
 * Text that Postgres cannot hold (a NUL character, or an unpaired UTF-16 surrogate that JSON can encode but UTF-8
 * cannot) is refused at the edge with 400 for every route and every part of the request, before any handler sees it.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (req, reply) => {
      for (const [part, value] of [['params', req.params], ['querystring', req.query], ['body', req.body]] as const) {
        const bad = findUnstorable(value, part);
        if (bad) {
          return reply.code(400).send({ error: 'Bad Request', message: `${bad.field}: ${bad.reason}`, details: [bad] });
        }
      }
    });
  },
  { name: 'input-guard' },
);
