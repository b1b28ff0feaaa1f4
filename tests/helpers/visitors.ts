import { expect } from 'vitest';
import type { TestContext } from './context.js';

/** A chat visitor as the widget creates one (POST /widget/api/visitors): its id and the token its calls carry. */
export async function newVisitor(ctx: TestContext, body: Record<string, string> = {}): Promise<{ visitorId: string; token: string }> {
  const r = await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', payload: body });
  expect(r.statusCode).toBe(201);
  return r.json() as { visitorId: string; token: string };
}
