-- +goose Up
-- The people who run the platform in the console. password_hash is a
-- self-describing hash (argon2id's PHC string) with its own salt.
CREATE TABLE operator (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- An operator's log-in, by the SHA-256 of its ID: the cookie holds the
-- ID, the database never does. The CSRF token is derived from the ID.
CREATE TABLE operator_session (
    hash        TEXT PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operator (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX operator_session_expiry ON operator_session (expires_at);

-- A business, or part of one, that owns channels.
CREATE TABLE provider (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The provider that owns a channel (0 for none, as for the sandbox's
-- channels) and its icon, small enough to keep in the row.
ALTER TABLE channel ADD COLUMN provider_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channel ADD COLUMN icon BLOB;
ALTER TABLE channel ADD COLUMN icon_type TEXT NOT NULL DEFAULT '';

CREATE INDEX channel_provider ON channel (provider_id);
CREATE INDEX access_token_channel_kind ON access_token (channel_id, kind);

-- +goose Down
DROP INDEX access_token_channel_kind;
DROP INDEX channel_provider;
ALTER TABLE channel DROP COLUMN icon_type;
ALTER TABLE channel DROP COLUMN icon;
ALTER TABLE channel DROP COLUMN provider_id;
DROP TABLE provider;
DROP INDEX operator_session_expiry;
DROP TABLE operator_session;
DROP TABLE operator;
