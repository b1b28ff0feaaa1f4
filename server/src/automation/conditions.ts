import type { RuleConditions } from '../contracts/automation.js';
import { normaliseForSearch } from '../kb/normalise.js';

/** What a rule's conditions look at: the case as it is when the rule runs, its customer, and the message that triggered it. */
export interface CaseSnapshot {
  id: number;
  number: number;
  status: string;
  priority: string;
  type: string;
  channel: string;
  queueId: number | null;
  assigneeId: number | null;
  tags: string[];
  subject: string;
  language: string | null;
  customerId: number;
  customerName: string;
  customerTier: string;
  customerTags: string[];
  customerLanguage: string | null;
  /** the triggering message's text, else the case's first customer message */
  body: string;
}

/** The columns of a case both the rules' snapshot and the webhooks' payload carry, as a cases row has them. */
export interface CaseCoreRow {
  id: string | number; number: string | number; status: string; priority: string; type: string; channel: string;
  queue_id: string | number | null; assignee_id: string | number | null; tags: string[]; language: string | null;
}
export type CaseCore = Pick<CaseSnapshot, 'id' | 'number' | 'status' | 'priority' | 'type' | 'channel' | 'queueId' | 'assigneeId' | 'tags' | 'language'>;

/** The case's own fields from its row (ids as numbers: pg returns bigint columns as strings). */
export function caseCore(c: CaseCoreRow): CaseCore {
  return {
    id: Number(c.id),
    number: Number(c.number),
    status: c.status,
    priority: c.priority,
    type: c.type,
    channel: c.channel,
    queueId: c.queue_id == null ? null : Number(c.queue_id),
    assigneeId: c.assignee_id == null ? null : Number(c.assignee_id),
    tags: c.tags,
    language: c.language,
  };
}

/**
 * Text as keywords compare it: the search normaliser (Arabic ي/ك as Persian ی/ک, ZWNJ removed, Arabic and
 * Persian digits as ASCII, diacritics dropped), lower case, runs of spaces as one.
 */
export function keywordText(s: string): string {
  return normaliseForSearch(s).toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Whether a keyword occurs in the text as a word or phrase (not inside a longer word: "refund" is not in "refunded"). */
export function containsKeyword(text: string, keyword: string): boolean {
  const k = keywordText(keyword);
  if (!k) return false;
  const t = ` ${keywordText(text).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  return t.includes(` ${k.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `);
}

const anyOf = <T>(wanted: readonly T[] | undefined, value: T) => !wanted?.length || wanted.includes(value);
const overlaps = (wanted: readonly string[] | undefined, have: readonly string[]) => {
  if (!wanted?.length) return true;
  const h = new Set(have.map((x) => x.toLowerCase()));
  return wanted.some((w) => h.has(w.toLowerCase()));
};

/**
 * The conditions a case fails, by name (empty: the rule applies). Every condition given must hold; inside one
 * condition any listed value is enough. `open`: whether the case's queue is within its opening hours now.
 */
export function failedConditions(c: RuleConditions, s: CaseSnapshot, open: boolean): string[] {
  const failed: string[] = [];
  if (!anyOf(c.channels, s.channel as never)) failed.push('channels');
  if (c.queueIds?.length && (s.queueId == null || !c.queueIds.includes(s.queueId))) failed.push('queueIds');
  if (!anyOf(c.customerTiers, s.customerTier as never)) failed.push('customerTiers');
  if (!overlaps(c.customerTags, s.customerTags)) failed.push('customerTags');
  if (!anyOf(c.caseTypes, s.type as never)) failed.push('caseTypes');
  if (!anyOf(c.priorities, s.priority as never)) failed.push('priorities');
  if (!overlaps(c.caseTags, s.tags)) failed.push('caseTags');
  if (!anyOf(c.statuses, s.status as never)) failed.push('statuses');
  if (c.businessHours && (c.businessHours === 'open') !== open) failed.push('businessHours');
  if (c.keywords) {
    const texts = c.keywords.in === 'subject' ? [s.subject] : c.keywords.in === 'body' ? [s.body] : [s.subject, s.body];
    if (!c.keywords.words.some((w) => texts.some((t) => containsKeyword(t, w)))) failed.push('keywords');
  }
  return failed;
}
