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
});
