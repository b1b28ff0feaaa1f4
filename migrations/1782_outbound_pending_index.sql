-- The outbound recovery sweep (outbound/sweep.ts, every RECOVERY_SWEEP_MS in every worker process) looks for
-- messages still waiting to be handed to their provider: outbound, queued or sending, no provider id. No index
-- held them, so each sweep read the whole interactions table (a parallel sequential scan: 27 ms at 300,000
-- interactions, growing with the history), to find usually none. This index holds only those in flight.
CREATE INDEX interactions_outbound_pending_idx ON interactions (id)
  WHERE direction = 'outbound' AND delivery_status IN ('queued', 'sending') AND provider_message_id IS NULL;
