import type pg from 'pg';
import { hashPassword } from '../auth/passwords.js';
import { ingest, type IngestDeps } from '../ingest/pipeline.js';
import { seedKbArticles } from '../kb/demo-articles.js';
import { mergeCustomers } from '../customers/profile.js';

export const DEMO_PASSWORD = 'contacthub-demo';

export const DEMO_AGENTS = [
  { email: 'admin@demo.contacthub', name: 'Ada Admin', role: 'admin', skills: ['support', 'sales', 'billing'], language: 'en' },
  { email: 'supervisor@demo.contacthub', name: 'Sam Supervisor', role: 'supervisor', skills: ['support', 'sales', 'billing'], language: 'en' },
  { email: 'alice@demo.contacthub', name: 'Alice Agent', role: 'agent', skills: ['support', 'billing'], language: 'en' },
  { email: 'bob@demo.contacthub', name: 'Bob Agent', role: 'agent', skills: ['sales'], language: 'en' },
  { email: 'dariush@demo.contacthub', name: 'داریوش', role: 'agent', skills: ['support'], language: 'fa' },
] as const;

/** Demo data for a first look: agents, three queues, customers with history on several channels. Runs once. */
export async function seedDemo(db: pg.Pool, deps: IngestDeps): Promise<{ seeded: boolean }> {
  const existing = await db.query(`SELECT count(*)::int AS n FROM agents`);
  if (existing.rows[0].n > 0) return { seeded: false };

  const hash = await hashPassword(DEMO_PASSWORD);
  const queues: Record<string, number> = {};
  for (const q of [
    { name: 'support', skills: ['support'], isDefault: true },
    { name: 'sales', skills: ['sales'], isDefault: false },
    { name: 'billing', skills: ['billing'], isDefault: false },
  ]) {
    const r = await db.query(`INSERT INTO queues (name, description, required_skills, is_default) VALUES ($1, $2, $3, $4) RETURNING id`, [
      q.name,
      `${q.name[0]!.toUpperCase()}${q.name.slice(1)} requests`,
      q.skills,
      q.isDefault,
    ]);
    queues[q.name] = r.rows[0].id;
  }
  await db.query(`UPDATE queues SET overflow_queue_id = $1, escalation_steps = $2 WHERE name = 'billing'`, [
    queues.support,
    JSON.stringify([{ afterSeconds: 300, overflowQueueId: queues.support }]),
  ]);
  // agent states: breaks an agent can name, wrap-up after calls and chats, the codes agents give cases
  await db.query(`INSERT INTO break_reasons (name_en, name_fa, position) VALUES ('Lunch', 'ناهار', 0), ('Training', 'آموزش', 1), ('Meeting', 'جلسه', 2)`);
  await db.query(`UPDATE queues SET wrap_up_seconds = 60`);
  await db.query(`UPDATE queues SET disposition_required = true WHERE name = 'sales'`);
  await db.query(
    `INSERT INTO dispositions (code, label_en, label_fa, queue_id) VALUES
       ('resolved', 'Resolved', 'حل شد', NULL), ('follow-up', 'Needs follow-up', 'نیاز به پیگیری', NULL),
       ('sale', 'Sale made', 'فروش انجام شد', $1), ('no-sale', 'No sale', 'بدون فروش', $1)`,
    [queues.sales],
  );
  for (const a of DEMO_AGENTS) {
    const r = await db.query(
      `INSERT INTO agents (email, name, password_hash, role, skills, language) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [a.email, a.name, hash, a.role, a.skills, a.language],
    );
    for (const s of a.skills) await db.query(`INSERT INTO queue_members VALUES ($1, $2)`, [queues[s], r.rows[0].id]);
  }

  const history: Parameters<typeof ingest>[1][] = [
    { channel: 'email', provider: 'seed', providerMessageId: 'seed-1', from: { kind: 'email', value: 'maria.garcia@example.com', name: 'Maria Garcia' }, subject: 'Invoice shows the wrong amount', text: 'Hello, my March invoice charges me twice for the same plan. Can you check?', raw: {}, caseDefaults: { queueId: queues.billing } },
    { channel: 'sms', provider: 'seed', providerMessageId: 'seed-2', from: { kind: 'phone', value: '+14155550142', name: 'Tom Becker' }, text: 'Hi, my internet has been down since this morning', raw: {}, caseDefaults: { queueId: queues.support, priority: 'high' } },
    { channel: 'chat', provider: 'seed', providerMessageId: 'seed-3', from: { kind: 'chat', value: 'visitor-demo-1', name: 'Lena Okafor' }, text: 'Do you offer a discount for yearly plans?', raw: {}, caseDefaults: { queueId: queues.sales } },
    { channel: 'portal', provider: 'seed', providerMessageId: 'seed-4', from: { kind: 'email', value: 'sara.ahmadi@example.com', name: 'سارا احمدی' }, subject: 'مشکل در ورود به حساب', text: 'سلام، نمی‌توانم وارد حساب کاربری خود شوم.', raw: {}, customer: { language: 'fa' }, caseDefaults: { queueId: queues.support, type: 'incident' } },
    { channel: 'email', provider: 'seed', providerMessageId: 'seed-5', from: { kind: 'email', value: 'tom.becker@example.com', name: 'Tom Becker' }, subject: 'Complaint about technician visit', text: 'The technician never showed up for my appointment.', raw: {}, caseDefaults: { queueId: queues.support, type: 'complaint' } },
  ];
  const ingested = [];
  // ingest names a new customer from `customer.name` (a sender's display name is only metadata of the message)
  for (const m of history) ingested.push(await ingest(deps, { ...m, customer: { name: m.from.name, ...m.customer } }));
  // the demo history is not news to these made-up customers: no receipts in the demo outbox
  await db.query(`UPDATE case_notices SET state = 'skipped', skip_reason = 'demo data' WHERE state = 'pending' AND case_id = ANY($1::bigint[])`, [ingested.map((x) => x.caseId)]);
  const admin = await db.query(`SELECT id FROM agents WHERE role = 'admin' ORDER BY id LIMIT 1`);
  // Tom wrote by SMS (seed-2) and email (seed-5): one person, one history.
  await mergeCustomers(db, ingested[4]!.customerId, ingested[1]!.customerId, admin.rows[0].id);
  await db.query(`UPDATE customers SET tier = 'vip' WHERE name = 'Maria Garcia'`);
  await seedKbArticles(db, admin.rows[0].id);
  return { seeded: true };
}
