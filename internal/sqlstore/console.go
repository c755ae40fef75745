package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
)

// inTx runs fn in a write transaction of its own when q is outside Update,
// so that a change to a channel or a token empties the channel cache once
// it commits.
func (q *queries) inTx(ctx context.Context, fn func(tq *queries) error) error {
	if q.tx != nil {
		return fn(q)
	}

	return q.db.Update(ctx, func(tq pnpd.Queries) error {
		return fn(tq.(*queries))
	})
}

// changeOne runs a write that must change exactly one row; ENotFound names
// what when it changes none.
func (q *queries) changeOne(ctx context.Context, what, query string, args ...any) error {
	res, err := q.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}

	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}

	if n == 0 {
		return pnpd.Errorf(pnpd.ENotFound, "%s not found.", what)
	}

	return nil
}

// UpdateChannel runs in a transaction of its own outside Update: see inTx.
func (q *queries) UpdateChannel(ctx context.Context, c *pnpd.Channel) error {
	return q.inTx(ctx, func(tq *queries) error {
		tq.channelsChanged()
		err := tq.changeOne(ctx, "channel", `UPDATE channel SET name = ?, secret = ?,
			bot_user_id = ?, country = ?, provider_id = ?, webhook_url = ?,
			webhook_enabled = ?, redelivery_enabled = ?, flexible_enabled = ?,
			template_enabled = ? WHERE id = ?`,
			c.Name, tq.db.sealSecret(c.ID, c.Secret), c.BotUserID, c.Country, c.ProviderID,
			c.WebhookURL,
			c.WebhookEnabled, c.RedeliveryEnabled, c.FlexibleEnabled, c.TemplateEnabled, c.ID)
		if q.db.isUniqueViolation(err) {
			return pnpd.Errorf(pnpd.EConflict, "Another channel has this bot user ID.")
		}

		return err
	})
}

func (q *queries) Channels(ctx context.Context) ([]*pnpd.Channel, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+channelColumns+` FROM channel
		ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (*pnpd.Channel, error) {
		c, err := scanChannel(r)
		if err != nil {
			return nil, err
		}

		return c, q.db.openSecret(c)
	})
}

// SetChannelIcon runs in a transaction of its own outside Update, as every
// write to a channel row does.
func (q *queries) SetChannelIcon(ctx context.Context, channelID string,
	icon pnpd.Icon) error {
	var data any
	if len(icon.Data) > 0 {
		data = icon.Data
	} else {
		icon.ContentType = ""
	}

	return q.inTx(ctx, func(tq *queries) error {
		tq.channelsChanged()

		return tq.changeOne(ctx, "channel", `UPDATE channel SET icon = ?, icon_type = ?
			WHERE id = ?`, data, icon.ContentType, channelID)
	})
}

func (q *queries) ChannelIcon(ctx context.Context, channelID string) (*pnpd.Icon, error) {
	var icon pnpd.Icon
	err := q.r.QueryRowContext(ctx, `SELECT icon, icon_type FROM channel
		WHERE id = ? AND icon IS NOT NULL`, channelID).Scan(&icon.Data, &icon.ContentType)
	if err != nil {
		return nil, notFound(err, "icon")
	}

	return &icon, nil
}

func (q *queries) AccessTokens(ctx context.Context,
	channelID string) ([]pnpd.AccessToken, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT hash, kind, key_id, created_at,
		expires_at FROM access_token WHERE channel_id = ?
		ORDER BY created_at DESC, rowid DESC`,
		channelID)
	if err != nil {
		return nil, fmt.Errorf("list access tokens: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.AccessToken, error) {
		t := pnpd.AccessToken{ChannelID: channelID}
		var created int64
		var expires sql.NullInt64
		err := r.Scan(&t.Hash, &t.Kind, &t.KeyID, &created, &expires)
		t.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
		t.ExpiresAt = fromMS(expires)

		return t, err
	})
}

// ExpireAccessTokens runs in a transaction of its own outside Update, so
// that the cache forgets the old expiry once the change commits.
func (q *queries) ExpireAccessTokens(ctx context.Context, channelID, kind string,
	t time.Time) (int, error) {
	var n int64
	err := q.inTx(ctx, func(tq *queries) error {
		tq.channelsChanged()
		res, err := tq.w.ExecContext(ctx, `UPDATE access_token SET expires_at = ?
			WHERE channel_id = ? AND kind = ? AND (expires_at IS NULL OR expires_at > ?)`,
			t.UnixMilli(), channelID, kind, t.UnixMilli())
		if err != nil {
			return fmt.Errorf("expire access tokens: %w", err)
		}

		n, err = res.RowsAffected()

		return err
	})

	return int(n), err
}

func (q *queries) CreateOperator(ctx context.Context, o *pnpd.Operator) error {
	id, err := q.insertID(ctx, `INSERT INTO operator (username, password_hash,
		created_at) VALUES (?, ?, ?)`, o.Username, o.PasswordHash, o.CreatedAt.UnixMilli())
	if q.db.isUniqueViolation(err) {
		return pnpd.Errorf(pnpd.EConflict, "This username is taken.")
	}

	if err != nil {
		return fmt.Errorf("create operator: %w", err)
	}

	o.ID = id

	return nil
}

