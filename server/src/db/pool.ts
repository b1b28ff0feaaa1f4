import pg from 'pg';

// bigint (int8) columns are ids and counts well inside 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric stays a string by default; averages in KPIs want numbers.
pg.types.setTypeParser(1700, (v) => Number(v));

export type Db = pg.Pool;
export type Tx = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(connectionString: string, max = 10, limits: Pick<pg.PoolConfig, 'connectionTimeoutMillis' | 'statement_timeout'> = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, ...limits });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
