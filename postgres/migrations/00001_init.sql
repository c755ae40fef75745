-- +goose Up
-- pnpd's schema on PostgreSQL: the same tables and columns as SQLite's,
-- which the shared queries (internal/sqlstore) read and write alike.
-- Times are Unix milliseconds; NULL stands for "never". Tables whose rows
-- the queries order by insertion have a rowid column, as SQLite's tables
-- do implicitly.

CREATE TABLE channel (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    secret             TEXT NOT NULL,
    bot_user_id        TEXT NOT NULL UNIQUE,
    country            TEXT NOT NULL,
    webhook_url        TEXT NOT NULL DEFAULT '',
    webhook_enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    redelivery_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         BIGINT NOT NULL,
    flexible_enabled   BOOLEAN NOT NULL DEFAULT TRUE,
    template_enabled   BOOLEAN NOT NULL DEFAULT TRUE,
    template_keys      TEXT NOT NULL DEFAULT '',
    provider_id        BIGINT NOT NULL DEFAULT 0,
    icon               BYTEA,
    icon_type          TEXT NOT NULL DEFAULT ''
);

CREATE INDEX channel_provider ON channel (provider_id);

CREATE TABLE access_token (
    hash       TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channel (id),
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    key_id     TEXT NOT NULL DEFAULT '',
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX access_token_channel_kind ON access_token (channel_id, kind, created_at);

CREATE TABLE channel_key (
    kid        TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channel (id),
    jwk        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX channel_key_channel ON channel_key (channel_id, created_at);

CREATE TABLE recipient (
    id                    TEXT PRIMARY KEY,
    display_name          TEXT NOT NULL,
    phone_number          TEXT NOT NULL UNIQUE,
    phone_hash            TEXT NOT NULL UNIQUE,
    language              TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    phone_changed_at      BIGINT,
    sms_verified_at       BIGINT,
    consent               TEXT NOT NULL,
    privacy_policy_agreed BOOLEAN NOT NULL
);

CREATE TABLE block (
    recipient_id TEXT NOT NULL REFERENCES recipient (id),
    channel_id   TEXT NOT NULL,
    PRIMARY KEY (recipient_id, channel_id)
);

CREATE TABLE friend (
    recipient_id TEXT NOT NULL REFERENCES recipient (id),
    channel_id   TEXT NOT NULL,
    PRIMARY KEY (recipient_id, channel_id)
);

CREATE TABLE notification (
    id                    TEXT PRIMARY KEY,
    channel_id            TEXT NOT NULL,
    recipient_id          TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    to_hash               TEXT NOT NULL,
    delivery_tag          TEXT NOT NULL,
    messages              TEXT NOT NULL,
    notification_disabled BOOLEAN NOT NULL,
    aggregation_unit      TEXT NOT NULL,
    state                 TEXT NOT NULL,
    announced             BOOLEAN NOT NULL DEFAULT FALSE,
    accepted_at           BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL,
    delivered_at          BIGINT,
    state_changed_at      BIGINT,
    first_state           TEXT NOT NULL DEFAULT '',
    rowid                 BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX notification_held ON notification (recipient_id, accepted_at)
    WHERE state IN ('held_consent', 'held_sms');
CREATE INDEX notification_expiry ON notification (expires_at)
    WHERE state IN ('held_consent', 'held_sms');
CREATE INDEX notification_tag ON notification (delivery_tag, accepted_at)
    WHERE delivery_tag <> '';
CREATE INDEX notification_channel_accepted ON notification (channel_id, accepted_at, id);
CREATE INDEX notification_accepted ON notification (accepted_at, id);
CREATE INDEX notification_delivered_channel
    ON notification (channel_id, delivered_at, kind, aggregation_unit)
    WHERE state = 'delivered';
CREATE INDEX notification_delivered_all
    ON notification (delivered_at, kind, aggregation_unit)
    WHERE state = 'delivered';

CREATE TABLE notification_step (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id TEXT NOT NULL,
    at              BIGINT NOT NULL,
    state           TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT ''
);

CREATE INDEX notification_step_notification ON notification_step (notification_id, id);

-- Every change of a notification's state records a step, in the statement
-- that changes it.
-- +goose StatementBegin
CREATE FUNCTION notification_step_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_step (notification_id, at, state)
        VALUES (NEW.id, coalesce(NEW.state_changed_at, OLD.state_changed_at), NEW.state);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER notification_step_changed AFTER UPDATE OF state ON notification
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION notification_step_changed();

CREATE TABLE aggregation_unit (
    channel_id TEXT NOT NULL,
    month      TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (channel_id, month, name)
);

CREATE TABLE chat_message (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id    TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    notice          TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    message         TEXT,
    silent          BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE INDEX chat_message_chat ON chat_message (recipient_id, chat_id, id);

CREATE TABLE chat_read (
    recipient_id TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    last_read_id BIGINT NOT NULL,
    PRIMARY KEY (recipient_id, chat_id)
);

CREATE TABLE webhook_event (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    destination     TEXT NOT NULL,
    data            TEXT NOT NULL,
    timestamp       BIGINT NOT NULL
);

CREATE INDEX webhook_event_notification ON webhook_event (notification_id);

CREATE TABLE webhook_attempt (
    event_id    TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    latency_ms  BIGINT NOT NULL,
    redelivery  BOOLEAN NOT NULL,
    injected    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, attempt)
);

CREATE TABLE webhook_fault (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    delay_ms    BIGINT NOT NULL,
    remaining   INTEGER NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE INDEX webhook_fault_pending ON webhook_fault (channel_id, id) WHERE remaining > 0;

CREATE TABLE sms_code (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_number TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    wrong_tries  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX sms_code_phone ON sms_code (phone_number, created_at);

CREATE TABLE sms (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_number TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE INDEX sms_phone ON sms (phone_number, id);

CREATE TABLE session (
    hash         TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

CREATE TABLE setting (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE operator (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE operator_session (
    hash        TEXT PRIMARY KEY,
    operator_id BIGINT NOT NULL REFERENCES operator (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE INDEX operator_session_expiry ON operator_session (expires_at);

CREATE TABLE provider (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The pnpd nodes on this database, each seen within the last seconds
-- alive: per-channel rate limits are shared among the live ones.
CREATE TABLE node (
    id         TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
