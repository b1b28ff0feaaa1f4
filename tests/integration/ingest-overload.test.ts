import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { TWILIO_TEST, postTwilio, sid } from '../helpers/twilio-signing.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'test-inbound-key-0123456789';

// One message committed at a time, one more may wait 400 ms: a third is refused at once.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({
    INGEST_CONCURRENCY: '1',
    INGEST_QUEUE_MAX: '1',
    INGEST_QUEUE_WAIT_MS: '400',
    INGEST_RETRY_AFTER_SECONDS: '7',
    TWILIO_ACCOUNT_SID: TWILIO_TEST.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO_TEST.authToken,
    PUBLIC_URL: TWILIO_TEST.publicUrl,
  });
});
afterAll(() => ctx.close());

const inbound = (id: string) =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/v1/inbound',
    headers: { 'x-api-key': KEY },
    payload: { providerMessageId: id, from: { kind: 'email', value: `${id}@example.test` }, subject: `about ${id}`, text: 'hello' },
  });

async function written(id: string) {
  const r = await ctx.db.pool.query(
    `SELECT (SELECT count(*)::int FROM raw_events WHERE provider_message_id = $1) AS raw,
            (SELECT count(*)::int FROM interactions WHERE provider_message_id = $1) AS interactions,
            (SELECT count(*)::int FROM customer_identities WHERE value = $2) AS identities`,
    [id, `${id}@example.test`],
  );
  return r.rows[0];
}

/** Holds every ingest inside its transaction (raw events cannot be inserted) until released. */
async function blockIngest() {
  const c = new pg.Client({ connectionString: ctx.db.url });
  await c.connect();
  await c.query('BEGIN');
  await c.query('LOCK TABLE raw_events IN EXCLUSIVE MODE');
  return async () => {
    await c.query('COMMIT');
    await c.end();
  };
}

describe('ingest under overload', () => {
  it('answers 503 with Retry-After once the ingest limit and its queue are full, records nothing for the refused message, and takes it on retry', async () => {
    const release = await blockIngest();
    let released = false;
    try {
      const first = inbound('ov-1'); // admitted, stuck on the lock
      await waitFor(async () => ctx.app.ingestLimiter.inFlight === 1, 5000, 'first request admitted');
      const second = inbound('ov-2'); // waits for the slot
      await waitFor(async () => ctx.app.ingestLimiter.waiting === 1, 5000, 'second request queued');
      const third = await inbound('ov-3'); // nothing left: refused at once
      expect(third.statusCode).toBe(503);
      expect(third.headers['retry-after']).toBe('7');
      expect(third.json().message).toMatch(/nothing was recorded/);
      // the waiting one is refused when its wait runs out, not answered late
      const secondAnswer = await second;
      expect(secondAnswer.statusCode).toBe(503);
      expect(secondAnswer.headers['retry-after']).toBe('7');

      // a Twilio webhook is refused the same way while ingest is full
      const sms = await postTwilio(ctx.app, '/webhooks/twilio/sms', { MessageSid: sid('SM'), From: '+14155550142', To: '+14155550100', Body: 'hi' });
      expect(sms.statusCode).toBe(503);
      expect(sms.headers['retry-after']).toBe('7');

      await release();
      released = true;
      expect((await first).statusCode).toBe(201);
    } finally {
      if (!released) await release();
    }
    expect(await written('ov-1')).toEqual({ raw: 1, interactions: 1, identities: 1 });
    // nothing half-written for the refused messages
    expect(await written('ov-2')).toEqual({ raw: 0, interactions: 0, identities: 0 });
    expect(await written('ov-3')).toEqual({ raw: 0, interactions: 0, identities: 0 });
    // the provider's retry is taken normally, exactly once
    expect((await inbound('ov-3')).statusCode).toBe(201);
    expect((await inbound('ov-3')).statusCode).toBe(200);
    expect(await written('ov-3')).toEqual({ raw: 1, interactions: 1, identities: 1 });
    expect(ctx.app.ingestLimiter.inFlight).toBe(0);
  });

});

describe('separate connection pools', () => {
  // More messages may be in flight than the hub has connections in all: they queue for the ingest pool only.
  let big: TestContext;
  beforeAll(async () => {
    big = await createTestContext({ INGEST_CONCURRENCY: '14', DB_POOL_INGEST: '2', DB_POOL_MAIN: '3' });
  });
  afterAll(() => big.close());

  it('the agents’ UI is answered while a flood of messages holds every ingest connection', async () => {
    const c = new pg.Client({ connectionString: big.db.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query('LOCK TABLE raw_events IN EXCLUSIVE MODE');
    let stuck: Promise<{ statusCode: number }>[] = [];
    try {
      stuck = Array.from({ length: 12 }, (_, i) =>
        big.app.inject({
          method: 'POST',
          url: '/api/v1/inbound',
          headers: { 'x-api-key': KEY },
          payload: { providerMessageId: `flood-${i}`, from: { kind: 'email', value: `flood${i}@example.test` }, text: 'hello' },
        }),
      );
      await waitFor(async () => big.app.ingestLimiter.inFlight === 12, 5000, 'messages admitted');
      // readiness reads Postgres through the UI's pool: it answers although twelve messages wait for a connection
      const ready = await big.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
    } finally {
      await c.query('COMMIT');
      await c.end();
    }
    const answers = await Promise.all(stuck);
    expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(201));
  });
});

describe('a message that cannot be committed in time', () => {
  let slow: TestContext;
  beforeAll(async () => {
    slow = await createTestContext({ INGEST_STATEMENT_TIMEOUT_MS: '300', INGEST_RETRY_AFTER_SECONDS: '9' });
  });
  afterAll(() => slow.close());

  it('is rolled back and answered 503 with Retry-After instead of waiting on the database', async () => {
    const c = new pg.Client({ connectionString: slow.db.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query('LOCK TABLE raw_events IN EXCLUSIVE MODE');
    let answer;
    try {
      answer = await slow.app.inject({
        method: 'POST',
        url: '/api/v1/inbound',
        headers: { 'x-api-key': KEY },
        payload: { providerMessageId: 'late-1', from: { kind: 'email', value: 'late1@example.test' }, text: 'hello' },
      });
    } finally {
      await c.query('COMMIT');
      await c.end();
    }
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('9');
    const r = await slow.db.pool.query(
      `SELECT (SELECT count(*)::int FROM raw_events) AS raw, (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM cases) AS cases`,
    );
    expect(r.rows[0]).toEqual({ raw: 0, customers: 0, cases: 0 });
    // once the database keeps up again the retry is recorded
    const retry = await slow.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { providerMessageId: 'late-1', from: { kind: 'email', value: 'late1@example.test' }, text: 'hello' },
    });
    expect(retry.statusCode).toBe(201);
  });
});
