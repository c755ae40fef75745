-- +goose Up
-- Times are Unix milliseconds; NULL stands for "never".

CREATE TABLE channel (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    secret             TEXT NOT NULL,
    bot_user_id        TEXT NOT NULL UNIQUE,
    country            TEXT NOT NULL,
    webhook_url        TEXT NOT NULL DEFAULT '',
    webhook_enabled    INTEGER NOT NULL DEFAULT 0,
    redelivery_enabled INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);

CREATE TABLE access_token (
    hash       TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channel (id),
    kind       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);

CREATE TABLE recipient (
    id                    TEXT PRIMARY KEY,
    display_name          TEXT NOT NULL,
    phone_number          TEXT NOT NULL UNIQUE,
    phone_hash            TEXT NOT NULL UNIQUE,
    language              TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    phone_changed_at      INTEGER,
    sms_verified_at       INTEGER,
    consent               TEXT NOT NULL,
    privacy_policy_agreed INTEGER NOT NULL
);

CREATE TABLE block (
    recipient_id TEXT NOT NULL REFERENCES recipient (id),
    channel_id   TEXT NOT NULL,
    PRIMARY KEY (recipient_id, channel_id)
) WITHOUT ROWID;

CREATE TABLE notification (
    id                    TEXT PRIMARY KEY,
    channel_id            TEXT NOT NULL,
    recipient_id          TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    to_hash               TEXT NOT NULL,
    delivery_tag          TEXT NOT NULL,
    messages              TEXT NOT NULL,
    notification_disabled INTEGER NOT NULL,
    aggregation_unit      TEXT NOT NULL,
    state                 TEXT NOT NULL,
    announced             INTEGER NOT NULL DEFAULT 0,
    accepted_at           INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    delivered_at          INTEGER
);

CREATE INDEX notification_held ON notification (recipient_id, accepted_at)
    WHERE state IN ('held_consent', 'held_sms');
CREATE INDEX notification_expiry ON notification (expires_at)
    WHERE state IN ('held_consent', 'held_sms');
CREATE INDEX notification_delivered ON notification (channel_id, kind, delivered_at)
    WHERE state = 'delivered';

CREATE TABLE chat_message (
    id              INTEGER PRIMARY KEY,
    recipient_id    TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    notice          TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    message         TEXT,
    silent          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE INDEX chat_message_chat ON chat_message (recipient_id, chat_id, id);

CREATE TABLE chat_read (
    recipient_id TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    last_read_id INTEGER NOT NULL,
    PRIMARY KEY (recipient_id, chat_id)
) WITHOUT ROWID;

CREATE TABLE webhook_event (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    destination     TEXT NOT NULL,
    data            TEXT NOT NULL,
    timestamp       INTEGER NOT NULL
);

CREATE TABLE webhook_attempt (
    event_id    TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    latency_ms  INTEGER NOT NULL,
    redelivery  INTEGER NOT NULL,
    PRIMARY KEY (event_id, attempt)
) WITHOUT ROWID;

CREATE TABLE sms_code (
    id           INTEGER PRIMARY KEY,
    phone_number TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    wrong_tries  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX sms_code_phone ON sms_code (phone_number, created_at);

CREATE TABLE sms (
    id           INTEGER PRIMARY KEY,
    phone_number TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE INDEX sms_phone ON sms (phone_number, id);

CREATE TABLE session (
    hash         TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE setting (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE setting;
DROP TABLE session;
DROP TABLE sms;
DROP TABLE sms_code;
DROP TABLE webhook_attempt;
DROP TABLE webhook_event;
DROP TABLE chat_read;
DROP TABLE chat_message;
DROP TABLE notification;
DROP TABLE block;
DROP TABLE recipient;
DROP TABLE access_token;
DROP TABLE channel;
