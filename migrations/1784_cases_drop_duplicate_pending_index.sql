-- cases_pending_until_idx (1201: pending cases with a pending_until) holds a subset of cases_pending_due_idx
-- (1501: every pending case), on the same key. A range on pending_until reads either the same way (a
-- NULL is never in the range), so the reminder branch of the SLA timers (sla/clocks.ts dueTimers) now
-- reads cases_pending_due_idx. The busiest table's every write no longer opens it or checks its predicate.
DROP INDEX IF EXISTS cases_pending_until_idx;
