-- +goose Up
-- Which kinds of notification a channel may send, and which templates;
-- channels made before template notifications keep sending flexible ones.
ALTER TABLE channel ADD COLUMN flexible_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE channel ADD COLUMN template_enabled INTEGER NOT NULL DEFAULT 1;
-- Space-separated template keys; empty for every template of the country.
ALTER TABLE channel ADD COLUMN template_keys TEXT NOT NULL DEFAULT '';

-- The aggregation unit names a channel used in a month (yyyyMM, UTC+9);
-- a name is assigned when a notification naming it is delivered.
CREATE TABLE aggregation_unit (
    channel_id TEXT NOT NULL,
    month      TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (channel_id, month, name)
) WITHOUT ROWID;

CREATE INDEX notification_unit ON notification (channel_id, delivered_at)
    WHERE state = 'delivered' AND aggregation_unit <> '';

-- +goose Down
DROP INDEX notification_unit;
DROP TABLE aggregation_unit;
ALTER TABLE channel DROP COLUMN template_keys;
ALTER TABLE channel DROP COLUMN template_enabled;
ALTER TABLE channel DROP COLUMN flexible_enabled;
