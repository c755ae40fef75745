package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
)

// AccessToken reads a token by its hash, whether or not it has expired:
// the caller judges expiry by its own clock.
func (q *queries) AccessToken(ctx context.Context, hash string) (*pnpd.AccessToken, error) {
	t, err := scanAccessToken(q.r.QueryRowContext(ctx, `SELECT `+accessTokenColumns+`
		FROM access_token WHERE hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "access token")
	}

	return &t, nil
}

const accessTokenColumns = `hash, channel_id, kind, key_id, created_at, expires_at`

func scanAccessToken(row interface{ Scan(...any) error }) (pnpd.AccessToken, error) {
	var t pnpd.AccessToken
	var created int64
	var expires sql.NullInt64
	err := row.Scan(&t.Hash, &t.ChannelID, &t.Kind, &t.KeyID, &created, &expires)
	t.CreatedAt = time.UnixMilli(created).UTC()
	t.ExpiresAt = fromMS(expires)

	return t, err
}

// ValidAccessTokens orders tokens created in the same millisecond as they were
// stored (their rowid), as TrimAccessTokens does.
func (q *queries) ValidAccessTokens(ctx context.Context, channelID, kind string,
	now time.Time) ([]pnpd.AccessToken, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+accessTokenColumns+` FROM access_token
		WHERE channel_id = ? AND kind = ? AND (expires_at IS NULL OR expires_at > ?)
		ORDER BY created_at, rowid`, channelID, kind, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list access tokens: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.AccessToken, error) {
		return scanAccessToken(r)
	})
}

// DeleteAccessToken runs in a write transaction of its own outside Update,
// so that the channel cache forgets the token once the deletion commits.
func (q *queries) DeleteAccessToken(ctx context.Context, hash string) error {
	if q.tx == nil {
		return q.db.Update(ctx, func(tq pnpd.Queries) error {
			return tq.DeleteAccessToken(ctx, hash)
		})
	}

	q.channelsChanged()

	return q.exec(ctx, "delete access token", `DELETE FROM access_token WHERE hash = ?`,
		hash)
}

// TrimAccessTokens runs in a write transaction of its own outside Update,
// for the same reason as DeleteAccessToken. Tokens created in the same
// millisecond go in the order they were stored (their rowid).
func (q *queries) TrimAccessTokens(ctx context.Context, channelID, kind string,
	keep int) (int, error) {
	if q.tx == nil {
		var n int
		err := q.db.Update(ctx, func(tq pnpd.Queries) error {
			var err error
			n, err = tq.TrimAccessTokens(ctx, channelID, kind, keep)

			return err
		})

		return n, err
	}

	q.channelsChanged()
	res, err := q.w.ExecContext(ctx, `DELETE FROM access_token
		WHERE channel_id = ? AND kind = ? AND hash NOT IN (
			SELECT hash FROM access_token WHERE channel_id = ? AND kind = ?
			ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
		channelID, kind, channelID, kind, max(keep, 0))
	if err != nil {
		return 0, fmt.Errorf("trim access tokens: %w", err)
	}

	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("trim access tokens: %w", err)
	}

	return int(n), nil
}

// PurgeAccessTokens runs in a transaction of its own outside Update, so
// that the channel cache forgets the tokens once the change commits.
func (q *queries) PurgeAccessTokens(ctx context.Context, channelID, kind string,
	now time.Time) (int, error) {
	var n int64
	err := q.inTx(ctx, func(tq *queries) error {
		tq.channelsChanged()
		res, err := tq.w.ExecContext(ctx, `DELETE FROM access_token WHERE channel_id = ?
			AND kind = ? AND expires_at IS NOT NULL AND expires_at <= ?`,
			channelID, kind, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("purge access tokens: %w", err)
		}

		n, err = res.RowsAffected()

		return err
	})

	return int(n), err
}
