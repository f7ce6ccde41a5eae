-- Users: the truth. Times are Unix microseconds (created_at) or seconds (expiries).
CREATE TABLE users (
    id               TEXT    PRIMARY KEY NOT NULL,
    email            TEXT    NOT NULL UNIQUE,
    password_hash    TEXT    NOT NULL,
    roles            TEXT    NOT NULL DEFAULT '[]',
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);
CREATE INDEX users_created_at ON users (created_at, id);
