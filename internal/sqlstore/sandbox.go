package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/pnpd/pnpd"
)

// The queries only the sandbox needs: finding a notification by its tag,
// the webhook faults it injects, and the reset.

func (q *queries) NotificationByDeliveryTag(ctx context.Context, tag,
	channelID string) (*pnpd.Notification, error) {
	// An untagged notification stores "", which must not match. The
	// query says so too, for SQLite to use the tag index, which leaves the
	// untagged out.
	if tag == "" {
		return nil, pnpd.Errorf(pnpd.ENotFound, "notification not found.")
	}

	n, err := scanNotification(q.r.QueryRowContext(ctx, `SELECT `+notificationColumns+`
		FROM notification WHERE delivery_tag = ? AND delivery_tag <> ''
		AND (? = '' OR channel_id = ?)
		ORDER BY accepted_at DESC, rowid DESC LIMIT 1`, tag, channelID, channelID))
	if err != nil {
		return nil, notFound(err, "notification")
	}

	return n, nil
}

const faultColumns = `id, channel_id, kind, status_code, delay_ms, remaining, created_at`

func scanFault(row interface{ Scan(...any) error }) (pnpd.WebhookFault, error) {
	var f pnpd.WebhookFault
	var delay, created int64
	err := row.Scan(&f.ID, &f.ChannelID, &f.Kind, &f.StatusCode, &delay, &f.Remaining,
		&created)
	f.Delay = time.Duration(delay) * time.Millisecond
	f.CreatedAt = time.UnixMilli(created).UTC()

	return f, err
}

func (q *queries) AddWebhookFault(ctx context.Context, f *pnpd.WebhookFault) error {
	id, err := q.insertID(ctx, `INSERT INTO webhook_fault (channel_id, kind,
		status_code, delay_ms, remaining, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.ChannelID, f.Kind, f.StatusCode, f.Delay.Milliseconds(), f.Remaining,
		f.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("add webhook fault: %w", err)
	}

	f.ID = id

	return nil
}

func (q *queries) WebhookFaults(ctx context.Context,
	channelID string) ([]pnpd.WebhookFault, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+faultColumns+` FROM webhook_fault
		WHERE channel_id = ? AND remaining > 0 ORDER BY id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list webhook faults: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.WebhookFault, error) {
		return scanFault(r)
	})
}

func (q *queries) ClearWebhookFaults(ctx context.Context, channelID string) error {
	return q.exec(ctx, "clear webhook faults",
		`DELETE FROM webhook_fault WHERE channel_id = ?`, channelID)
}

// TakeWebhookFault takes the unit in one statement inside a write
// transaction, so that concurrent attempts never share one.
func (q *queries) TakeWebhookFault(ctx context.Context,
	channelID string) (*pnpd.WebhookFault, error) {
	if q.tx == nil {
		var f *pnpd.WebhookFault
		err := q.db.Update(ctx, func(tq pnpd.Queries) error {
			var err error
			f, err = tq.TakeWebhookFault(ctx, channelID)

			return err
		})

		return f, err
	}

	f, err := scanFault(q.w.QueryRowContext(ctx, `UPDATE webhook_fault
		SET remaining = remaining - 1
		WHERE id = (SELECT id FROM webhook_fault WHERE channel_id = ? AND remaining > 0
			ORDER BY id LIMIT 1)
		RETURNING `+faultColumns, channelID))
	if err != nil {
		return nil, notFound(err, "webhook fault")
	}

	return &f, nil
}

// resetTables are emptied by every reset, children before the parents
// their foreign keys name.
var resetTables = []string{
	"block", "friend", "session", "recipient", "notification", "notification_step",
	"chat_read",
	"chat_message", "webhook_attempt", "webhook_event", "webhook_fault", "sms_code", "sms",
	"aggregation_unit",
}

// channelTables are emptied by a reset that does not keep the channels.
var channelTables = []string{"access_token", "channel_key", "channel"}

func (q *queries) Reset(ctx context.Context, keepChannels bool) error {
	if q.tx == nil {
		return q.db.Update(ctx, func(tq pnpd.Queries) error {
			return tq.Reset(ctx, keepChannels)
		})
	}

	tables := resetTables
	if !keepChannels {
		q.channelsChanged()
		tables = slices.Concat(resetTables, channelTables)
	}
	for _, table := range tables {
		if err := q.exec(ctx, "reset "+table, `DELETE FROM `+table); err != nil {
			return err
		}
	}

	return q.db.deletePendingJobs(ctx, q.tx)
}
