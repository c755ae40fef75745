package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
)

const chatColumns = `id, recipient_id, chat_id, notice, channel_id, notification_id,
	message, silent, created_at`

func scanChatMessage(row interface{ Scan(...any) error }) (pnpd.ChatMessage, error) {
	var m pnpd.ChatMessage
	var message sql.NullString
	var created int64
	err := row.Scan(&m.ID, &m.RecipientID, &m.ChatID, &m.Notice, &m.ChannelID,
		&m.NotificationID, &message, &m.Silent, &created)
	if message.Valid {
		m.Message = json.RawMessage(message.String)
	}
	m.CreatedAt = time.UnixMilli(created).UTC()

	return m, err
}

func (q *queries) AddChatMessage(ctx context.Context, m *pnpd.ChatMessage) error {
	var message any
	if m.Message != nil {
		message = string(m.Message)
	}

	id, err := q.insertID(ctx, `INSERT INTO chat_message (recipient_id, chat_id,
		notice, channel_id, notification_id, message, silent, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.RecipientID, m.ChatID, m.Notice, m.ChannelID, m.NotificationID, message, m.Silent,
		m.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("add chat message: %w", err)
	}

	m.ID = id

	return nil
}

func (q *queries) Chats(ctx context.Context, recipientID string) ([]pnpd.ChatSummary, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT m.chat_id, max(m.id),
		sum(CASE WHEN m.id > coalesce(r.last_read_id, 0) THEN 1 ELSE 0 END)
		FROM chat_message m LEFT JOIN chat_read r
			ON r.recipient_id = m.recipient_id AND r.chat_id = m.chat_id
		WHERE m.recipient_id = ? GROUP BY m.chat_id ORDER BY max(m.id) DESC`, recipientID)
	if err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}

	chats, err := collect(rows, func(r *sql.Rows) (pnpd.ChatSummary, error) {
		var c pnpd.ChatSummary
		return c, r.Scan(&c.ChatID, &c.Last.ID, &c.Unread)
	})
	if err != nil {
		return nil, err
	}

	for i := range chats {
		last, err := scanChatMessage(q.r.QueryRowContext(ctx,
			`SELECT `+chatColumns+` FROM chat_message WHERE id = ?`, chats[i].Last.ID))
		if err != nil {
			return nil, fmt.Errorf("load last message: %w", err)
		}
		chats[i].Last = last
	}

	return chats, nil
}

func (q *queries) ChatMessages(ctx context.Context, recipientID, chatID string,
	afterID int64, limit int) ([]pnpd.ChatMessage, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+chatColumns+` FROM chat_message
		WHERE recipient_id = ? AND chat_id = ? AND id > ? ORDER BY id LIMIT ?`,
		recipientID, chatID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list chat messages: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.ChatMessage, error) {
		return scanChatMessage(r)
	})
}

func (q *queries) MarkRead(ctx context.Context, recipientID, chatID string,
	upToID int64) error {
	return q.exec(ctx, "mark read", `INSERT INTO chat_read (recipient_id, chat_id,
		last_read_id) VALUES (?, ?, ?) ON CONFLICT (recipient_id, chat_id)
		DO UPDATE SET last_read_id = CASE
			WHEN excluded.last_read_id > chat_read.last_read_id THEN excluded.last_read_id
			ELSE chat_read.last_read_id END`,
		recipientID, chatID, upToID)
}

