-- The last transfer of a live call: the <Dial> it interrupted must lead the caller to the same place.
ALTER TABLE calls ADD COLUMN transfer jsonb;
