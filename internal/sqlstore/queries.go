package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
)

// queries implements pnpd.Queries on a pool (r for reads, w for writes) or,
// inside Update, on one transaction (r, w and tx the same).
type queries struct {
	r, w Conn
	tx   *sql.Tx
	db   *DB
	// ch collects what the transaction's commit must do; nil outside one.
	ch *Changes
}

// channelsChanged notes that the update writes to a channel or an access
// token: the channel cache is emptied after it commits. Every such write
// must call it.
func (q *queries) channelsChanged() {
	if q.ch != nil {
		q.ch.Channels = true
	}
}

// ms stores a time as Unix milliseconds, the zero time as NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}

	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}

	return time.UnixMilli(v.Int64).UTC()
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return pnpd.Errorf(pnpd.ENotFound, "%s not found.", what)
	}

	return fmt.Errorf("load %s: %w", what, err)
}

func (q *queries) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := q.w.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}

	return nil
}

// Enqueue queues a job in the transaction, or on its own outside one. In
// a transaction the job is inserted with the others just before the commit.
func (q *queries) Enqueue(ctx context.Context, job pnpd.Job) error {
	if q.tx == nil {
		return q.db.Update(ctx, func(tq pnpd.Queries) error {
			return tq.Enqueue(ctx, job)
		})
	}

	q.ch.Jobs = append(q.ch.Jobs, river.InsertManyParams{Args: job})

	return nil
}

const channelColumns = `id, name, secret, bot_user_id, country, webhook_url,
	webhook_enabled, redelivery_enabled, flexible_enabled, template_enabled, template_keys,
	provider_id, created_at`

func scanChannel(row interface{ Scan(...any) error }) (*pnpd.Channel, error) {
	var c pnpd.Channel
	var created int64
	var keys string
	err := row.Scan(&c.ID, &c.Name, &c.Secret, &c.BotUserID, &c.Country, &c.WebhookURL,
		&c.WebhookEnabled, &c.RedeliveryEnabled, &c.FlexibleEnabled, &c.TemplateEnabled, &keys,
		&c.ProviderID, &created)
	if keys != "" {
		c.TemplateKeys = strings.Fields(keys)
	}
	c.CreatedAt = time.UnixMilli(created).UTC()

	return &c, err
}

func (q *queries) CreateChannel(ctx context.Context, c *pnpd.Channel) error {
	q.channelsChanged()
	if slices.ContainsFunc(c.TemplateKeys, badTemplateKey) {
		return pnpd.Errorf(pnpd.EInvalid, "A template key is empty or holds white space.")
	}

	return q.exec(ctx, "create channel", `INSERT INTO channel (`+channelColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, q.db.sealSecret(c.ID, c.Secret), c.BotUserID, c.Country, c.WebhookURL,
		c.WebhookEnabled, c.RedeliveryEnabled, c.FlexibleEnabled, c.TemplateEnabled,
		strings.Join(c.TemplateKeys, " "), c.ProviderID, c.CreatedAt.UnixMilli())
}

