import { describe, expect, it } from 'vitest';
import { namedStatement } from '../../server/src/db/named.js';

// A named statement is prepared once per connection and its result columns are then fixed: the rules that
// keep that safe are checked where a statement is defined, so a breach fails at start-up.
describe('named statements', () => {
  it('refuse "*" among their result columns, which a migration adding a column would break', () => {
    expect(() => namedStatement('t-returning-star', `UPDATE cases SET status = $2 WHERE id = $1 RETURNING *`)).toThrow(/list its columns/);
    expect(() => namedStatement('t-select-star', `SELECT * FROM cases WHERE id = $1`)).toThrow(/list its columns/);
    expect(() => namedStatement('t-table-star', `SELECT c.*, q.name FROM cases c JOIN queues q ON q.id = c.queue_id`)).toThrow(/list its columns/);
    expect(() => namedStatement('t-trailing-star', `SELECT c.id, * FROM cases c`)).toThrow(/list its columns/);
  });

  it('allow counts and listed columns', () => {
    expect(namedStatement('t-count', `SELECT count(*) AS n, c.id FROM cases c WHERE c.id = $1 GROUP BY c.id`).name).toBe('t-count');
    expect(namedStatement('t-columns', `UPDATE cases SET status = $2 WHERE id = $1 RETURNING id, status`).text).toContain('RETURNING id, status');
  });

  it('refuse one name for two texts (node-postgres would refuse it on the connection), but not the same text twice', () => {
    namedStatement('t-twice', `SELECT id FROM cases WHERE id = $1`);
    expect(() => namedStatement('t-twice', `SELECT id FROM cases WHERE id = $1`)).not.toThrow();
    expect(() => namedStatement('t-twice', `SELECT id, status FROM cases WHERE id = $1`)).toThrow(/defined twice/);
  });
});
