-- +goose Up
-- When a notification entered its current state; the trace step's time.
ALTER TABLE notification ADD COLUMN state_changed_at INTEGER;
UPDATE notification SET state_changed_at = CASE state
    WHEN 'delivered' THEN coalesce(delivered_at, accepted_at)
    WHEN 'expired' THEN expires_at
    ELSE accepted_at END;

-- The path each notification took. Its first state is kept in its row,
-- so that a push delivered at once, the usual case, writes nothing more;
-- each later state is a row of notification_step, recorded by a trigger
-- in the statement that changes the state, so that no writer can forget
-- one and the expiry sweep stays one statement. Notifications accepted
-- before the upgrade have no first state (''): their one step is their
-- state at the upgrade.
ALTER TABLE notification ADD COLUMN first_state TEXT NOT NULL DEFAULT '';

CREATE TABLE notification_step (
    id              INTEGER PRIMARY KEY,
    notification_id TEXT NOT NULL,
    at              INTEGER NOT NULL,
    state           TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT ''
);

CREATE INDEX notification_step_notification ON notification_step (notification_id, id);

INSERT INTO notification_step (notification_id, at, state, detail)
    SELECT id, state_changed_at, state, 'recorded at upgrade; earlier steps unknown'
    FROM notification ORDER BY accepted_at, rowid;

-- +goose StatementBegin
CREATE TRIGGER notification_step_changed AFTER UPDATE OF state ON notification
    WHEN old.state IS NOT new.state
BEGIN
    INSERT INTO notification_step (notification_id, at, state)
        VALUES (new.id, coalesce(new.state_changed_at, old.state_changed_at), new.state);
END;
-- +goose StatementEnd

-- The operator's search: newest first, of one channel or of all.
CREATE INDEX notification_channel_accepted ON notification (channel_id, accepted_at, id);
CREATE INDEX notification_accepted ON notification (accepted_at, id);

-- The statistics: deliveries of one channel or of all by time, the kind
-- and the unit read from the index alone. The first serves the counts by
-- kind and by unit too, which had indexes of their own.
DROP INDEX notification_delivered;
DROP INDEX notification_unit;
CREATE INDEX notification_delivered_channel
    ON notification (channel_id, delivered_at, kind, aggregation_unit)
    WHERE state = 'delivered';
CREATE INDEX notification_delivered_all
    ON notification (delivered_at, kind, aggregation_unit)
    WHERE state = 'delivered';

-- +goose Down
DROP INDEX notification_delivered_all;
DROP INDEX notification_delivered_channel;
CREATE INDEX notification_unit ON notification (channel_id, delivered_at)
    WHERE state = 'delivered' AND aggregation_unit <> '';
CREATE INDEX notification_delivered ON notification (channel_id, kind, delivered_at)
    WHERE state = 'delivered';
DROP INDEX notification_accepted;
DROP INDEX notification_channel_accepted;
DROP TRIGGER notification_step_changed;
DROP TABLE notification_step;
ALTER TABLE notification DROP COLUMN first_state;
ALTER TABLE notification DROP COLUMN state_changed_at;
