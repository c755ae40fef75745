-- +goose Up
-- The sandbox fault an attempt took ('' for none).
ALTER TABLE webhook_attempt ADD COLUMN injected TEXT NOT NULL DEFAULT '';

-- Faults the sandbox applies to a channel's next webhook attempts, one
-- unit per attempt, the oldest fault with units left first.
CREATE TABLE webhook_fault (
    id          INTEGER PRIMARY KEY,
    channel_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    delay_ms    INTEGER NOT NULL,
    remaining   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX webhook_fault_pending ON webhook_fault (channel_id, id) WHERE remaining > 0;

-- The sandbox finds a notification by its delivery tag, and its event.
CREATE INDEX notification_tag ON notification (delivery_tag, accepted_at)
    WHERE delivery_tag <> '';
CREATE INDEX webhook_event_notification ON webhook_event (notification_id);

-- +goose Down
DROP INDEX webhook_event_notification;
DROP INDEX notification_tag;
DROP TABLE webhook_fault;
ALTER TABLE webhook_attempt DROP COLUMN injected;
