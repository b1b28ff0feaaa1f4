export interface PlaceholderContext {
  customerName?: string | null;
  caseRef?: string | null;
  agentName?: string | null;
}

/**
 * Fills {{customer.name}}, {{case.ref}} and {{agent.name}} (spaces inside braces allowed).
 * Unknown placeholders stay visible so the agent notices them before sending.
 */
export function fillPlaceholders(template: string, ctx: PlaceholderContext): string {
  const values: Record<string, string | null | undefined> = {
    'customer.name': ctx.customerName,
    'case.ref': ctx.caseRef,
    'agent.name': ctx.agentName,
  };
  return template.replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/gi, (whole, key: string) => {
    const v = values[key.toLowerCase()];
    return v == null || v === '' ? (key.toLowerCase() === 'customer.name' ? '' : whole) : v;
  }).replace(/ ,/g, ',').replace(/\s{2,}/g, ' ');
}

/** The "/word" being typed at the caret, if any: the canned-response trigger. */
export function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(before);
  return m ? { start: caret - m[2]!.length - 1, query: m[2]! } : null;
}

/** The "@handle" being typed at the caret, if any: the mention trigger. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([\p{L}\p{N}._-]*)$/u.exec(before);
  return m ? { start: caret - m[2]!.length - 1, query: m[2]! } : null;
}
