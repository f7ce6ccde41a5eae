-- Instant revocation without Redis: each fact ends one session (sid) or a user's tokens
-- below a generation (sub, gen), until its expiry (Unix seconds). Instances poll for rows
-- above the last seq they saw, and for every row of the last few seconds (recorded_at): a
-- sequence number is taken before its transaction commits, so a lower one may appear later.
-- The purge timer removes expired rows.
CREATE TABLE revocation_facts (
    seq   BIGSERIAL PRIMARY KEY,
    sid   UUID,
    sub   UUID,
    gen   BIGINT,
    until BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    CHECK ((sid IS NOT NULL AND sub IS NULL) OR (sid IS NULL AND sub IS NOT NULL AND gen IS NOT NULL))
);
CREATE INDEX revocation_facts_until ON revocation_facts (until);
CREATE INDEX revocation_facts_recorded_at ON revocation_facts (recorded_at);