func (q *queries) CreateWebhookEvent(ctx context.Context, e *pnpd.WebhookEvent) error {
	return q.exec(ctx, "create webhook event", `INSERT INTO webhook_event (id,
		notification_id, channel_id, destination, data, timestamp)
		VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, e.NotificationID, e.ChannelID, e.Destination, e.Data, e.Timestamp.UnixMilli())
}

const eventColumns = `id, notification_id, channel_id, destination, data, timestamp`

func scanEvent(row interface{ Scan(...any) error }) (*pnpd.WebhookEvent, error) {
	var e pnpd.WebhookEvent
	var ts int64
	err := row.Scan(&e.ID, &e.NotificationID, &e.ChannelID, &e.Destination, &e.Data, &ts)
	e.Timestamp = time.UnixMilli(ts).UTC()

	return &e, err
}

func (q *queries) WebhookEvent(ctx context.Context, id string) (*pnpd.WebhookEvent, error) {
	e, err := scanEvent(q.r.QueryRowContext(ctx,
		`SELECT `+eventColumns+` FROM webhook_event WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "webhook event")
	}

	return e, nil
}

func (q *queries) WebhookEventByNotification(ctx context.Context,
	notificationID string) (*pnpd.WebhookEvent, error) {
	e, err := scanEvent(q.r.QueryRowContext(ctx, `SELECT `+eventColumns+`
		FROM webhook_event WHERE notification_id = ? ORDER BY timestamp, id LIMIT 1`,
		notificationID))
	if err != nil {
		return nil, notFound(err, "webhook event")
	}

	return e, nil
}

// AddWebhookAttempt inserts the attempt only while its event exists: a
// job still running when the sandbox reset the data must not leave an
// attempt of a deleted event behind.
func (q *queries) AddWebhookAttempt(ctx context.Context, a *pnpd.WebhookAttempt) error {
	res, err := q.w.ExecContext(ctx, `INSERT INTO webhook_attempt (event_id,
		attempt, at, status_code, reason, detail, latency_ms, redelivery, injected)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
		WHERE EXISTS (SELECT 1 FROM webhook_event WHERE id = ?)`,
		a.EventID, a.Attempt, a.At.UnixMilli(), a.StatusCode, a.Reason, a.Detail,
		a.Latency.Milliseconds(), a.Redelivery, a.Injected, a.EventID)
	if q.db.isUniqueViolation(err) {
		return pnpd.Errorf(pnpd.EConflict, "Attempt %d of this event is recorded already.",
			a.Attempt)
	}
	if err != nil {
		return fmt.Errorf("add webhook attempt: %w", err)
	}

	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return pnpd.Errorf(pnpd.ENotFound, "webhook event not found.")
	}

	return nil
}

func (q *queries) WebhookAttempts(ctx context.Context,
	eventID string) ([]pnpd.WebhookAttempt, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT event_id, attempt, at, status_code, reason,
		detail, latency_ms, redelivery, injected FROM webhook_attempt WHERE event_id = ?
		ORDER BY attempt`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.WebhookAttempt, error) {
		var a pnpd.WebhookAttempt
		var at, latency int64
		err := r.Scan(&a.EventID, &a.Attempt, &at, &a.StatusCode, &a.Reason, &a.Detail,
			&latency, &a.Redelivery, &a.Injected)
		a.At = time.UnixMilli(at).UTC()
		a.Latency = time.Duration(latency) * time.Millisecond

		return a, err
	})
}

func (q *queries) CreateSMSCode(ctx context.Context, c *pnpd.SMSCode) error {
	id, err := q.insertID(ctx, `INSERT INTO sms_code (phone_number, purpose,
		recipient_id, code_hash, created_at, expires_at, used_at, wrong_tries)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.PhoneNumber, c.Purpose, c.RecipientID, c.CodeHash, c.CreatedAt.UnixMilli(),
		c.ExpiresAt.UnixMilli(), ms(c.UsedAt), c.WrongTries)
	if err != nil {
		return fmt.Errorf("create sms code: %w", err)
	}

	c.ID = id

	return nil
}

