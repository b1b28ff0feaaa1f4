-- SLA timers are read from Postgres by the SLA worker every tick (sla/clocks.ts dueTimers) instead of one
-- delayed BullMQ job per warning, due time and reminder. Due times and reminders already had partial indexes
-- of unfired rows (case_sla_clocks_live_idx, cases_pending_until_idx); warnings get theirs here, so each
-- tick's read is three index probes that find nothing almost always, however many clocks the table holds.
CREATE INDEX case_sla_clocks_warn_idx ON case_sla_clocks (warn_at)
  WHERE met_at IS NULL AND breached_at IS NULL AND warned_at IS NULL AND warn_at IS NOT NULL;
