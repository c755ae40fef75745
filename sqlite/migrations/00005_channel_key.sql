-- +goose Up
-- The public keys businesses register to sign their JWT assertions with,
-- found by the kid an assertion names.
CREATE TABLE channel_key (
    kid        TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channel (id),
    jwk        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX channel_key_channel ON channel_key (channel_id, created_at);

-- A v2.1 token's key ID, which LINE lists; '' for the other kinds.
ALTER TABLE access_token ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- Issuing a v2.1 or short-lived token counts or trims the channel's others.
CREATE INDEX access_token_channel_kind ON access_token (channel_id, kind, created_at);

-- +goose Down
DROP INDEX access_token_channel_kind;
ALTER TABLE access_token DROP COLUMN key_id;
DROP INDEX channel_key_channel;
DROP TABLE channel_key;
