-- The refresh-token denylist, when no Redis is configured. Rows carry their own expiry
-- and are pruned as a side effect of writes: no cleanup job.
CREATE TABLE retired_refresh_tokens (
    jti                  TEXT    PRIMARY KEY NOT NULL,
    sid                  TEXT    NOT NULL,
    expires_at           INTEGER NOT NULL,
    successor            TEXT,
    successor_expires_at INTEGER
);
CREATE INDEX retired_refresh_tokens_expires_at ON retired_refresh_tokens (expires_at);

CREATE TABLE revoked_sessions (
    sid        TEXT    PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at);
CREATE INDEX retired_refresh_tokens_successor ON retired_refresh_tokens (successor_expires_at)
    WHERE successor IS NOT NULL;
