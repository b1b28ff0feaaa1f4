-- Routing: look-ups the router makes on every match pass.

-- "not re-offered to that agent for a while": recent refusals of a case by an agent
CREATE INDEX offers_case_agent_idx ON offers(case_id, agent_id, responded_at);
-- offers in flight that may have lost their timer (restart, Redis flush)
CREATE INDEX offers_pending_expiry_idx ON offers(expires_at) WHERE status = 'pending';
-- load per agent and channel
CREATE INDEX cases_assignee_channel_idx ON cases(assignee_id, channel) WHERE status IN ('new', 'open', 'pending');
-- why an offer ended (timeout, taken, agent_unavailable, ...)
ALTER TABLE offers ADD COLUMN end_reason text;
-- presence log: what ended a period is the next row's start; the reason says who changed it
CREATE INDEX agent_presence_log_time_idx ON agent_presence_log(started_at);
