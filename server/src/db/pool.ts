import pg from 'pg';

// bigint (int8) columns are ids and counts well inside 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric stays a string by default; averages in KPIs want numbers.
pg.types.setTypeParser(1700, (v) => Number(v));

export type Db = pg.Pool;
export type Tx = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

type WarnLog = { warn(obj: object, msg: string): void };

export interface PoolOptions extends Pick<pg.PoolConfig, 'connectionTimeoutMillis' | 'statement_timeout'> {
  /** where lost connections are reported (at warn) */
  log?: WarnLog;
}

/**
 * A pool whose clients can lose their connection at any time (database restart, backend
 * terminated, network cut) without taking the process down. pg emits 'error' on a client whose
 * connection breaks; pg-pool only listens while the client is idle and removes its listener on
 * checkout, so a client in use by a transaction would raise an unhandled 'error' and crash the
 * process. Every client gets its own listener for its whole life; the failed query rejects as
 * usual and the broken client is discarded on release.
 */
export function createPool(connectionString: string, max = 10, opts: PoolOptions = {}): pg.Pool {
  const { log, ...limits } = opts;
  // A connect that hangs (host unreachable) must fail like a refused one so requests can answer 503.
  const pool = new pg.Pool({ ...withSessionOptions(connectionString), max, connectionTimeoutMillis: 5000, ...limits });
  const warn = (err: Error, what: string) => (log ? log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, what) : undefined);
  pool.on('error', (err) => warn(err, 'idle database connection lost'));
  pool.on('connect', (client) => {
    client.on('error', (err) => warn(err, 'database connection lost'));
  });
  return pool;
}

/**
 * Settings every hub connection starts with. JIT compilation is off: the hub's statements are short, and
 * Postgres compiles a statement once its estimated cost passes `jit_above_cost`, which the SLA batch's
 * read of 200 cases' facts does as the tables grow. With compiling it took 31–85 ms, without 6.6–9 ms,
 * with the batch's 200 cases locked meanwhile (an accept or a solve of one of them waits for it).
 */
const SESSION_OPTIONS = '-c jit=off';

/**
 * The pool's connection settings with SESSION_OPTIONS added. Options given in the connection string
 * (`?options=...`) are kept and come after ours, so an operator's `-c jit=on` there still wins.
 */
function withSessionOptions(connectionString: string): { connectionString: string; options?: string } {
  // pg lets the connection string's options replace the config's: merge into the string when it has some
  if (!/[?&]options=/.test(connectionString)) return { connectionString, options: SESSION_OPTIONS };
  const u = new URL(connectionString);
  u.searchParams.set('options', `${SESSION_OPTIONS} ${u.searchParams.get('options')}`);
  return { connectionString: u.toString() };
}

export async function withTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | null = null;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // On a broken connection ROLLBACK fails too; the server rolls back when the connection dies.
    broken = await client.query('ROLLBACK').then(
      () => null,
      (e: Error) => e,
    );
    throw err;
  } finally {
    // A client whose connection failed must not go back to the pool.
    client.release(broken ?? undefined);
  }
}
