-- Users: the truth. Same meaning as migrations/sqlite; PostgreSQL types where they help
-- (UUID ids, a text array of roles, TIMESTAMPTZ at microsecond precision).
CREATE TABLE users (
    id               UUID        PRIMARY KEY NOT NULL,
    email            TEXT        NOT NULL UNIQUE,
    password_hash    TEXT        NOT NULL,
    roles            TEXT[]      NOT NULL DEFAULT '{}',
    token_generation BIGINT      NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_created_at ON users (created_at, id);