func (q *queries) LatestSMSCode(ctx context.Context, phone string,
	purpose pnpd.SMSPurpose) (*pnpd.SMSCode, error) {
	var c pnpd.SMSCode
	var created, expires int64
	var used sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT id, phone_number, purpose, recipient_id,
		code_hash, created_at, expires_at, used_at, wrong_tries FROM sms_code
		WHERE phone_number = ? AND purpose = ? ORDER BY id DESC LIMIT 1`, phone, purpose).
		Scan(&c.ID, &c.PhoneNumber, &c.Purpose, &c.RecipientID, &c.CodeHash, &created,
			&expires, &used, &c.WrongTries)
	if err != nil {
		return nil, notFound(err, "code")
	}
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.ExpiresAt = time.UnixMilli(expires).UTC()
	c.UsedAt = fromMS(used)

	return &c, nil
}

func (q *queries) UpdateSMSCode(ctx context.Context, c *pnpd.SMSCode) error {
	return q.exec(ctx, "update sms code",
		`UPDATE sms_code SET used_at = ?, wrong_tries = ? WHERE id = ?`,
		ms(c.UsedAt), c.WrongTries, c.ID)
}

func (q *queries) SMSCodeStats(ctx context.Context, phone string,
	since time.Time) (sent, wrong int, err error) {
	err = q.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(CASE WHEN id > coalesce(
			(SELECT max(id) FROM sms_code WHERE phone_number = ? AND used_at IS NOT NULL), 0)
			THEN wrong_tries ELSE 0 END), 0)
		FROM sms_code WHERE phone_number = ? AND created_at >= ?`,
		phone, phone, since.UnixMilli()).Scan(&sent, &wrong)
	if err != nil {
		return 0, 0, fmt.Errorf("count sms codes: %w", err)
	}

	return sent, wrong, nil
}

func (q *queries) AddSMS(ctx context.Context, m *pnpd.SMS) error {
	id, err := q.insertID(ctx,
		`INSERT INTO sms (phone_number, text, created_at) VALUES (?, ?, ?)`,
		m.PhoneNumber, m.Text, m.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("add sms: %w", err)
	}

	m.ID = id

	return nil
}

func (q *queries) Outbox(ctx context.Context, phone string, limit int) ([]pnpd.SMS, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, phone_number, text, created_at FROM sms
		WHERE ? = '' OR phone_number = ? ORDER BY id DESC LIMIT ?`, phone, phone, limit)
	if err != nil {
		return nil, fmt.Errorf("list sms: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.SMS, error) {
		var m pnpd.SMS
		var created int64
		err := r.Scan(&m.ID, &m.PhoneNumber, &m.Text, &created)
		m.CreatedAt = time.UnixMilli(created).UTC()

		return m, err
	})
}

func (q *queries) CreateSession(ctx context.Context, s *pnpd.Session) error {
	return q.exec(ctx, "create session", `INSERT INTO session (hash, recipient_id,
		created_at, expires_at) VALUES (?, ?, ?, ?)`,
		s.Hash, s.RecipientID, s.CreatedAt.UnixMilli(), s.ExpiresAt.UnixMilli())
}

func (q *queries) SessionByHash(ctx context.Context, hash string,
	now time.Time) (*pnpd.Session, error) {
	var s pnpd.Session
	var created, expires int64
	err := q.r.QueryRowContext(ctx, `SELECT hash, recipient_id, created_at, expires_at
		FROM session WHERE hash = ? AND expires_at > ?`, hash, now.UnixMilli()).
		Scan(&s.Hash, &s.RecipientID, &created, &expires)
	if err != nil {
		return nil, notFound(err, "session")
	}
	s.CreatedAt = time.UnixMilli(created).UTC()
	s.ExpiresAt = time.UnixMilli(expires).UTC()

	return &s, nil
}

func (q *queries) DeleteSession(ctx context.Context, hash string) error {
	return q.exec(ctx, "delete session", `DELETE FROM session WHERE hash = ?`, hash)
}

func (q *queries) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := q.r.QueryRowContext(ctx, `SELECT value FROM setting WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load setting: %w", err)
	}

	return v, nil
}

func (q *queries) SetSetting(ctx context.Context, name, value string) error {
	return q.exec(ctx, "save setting", `INSERT INTO setting (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
}
