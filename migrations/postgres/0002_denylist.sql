-- The refresh-token denylist, when no Redis is configured. Expiries are Unix seconds, as
-- in SQLite; rows are pruned as a side effect of writes: no cleanup job.
CREATE TABLE retired_refresh_tokens (
    jti                  UUID   PRIMARY KEY NOT NULL,
    sid                  UUID   NOT NULL,
    expires_at           BIGINT NOT NULL,
    successor            TEXT,
    successor_expires_at BIGINT
);
CREATE INDEX retired_refresh_tokens_expires_at ON retired_refresh_tokens (expires_at);
CREATE INDEX retired_refresh_tokens_successor ON retired_refresh_tokens (successor_expires_at)
    WHERE successor IS NOT NULL;

CREATE TABLE revoked_sessions (
    sid        UUID   PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at);
