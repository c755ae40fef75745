package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
)

// The keys are read only to check an assertion, which happens about as
// often as a token is issued: they are not cached.

const channelKeyColumns = `kid, channel_id, jwk, created_at`

func scanChannelKey(row interface{ Scan(...any) error }) (pnpd.ChannelKey, error) {
	var k pnpd.ChannelKey
	var created int64
	err := row.Scan(&k.KID, &k.ChannelID, &k.JWK, &created)
	k.CreatedAt = time.UnixMilli(created).UTC()

	return k, err
}

func (q *queries) AddChannelKey(ctx context.Context, k *pnpd.ChannelKey) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO channel_key (`+channelKeyColumns+`)
		VALUES (?, ?, ?, ?)`, k.KID, k.ChannelID, k.JWK, k.CreatedAt.UnixMilli())
	if q.db.isUniqueViolation(err) {
		return pnpd.Errorf(pnpd.EConflict, "A key with this kid exists already.")
	}
	if err != nil {
		return fmt.Errorf("add channel key: %w", err)
	}

	return nil
}

func (q *queries) ChannelKey(ctx context.Context, kid string) (*pnpd.ChannelKey, error) {
	k, err := scanChannelKey(q.r.QueryRowContext(ctx, `SELECT `+channelKeyColumns+`
		FROM channel_key WHERE kid = ?`, kid))
	if err != nil {
		return nil, notFound(err, "channel key")
	}

	return &k, nil
}

// ChannelKeys orders keys added in the same millisecond as they were
// stored (their rowid).
func (q *queries) ChannelKeys(ctx context.Context,
	channelID string) ([]pnpd.ChannelKey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+channelKeyColumns+` FROM channel_key
		WHERE channel_id = ? ORDER BY created_at, rowid`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list channel keys: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.ChannelKey, error) {
		return scanChannelKey(r)
	})
}

func (q *queries) DeleteChannelKey(ctx context.Context, channelID, kid string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM channel_key
		WHERE channel_id = ? AND kid = ?`, channelID, kid)
	if err != nil {
		return fmt.Errorf("delete channel key: %w", err)
	}

	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete channel key: %w", err)
	}
	if n == 0 {
		return pnpd.Errorf(pnpd.ENotFound, "channel key not found.")
	}

	return nil
}
