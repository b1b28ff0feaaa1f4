// The UIs' types are the server's response schemas: a UI that reads a field the schema does not
// declare, or a schema change the UI does not follow, fails the type check (vue-tsc in CI).
import { describe, expect, expectTypeOf, it } from 'vitest';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import ts from 'typescript';
import type { Static } from 'typebox';
import type { CaseView as CaseViewSchema, TimelineItem as TimelineItemSchema } from '../../server/src/contracts/views';
import type { CaseView, TimelineItem } from '../../agent-ui/src/api/types';
import type { RequestSummary } from '../../customer-ui/portal/api';
import type { RequestSummary as RequestSummarySchema } from '../../server/src/contracts/views';
import type {
  AgentStats as AgentStatsSchema,
  ChatStatus as ChatStatusSchema,
  OfferPayload as OfferSchema,
  QueueStats as QueueStatsSchema,
  VisitorMessage as VisitorMessageSchema,
  WidgetConversation as WidgetConversationSchema,
} from '../../server/src/contracts/views';
import type { KpiPoint as KpiPointSchema, KpiSummary as KpiSummarySchema, Occupancy as OccupancySchema, Staffing as StaffingSchema } from '../../server/src/contracts/kpi';
import type { AgentStats, KpiPoint, KpiSummary, Occupancy, QueueStats, Staffing } from '../../agent-ui/src/api/supervisor';
import type { Offer } from '../../agent-ui/src/api/types';
import type { ChatStatus, VisitorMessage, WidgetConversation } from '../../customer-ui/widget/api';
import type { AgentServerEvents, SupervisorServerEvents } from '../../server/src/contracts/realtime';
import type { AdminQueueView, AuditEntryView, CustomerNoticesView, MailboxView, ProfileView, SettingsView } from '../../server/src/contracts/admin';
import type { AdminQueue, AuditEntry, CustomerNotices, Mailbox, Profile, Settings } from '../../agent-ui/src/admin/api';
import type { VisitorServerEvents } from '../../server/src/contracts/visitor';

const root = path.resolve(__dirname, '../..');

/** Type-checks one UI-side snippet against the real modules and returns tsc's messages. */
function typeErrors(source: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'contract-types-'));
  try {
    const file = path.join(dir, 'fixture.ts');
    writeFileSync(file, source);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: [],
    });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const uiTypes = JSON.stringify(path.join(root, 'agent-ui/src/api/types'));
const supervisorApi = JSON.stringify(path.join(root, 'agent-ui/src/api/supervisor'));
const widgetApi = JSON.stringify(path.join(root, 'customer-ui/widget/api'));
const adminApi = JSON.stringify(path.join(root, 'agent-ui/src/admin/api'));