func (q *queries) ChannelIDs(ctx context.Context) ([]string, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id FROM channel ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// badTemplateKey reports a key that the column, which separates keys by
// spaces, could not give back as it was.
func badTemplateKey(k string) bool {
	return k == "" || strings.ContainsFunc(k, unicode.IsSpace)
}

func (q *queries) Channel(ctx context.Context, id string) (*pnpd.Channel, error) {
	cache := q.db.channels
	if q.tx == nil {
		if c, ok := cache.channel(id); ok {
			return c, nil
		}
	}

	gen := cache.generation()
	c, err := scanChannel(q.r.QueryRowContext(ctx,
		`SELECT `+channelColumns+` FROM channel WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "channel")
	}
	if err := q.db.openSecret(c); err != nil {
		return nil, err
	}
	if q.tx == nil {
		cache.put(gen, c, "", cachedToken{})
	}

	return c, nil
}

func (q *queries) ChannelByToken(ctx context.Context, hash string,
	now time.Time) (*pnpd.Channel, error) {
	cache := q.db.channels
	if q.tx == nil {
		if t, ok := cache.token(hash); ok {
			if c, ok := cache.channel(t.channelID); ok {
				return unexpired(c, t, now)
			}
		}
	}

	gen := cache.generation()
	var expires sql.NullInt64
	c, err := scanChannel(scanFirst(q.r.QueryRowContext(ctx, `SELECT t.expires_at,
		c.`+channelColumnsPrefixed+`
		FROM access_token t JOIN channel c ON c.id = t.channel_id
		WHERE t.hash = ?`, hash), &expires))
	if err != nil {
		return nil, notFound(err, "access token")
	}
	if err := q.db.openSecret(c); err != nil {
		return nil, err
	}

	t := cachedToken{channelID: c.ID, expiresAt: expires.Int64}
	if q.tx == nil {
		cache.put(gen, c, hash, t)
	}

	return unexpired(c, t, now)
}

// unexpired returns c if token t is still good at now.
func unexpired(c *pnpd.Channel, t cachedToken, now time.Time) (*pnpd.Channel, error) {
	if t.expiresAt != 0 && t.expiresAt <= now.UnixMilli() {
		return nil, pnpd.Errorf(pnpd.ENotFound, "access token not found.")
	}

	return c, nil
}

// scanFirst scans the first column into first and hands the rest on.
type scanFirstRow struct {
	row   interface{ Scan(...any) error }
	first any
}

func scanFirst(row interface{ Scan(...any) error }, first any) scanFirstRow {
	return scanFirstRow{row: row, first: first}
}

func (r scanFirstRow) Scan(dest ...any) error {
	return r.row.Scan(append([]any{r.first}, dest...)...)
}

const channelColumnsPrefixed = `id, c.name, c.secret, c.bot_user_id, c.country,
	c.webhook_url, c.webhook_enabled, c.redelivery_enabled, c.flexible_enabled,
	c.template_enabled, c.template_keys, c.provider_id, c.created_at`

func (q *queries) CreateAccessToken(ctx context.Context, t *pnpd.AccessToken) error {
	q.channelsChanged()

	return q.exec(ctx, "create access token", `INSERT INTO access_token
		(hash, channel_id, kind, key_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Hash, t.ChannelID, t.Kind, t.KeyID, t.CreatedAt.UnixMilli(), ms(t.ExpiresAt))
}

// UpdateChannelWebhook runs in a write transaction of its own outside
// Update, so that the channel cache is emptied once the change commits.
func (q *queries) UpdateChannelWebhook(ctx context.Context, channelID, url string,
	enabled bool) error {
	if q.tx == nil {
		return q.db.Update(ctx, func(tq pnpd.Queries) error {
			return tq.UpdateChannelWebhook(ctx, channelID, url, enabled)
		})
	}

	q.channelsChanged()
	res, err := q.w.ExecContext(ctx, `UPDATE channel SET webhook_url = ?, webhook_enabled = ?
		WHERE id = ?`, url, enabled, channelID)
	if err != nil {
		return fmt.Errorf("update channel webhook: %w", err)
	}

	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update channel webhook: %w", err)
	}
	if n == 0 {
		return pnpd.Errorf(pnpd.ENotFound, "channel not found.")
	}

	return nil
}

const recipientColumns = `id, display_name, phone_number, phone_hash, language,
	created_at, phone_changed_at, sms_verified_at, consent, privacy_policy_agreed`

func scanRecipient(row interface{ Scan(...any) error }) (*pnpd.Recipient, error) {
	var r pnpd.Recipient
	var created int64
	var changed, verified sql.NullInt64
	err := row.Scan(&r.ID, &r.DisplayName, &r.PhoneNumber, &r.PhoneHash, &r.Language,
		&created, &changed, &verified, &r.Consent, &r.PrivacyPolicyAgreed)
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.PhoneChangedAt = fromMS(changed)
	r.SMSVerifiedAt = fromMS(verified)

	return &r, err
}

func (q *queries) CreateRecipient(ctx context.Context, r *pnpd.Recipient) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO recipient (`+recipientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.DisplayName, r.PhoneNumber, r.PhoneHash, r.Language, r.CreatedAt.UnixMilli(),
		ms(r.PhoneChangedAt), ms(r.SMSVerifiedAt), r.Consent, r.PrivacyPolicyAgreed)
	if q.db.isUniqueViolation(err) && strings.Contains(err.Error(), "phone") {
		return pnpd.Errorf(pnpd.EConflict, "An account with this phone number exists already.")
	}
	if err != nil {
		return fmt.Errorf("create recipient: %w", err)
	}

	return nil
}

func (q *queries) UpdateRecipient(ctx context.Context, r *pnpd.Recipient) error {
	_, err := q.w.ExecContext(ctx, `UPDATE recipient SET display_name = ?,
		phone_number = ?, phone_hash = ?, language = ?, phone_changed_at = ?,
		sms_verified_at = ?, consent = ?, privacy_policy_agreed = ? WHERE id = ?`,
		r.DisplayName, r.PhoneNumber, r.PhoneHash, r.Language, ms(r.PhoneChangedAt),
		ms(r.SMSVerifiedAt), r.Consent, r.PrivacyPolicyAgreed, r.ID)
	if q.db.isUniqueViolation(err) {
		return pnpd.Errorf(pnpd.EConflict, "Another account uses this phone number.")
	}
	if err != nil {
		return fmt.Errorf("update recipient: %w", err)
	}

	return nil
}

func (q *queries) Recipient(ctx context.Context, id string) (*pnpd.Recipient, error) {
	r, err := scanRecipient(q.r.QueryRowContext(ctx,
		`SELECT `+recipientColumns+` FROM recipient WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "recipient")
	}

	return r, nil
}

