-- A successor is kept for the immediately preceding token of a session only: retiring a
-- token forgets the kept successors of its session's older tokens, found by sid.
CREATE INDEX retired_refresh_tokens_sid ON retired_refresh_tokens (sid) WHERE successor IS NOT NULL;
