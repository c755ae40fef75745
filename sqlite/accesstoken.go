package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pnpd/pnpd"
)

// AccessToken reads a token by its hash, whether or not it has expired:
// the caller judges expiry by its own clock.
func (q *queries) AccessToken(ctx context.Context, hash string) (*pnpd.AccessToken, error) {
	t := pnpd.AccessToken{Hash: hash}
	var created int64
	var expires sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT channel_id, kind, created_at, expires_at
		FROM access_token WHERE hash = ?`, hash).
		Scan(&t.ChannelID, &t.Kind, &created, &expires)
	if err != nil {
		return nil, notFound(err, "access token")
	}

	t.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
	t.ExpiresAt = fromMS(expires)

	return &t, nil
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
	res, err := q.w.ExecContext(ctx, `DELETE FROM access_token WHERE hash IN (
		SELECT hash FROM access_token WHERE channel_id = ? AND kind = ?
		ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`, channelID, kind, max(keep, 0))
	if err != nil {
		return 0, fmt.Errorf("trim access tokens: %w", err)
	}

	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("trim access tokens: %w", err)
	}

	return int(n), nil
}
