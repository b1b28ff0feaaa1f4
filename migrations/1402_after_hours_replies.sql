-- An SMS conversation written to while the hub is closed gets one after-hours auto-reply per closure:
-- the row for (case, start of the closure) is claimed before the reply is sent, so a second message in
-- the same night (or a provider's retry) does not get a second one, and the next closure does.
CREATE TABLE after_hours_replies (
  case_id bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  closed_since timestamptz NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, closed_since)
);
