-- +goose Up
CREATE TABLE friend (
    recipient_id TEXT NOT NULL REFERENCES recipient (id),
    channel_id   TEXT NOT NULL,
    PRIMARY KEY (recipient_id, channel_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE friend;