func (q *queries) RecipientByPhoneHash(ctx context.Context,
	hash string) (*pnpd.Recipient, error) {
	r, err := scanRecipient(q.r.QueryRowContext(ctx,
		`SELECT `+recipientColumns+` FROM recipient WHERE phone_hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "recipient")
	}

	return r, nil
}

func (q *queries) SetBlocked(ctx context.Context, recipientID, channelID string,
	blocked bool) error {
	return q.setPair(ctx, "block", recipientID, channelID, blocked)
}

func (q *queries) IsBlocked(ctx context.Context, recipientID, channelID string) (bool, error) {
	return q.hasPair(ctx, "block", recipientID, channelID)
}

func (q *queries) SetFriend(ctx context.Context, recipientID, channelID string,
	friend bool) error {
	return q.setPair(ctx, "friend", recipientID, channelID, friend)
}

func (q *queries) IsFriend(ctx context.Context, recipientID, channelID string) (bool, error) {
	return q.hasPair(ctx, "friend", recipientID, channelID)
}

// setPair adds a recipient and channel pair to a table of them, block or
// friend, or with on false removes it; either is no error when done
// already.
func (q *queries) setPair(ctx context.Context, table, recipientID, channelID string,
	on bool) error {
	if on {
		return q.exec(ctx, "add "+table, `INSERT INTO `+table+` (recipient_id, channel_id)
			VALUES (?, ?) ON CONFLICT DO NOTHING`, recipientID, channelID)
	}

	return q.exec(ctx, "remove "+table, `DELETE FROM `+table+`
		WHERE recipient_id = ? AND channel_id = ?`, recipientID, channelID)
}

// hasPair reports whether a table of pairs, block or friend, holds one.
func (q *queries) hasPair(ctx context.Context, table, recipientID,
	channelID string) (bool, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM `+table+`
		WHERE recipient_id = ? AND channel_id = ?`, recipientID, channelID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("load %s: %w", table, err)
	}

	return n > 0, nil
}

func (q *queries) BlockedChannels(ctx context.Context, recipientID string) ([]string, error) {
	rows, err := q.r.QueryContext(ctx,
		`SELECT channel_id FROM block WHERE recipient_id = ? ORDER BY channel_id`, recipientID)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// collect reads every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()

	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}

	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rows: %w", err)
	}

	return out, nil
}

const notificationColumns = `id, channel_id, recipient_id, kind, to_hash, delivery_tag,
	messages, notification_disabled, aggregation_unit, state, announced, accepted_at,
	expires_at, delivered_at, state_changed_at`

func scanNotification(row interface{ Scan(...any) error }) (*pnpd.Notification, error) {
	var n pnpd.Notification
	var accepted, expires int64
	var delivered, changed sql.NullInt64
	var messages string
	err := row.Scan(&n.ID, &n.ChannelID, &n.RecipientID, &n.Kind, &n.To, &n.DeliveryTag,
		&messages, &n.NotificationDisabled, &n.AggregationUnit, &n.State, &n.Announced, &accepted,
		&expires, &delivered, &changed)
	n.Messages = json.RawMessage(messages)
	n.AcceptedAt = time.UnixMilli(accepted).UTC()
	n.ExpiresAt = time.UnixMilli(expires).UTC()
	n.DeliveredAt = fromMS(delivered)
	n.StateChangedAt = fromMS(changed)

	return &n, err
}

// CreateNotification saves the notification with its first state, the
// first step of its trace (migration 00006).
func (q *queries) CreateNotification(ctx context.Context, n *pnpd.Notification) error {
	if n.StateChangedAt.IsZero() {
		n.StateChangedAt = n.AcceptedAt
	}

	return q.exec(ctx, "create notification", `INSERT INTO notification
		(`+notificationColumns+`, first_state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.ChannelID, n.RecipientID, n.Kind, n.To, n.DeliveryTag, string(n.Messages),
		n.NotificationDisabled, n.AggregationUnit, n.State, n.Announced, n.AcceptedAt.UnixMilli(),
		n.ExpiresAt.UnixMilli(), ms(n.DeliveredAt), n.StateChangedAt.UnixMilli(), n.State)
}

func (q *queries) Notification(ctx context.Context, id string) (*pnpd.Notification, error) {
	n, err := scanNotification(q.r.QueryRowContext(ctx,
		`SELECT `+notificationColumns+` FROM notification WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "notification")
	}

	return n, nil
}

