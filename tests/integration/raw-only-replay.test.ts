import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';

// A message id first kept raw only (flagged, no interaction) and then delivered again is the same message:
// it is refused with a reason (409), never a 500, and never becomes a case the second time.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

it('a mail whose Message-ID was set aside before answers 409 and opens no case', async () => {
  await ctx.db.pool.query(
    `INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
     VALUES ('email', 'set-aside@example.test', 'email', '{}', '{}', 'flagged', 'kept raw only')`,
  );
  const raw = 'From: Ann <ann@example.test>\r\nTo: support@example.test\r\nSubject: again\r\nMessage-ID: <set-aside@example.test>\r\n\r\nhello';
  const r = await ctx.app.inject({
    method: 'POST', url: '/webhooks/email/mime',
    headers: { 'content-type': 'message/rfc822', 'x-api-key': ctx.config.inboundApiKey! },
    payload: Buffer.from(raw),
  });
  expect(r.statusCode, r.body).toBe(409);
  expect(r.json().message).toMatch(/already received and set aside/);
  expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions`)).rows[0].n).toBe(0);
});