describe('one line of truth between server and UIs', () => {
  it('the workspace and portal types are the Static types of the response schemas', () => {
    expectTypeOf<CaseView>().toEqualTypeOf<Static<typeof CaseViewSchema>>();
    expectTypeOf<TimelineItem>().toEqualTypeOf<Static<typeof TimelineItemSchema>>();
    expectTypeOf<RequestSummary>().toEqualTypeOf<Static<typeof RequestSummarySchema>>();
  });

  it('a UI that reads a field the case schema does not have, or a wrong status, fails the type check', () => {
    const ok = typeErrors(`import type { CaseView } from ${uiTypes};
      export const subject = (c: CaseView): string => c.subject;
      export const solved = (c: CaseView): boolean => c.status === 'solved';`);
    expect(ok).toEqual([]);

    const bad = typeErrors(`import type { CaseView } from ${uiTypes};
      export const email = (c: CaseView): string => c.customerEmail;
      export const archived = (c: CaseView): boolean => c.status === 'archived';`);
    expect(bad.join('\n')).toMatch(/Property 'customerEmail' does not exist/);
    expect(bad.join('\n')).toMatch(/'"archived"' have no overlap/);
  }, 60_000);

  it('KPI, live figures, offers and visitor messages are schemas too: the UIs and the socket events read their Static types', () => {
    expectTypeOf<KpiSummary>().toEqualTypeOf<Static<typeof KpiSummarySchema>>();
    expectTypeOf<KpiPoint>().toEqualTypeOf<Static<typeof KpiPointSchema>>();
    expectTypeOf<Occupancy>().toEqualTypeOf<Static<typeof OccupancySchema>>();
    expectTypeOf<Staffing>().toEqualTypeOf<Static<typeof StaffingSchema>>();
    expectTypeOf<QueueStats>().toEqualTypeOf<Static<typeof QueueStatsSchema>>();
    expectTypeOf<AgentStats>().toEqualTypeOf<Static<typeof AgentStatsSchema>>();
    expectTypeOf<VisitorMessage>().toEqualTypeOf<Static<typeof VisitorMessageSchema>>();
    expectTypeOf<ChatStatus>().toEqualTypeOf<Static<typeof ChatStatusSchema>>();
    expectTypeOf<WidgetConversation>().toEqualTypeOf<Static<typeof WidgetConversationSchema>>();
    expectTypeOf<Omit<Offer, 'receivedAt'>>().toEqualTypeOf<Static<typeof OfferSchema>>();
    // the socket events carry the same types as the HTTP answers
    expectTypeOf<Parameters<AgentServerEvents['offer']>[0]>().toEqualTypeOf<Static<typeof OfferSchema>>();
    expectTypeOf<Parameters<SupervisorServerEvents['stats:queues']>[0]['queues'][number]>().toEqualTypeOf<Static<typeof QueueStatsSchema>>();
    expectTypeOf<Parameters<VisitorServerEvents['message']>[0]>().toEqualTypeOf<Static<typeof VisitorMessageSchema>>();
  });

  it('a dashboard or widget reading a field the schemas do not declare fails the type check', () => {
    const ok = typeErrors(`import type { KpiSummary, QueueStats } from ${supervisorApi};
      import type { VisitorMessage, ChatStatus } from ${widgetApi};
      export const sl = (k: KpiSummary): number | null => k.serviceLevel;
      export const waiting = (q: QueueStats): number => q.waiting;
      export const mine = (m: VisitorMessage): boolean => m.from === 'visitor';
      export const closed = (s: ChatStatus): boolean => s.reason === 'closed';`);
    expect(ok).toEqual([]);

    const bad = typeErrors(`import type { KpiSummary, QueueStats } from ${supervisorApi};
      import type { VisitorMessage, ChatStatus } from ${widgetApi};
      export const nps = (k: KpiSummary): number => k.netPromoterScore;
      export const longest = (q: QueueStats): number => q.longestWaitSeconds;
      export const bot = (m: VisitorMessage): boolean => m.from === 'bot';
      export const holiday = (s: ChatStatus): boolean => s.reason === 'holiday';`);
    const all = bad.join('\n');
    expect(all).toMatch(/Property 'netPromoterScore' does not exist/);
    expect(all).toMatch(/Property 'longestWaitSeconds' does not exist/);
    expect(all).toMatch(/'"bot"' have no overlap/);
    expect(all).toMatch(/'"holiday"' have no overlap/);
  }, 60_000);

  it('the admin console reads the admin contracts: a screen reading a field a schema lacks fails the type check', () => {
    expectTypeOf<AdminQueue>().toEqualTypeOf<Static<typeof AdminQueueView>>();
    expectTypeOf<Mailbox>().toEqualTypeOf<Static<typeof MailboxView>>();
    expectTypeOf<Settings>().toEqualTypeOf<Static<typeof SettingsView>>();
    expectTypeOf<AuditEntry>().toEqualTypeOf<Static<typeof AuditEntryView>>();
    expectTypeOf<CustomerNotices>().toEqualTypeOf<Static<typeof CustomerNoticesView>>();
    expectTypeOf<Profile>().toEqualTypeOf<Static<typeof ProfileView>>();

    const ok = typeErrors(`import type { AdminQueue, Mailbox } from ${adminApi};
      export const host = (m: Mailbox): string | null => m.imapHost;
      export const lead = (q: AdminQueue): number | null => q.leadAgentId;`);
    expect(ok).toEqual([]);

    const bad = typeErrors(`import type { AdminQueue, Mailbox } from ${adminApi};
      export const password = (m: Mailbox): string => m.imapPassword;
      export const spread = (q: AdminQueue): boolean => q.distribution === 'round_robin';`);
    const all = bad.join('\n');
    expect(all).toMatch(/Property 'imapPassword' does not exist/);
    expect(all).toMatch(/'"round_robin"' have no overlap/);
  }, 60_000);
});