func (q *queries) HeldNotifications(ctx context.Context,
	recipientID string) ([]*pnpd.Notification, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notification
		WHERE recipient_id = ? AND state IN ('held_consent', 'held_sms')
		ORDER BY accepted_at, rowid`, recipientID)
	if err != nil {
		return nil, fmt.Errorf("list held notifications: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (*pnpd.Notification, error) {
		return scanNotification(r)
	})
}

// UpdateNotification saves the notification; when its state changed, a
// trigger records the step (migration 00006). The time of a state stays
// the time it was entered.
func (q *queries) UpdateNotification(ctx context.Context, n *pnpd.Notification) error {
	changed := n.StateChangedAt
	if changed.IsZero() && n.State == pnpd.StateDelivered {
		changed = n.DeliveredAt
	}

	return q.exec(ctx, "update notification", `UPDATE notification SET state = ?,
		state_changed_at = CASE WHEN state = ? THEN state_changed_at
			ELSE coalesce(?, state_changed_at) END,
		announced = ?, delivered_at = ?, aggregation_unit = ? WHERE id = ?`,
		n.State, n.State, ms(changed), n.Announced, ms(n.DeliveredAt), n.AggregationUnit, n.ID)
}

// ExpireHeld expires in one statement; the trigger records a step per
// notification, at its expiry time, in the same statement.
func (q *queries) ExpireHeld(ctx context.Context, now time.Time) (int, error) {
	res, err := q.w.ExecContext(ctx, `UPDATE notification
		SET state = 'expired', state_changed_at = expires_at
		WHERE state IN ('held_consent', 'held_sms') AND expires_at <= ?`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("expire held notifications: %w", err)
	}

	n, err := res.RowsAffected()

	return int(n), err
}

func (q *queries) CountDelivered(ctx context.Context, channelID string,
	kind pnpd.NotificationKind, from, to time.Time) (int64, error) {
	var n int64
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM notification
		WHERE channel_id = ? AND kind = ? AND state = 'delivered'
		AND delivered_at >= ? AND delivered_at < ?`,
		channelID, kind, from.UnixMilli(), to.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count delivered: %w", err)
	}

	return n, nil
}

func (q *queries) CountDeliveredByUnit(ctx context.Context, channelID string,
	from, to time.Time) ([]pnpd.UnitCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT aggregation_unit, kind, count(*)
		FROM notification
		WHERE channel_id = ? AND state = 'delivered' AND aggregation_unit <> ''
		AND delivered_at >= ? AND delivered_at < ?
		GROUP BY aggregation_unit, kind ORDER BY aggregation_unit, kind`,
		channelID, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("count delivered by unit: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.UnitCount, error) {
		var u pnpd.UnitCount
		return u, r.Scan(&u.Unit, &u.Kind, &u.Delivered)
	})
}

// AssignAggregationUnit inserts the name only while the month has fewer
// than limit: the count and the insert are one statement, so two updates
// in one transaction cannot both take the last place.
func (q *queries) AssignAggregationUnit(ctx context.Context, channelID, month, name string,
	limit int) (bool, error) {
	_, err := q.w.ExecContext(ctx, `INSERT INTO aggregation_unit
		(channel_id, month, name)
		SELECT ?, ?, ? WHERE (SELECT count(*) FROM aggregation_unit
			WHERE channel_id = ? AND month = ?) < ?
		ON CONFLICT DO NOTHING`,
		channelID, month, name, channelID, month, limit)
	if err != nil {
		return false, fmt.Errorf("assign aggregation unit: %w", err)
	}

	var n int
	err = q.w.QueryRowContext(ctx, `SELECT count(*) FROM aggregation_unit
		WHERE channel_id = ? AND month = ? AND name = ?`, channelID, month, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("assign aggregation unit: %w", err)
	}

	return n > 0, nil
}

func (q *queries) AggregationUnits(ctx context.Context, channelID,
	month string) ([]string, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT name FROM aggregation_unit
		WHERE channel_id = ? AND month = ? ORDER BY name`, channelID, month)
	if err != nil {
		return nil, fmt.Errorf("list aggregation units: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (string, error) {
		var name string
		return name, r.Scan(&name)
	})
}