// SetOperatorPassword runs in a transaction of its own outside Update, so
// that the old sessions end with the old password.
func (q *queries) SetOperatorPassword(ctx context.Context, id int64,
	passwordHash string) error {
	return q.inTx(ctx, func(tq *queries) error {
		err := tq.changeOne(ctx, "operator", `UPDATE operator SET password_hash = ?
			WHERE id = ?`, passwordHash, id)
		if err != nil {
			return err
		}

		_, err = tq.w.ExecContext(ctx, `DELETE FROM operator_session
			WHERE operator_id = ?`, id)
		if err != nil {
			return fmt.Errorf("end operator sessions: %w", err)
		}

		return nil
	})
}

const operatorColumns = `id, username, password_hash, created_at`

func scanOperator(row interface{ Scan(...any) error }) (*pnpd.Operator, error) {
	var o pnpd.Operator
	var created int64
	if err := row.Scan(&o.ID, &o.Username, &o.PasswordHash, &created); err != nil {
		return nil, notFound(err, "operator")
	}

	o.CreatedAt = time.UnixMilli(created).UTC()

	return &o, nil
}

func (q *queries) OperatorByUsername(ctx context.Context,
	username string) (*pnpd.Operator, error) {
	return scanOperator(q.r.QueryRowContext(ctx, `SELECT `+operatorColumns+`
		FROM operator WHERE username = ?`, username))
}

func (q *queries) Operator(ctx context.Context, id int64) (*pnpd.Operator, error) {
	return scanOperator(q.r.QueryRowContext(ctx, `SELECT `+operatorColumns+`
		FROM operator WHERE id = ?`, id))
}

func (q *queries) Operators(ctx context.Context) ([]pnpd.Operator, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+operatorColumns+` FROM operator
		ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.Operator, error) {
		o, err := scanOperator(r)
		if err != nil {
			return pnpd.Operator{}, err
		}

		return *o, nil
	})
}

func (q *queries) CountOperators(ctx context.Context) (int, error) {
	var n int
	if err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM operator`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count operators: %w", err)
	}

	return n, nil
}

// CreateOperatorSession also deletes the sessions that had expired when it
// began, so that they do not pile up.
func (q *queries) CreateOperatorSession(ctx context.Context, s *pnpd.OperatorSession) error {
	err := q.exec(ctx, "delete expired operator sessions", `DELETE FROM operator_session
		WHERE expires_at <= ?`, s.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}

	return q.exec(ctx, "create operator session", `INSERT INTO operator_session
		(hash, operator_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		s.Hash, s.OperatorID, s.CreatedAt.UnixMilli(), s.ExpiresAt.UnixMilli())
}

func (q *queries) OperatorSession(ctx context.Context, hash string,
	now time.Time) (*pnpd.OperatorSession, error) {
	s := pnpd.OperatorSession{Hash: hash}
	var created, expires int64
	err := q.r.QueryRowContext(ctx, `SELECT operator_id, created_at, expires_at
		FROM operator_session WHERE hash = ? AND expires_at > ?`, hash, now.UnixMilli()).
		Scan(&s.OperatorID, &created, &expires)
	if err != nil {
		return nil, notFound(err, "operator session")
	}

	s.CreatedAt = time.UnixMilli(created).UTC()
	s.ExpiresAt = time.UnixMilli(expires).UTC()

	return &s, nil
}

func (q *queries) ExtendOperatorSession(ctx context.Context, hash string,
	expires time.Time) error {
	return q.exec(ctx, "extend operator session", `UPDATE operator_session
		SET expires_at = ? WHERE hash = ?`, expires.UnixMilli(), hash)
}

func (q *queries) DeleteOperatorSession(ctx context.Context, hash string) error {
	return q.exec(ctx, "delete operator session", `DELETE FROM operator_session
		WHERE hash = ?`, hash)
}

func (q *queries) CreateProvider(ctx context.Context, p *pnpd.Provider) error {
	id, err := q.insertID(ctx, `INSERT INTO provider (name, created_at)
		VALUES (?, ?)`, p.Name, p.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("create provider: %w", err)
	}

	p.ID = id

	return nil
}

func (q *queries) Provider(ctx context.Context, id int64) (*pnpd.Provider, error) {
	p := pnpd.Provider{ID: id}
	var created int64
	err := q.r.QueryRowContext(ctx, `SELECT name, created_at FROM provider WHERE id = ?`,
		id).Scan(&p.Name, &created)
	if err != nil {
		return nil, notFound(err, "provider")
	}

	p.CreatedAt = time.UnixMilli(created).UTC()

	return &p, nil
}

func (q *queries) Providers(ctx context.Context) ([]pnpd.Provider, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, name, created_at FROM provider
		ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.Provider, error) {
		var p pnpd.Provider
		var created int64
		err := r.Scan(&p.ID, &p.Name, &created)
		p.CreatedAt = time.UnixMilli(created).UTC()

		return p, err
	})
}

func (q *queries) RenameProvider(ctx context.Context, id int64, name string) error {
	return q.changeOne(ctx, "provider", `UPDATE provider SET name = ? WHERE id = ?`,
		name, id)
}

// DeleteProvider checks for channels and deletes in one transaction, so
// that no channel is created in between.
func (q *queries) DeleteProvider(ctx context.Context, id int64) error {
	return q.inTx(ctx, func(tq *queries) error {
		var n int
		err := tq.r.QueryRowContext(ctx, `SELECT count(*) FROM channel WHERE provider_id = ?`,
			id).Scan(&n)
		if err != nil {
			return fmt.Errorf("delete provider: %w", err)
		}

		if n > 0 {
			return pnpd.Errorf(pnpd.EConflict, "The provider still has channels.")
		}

		return tq.changeOne(ctx, "provider", `DELETE FROM provider WHERE id = ?`, id)
	})
}
