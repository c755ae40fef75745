package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
)

// The operator's queries: a notification's trace, the search for
// notifications and the deliveries by day.

// NotificationTrace reads the first step from the notification's row and
// the later ones from notification_step (migration 00006).
func (q *queries) NotificationTrace(ctx context.Context,
	notificationID string) ([]pnpd.TraceStep, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, accepted_at, first_state, '', 0 AS seq
		FROM notification WHERE id = ? AND first_state <> ''
		UNION ALL
		SELECT notification_id, at, state, detail, id FROM notification_step
		WHERE notification_id = ?
		ORDER BY seq`, notificationID, notificationID)
	if err != nil {
		return nil, fmt.Errorf("list trace steps: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.TraceStep, error) {
		var s pnpd.TraceStep
		var at, seq int64
		err := r.Scan(&s.NotificationID, &at, &s.State, &s.Detail, &seq)
		s.At = time.UnixMilli(at).UTC()

		return s, err
	})
}

// SearchNotifications builds its WHERE clause from the filter's set fields
// only, so that SQLite picks the index that fits: the primary key for a
// request ID, the tag index for a tag, the channel's or the global index
// by acceptance time otherwise.
func (q *queries) SearchNotifications(ctx context.Context,
	f pnpd.NotificationFilter) ([]*pnpd.Notification, error) {
	where, args := searchConditions(q.db.dialect, f)
	query := `SELECT ` + notificationColumns + ` FROM notification`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY accepted_at DESC, id DESC LIMIT ?`

	rows, err := q.r.QueryContext(ctx, query, append(args, searchLimit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("search notifications: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (*pnpd.Notification, error) {
		return scanNotification(r)
	})
}

func searchConditions(d Dialect, f pnpd.NotificationFilter) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}

	if f.ChannelID != "" {
		add(`channel_id = ?`, f.ChannelID)
	}
	if f.RequestID != "" {
		add(`id = ?`, f.RequestID)
	}
	if f.DeliveryTag != "" {
		// The tag index leaves out untagged rows; the second term lets
		// SQLite see that the query does too.
		add(`delivery_tag = ? AND delivery_tag <> ''`, f.DeliveryTag)
	}
	if f.State != "" {
		// Not by way of an index on the state: SQLite would sort every
		// delivered notification by way of the statistics' index, when the
		// newest-first index, filtered, is quicker to the first page.
		add(d.noIndex("state")+` = ?`, f.State)
	}
	if c := f.Before; !c.AcceptedAt.IsZero() {
		at := c.AcceptedAt.UnixMilli()
		add(`accepted_at <= ? AND (accepted_at < ? OR id < ?)`, at, at, c.ID)
	}

	return where, args
}

func searchLimit(n int) int {
	switch {
	case n <= 0:
		return pnpd.DefaultSearchLimit
	case n > pnpd.MaxSearchLimit:
		return pnpd.MaxSearchLimit
	}

	return n
}

// statisticsOffsetMS moves a Unix time in milliseconds into
// pnpd.StatisticsZone, whose days the query counts by their number since
// the Unix epoch: integer division, the same in every dialect.
var statisticsOffsetMS = func() int64 {
	_, offset := time.Unix(0, 0).In(pnpd.StatisticsZone).Zone()

	return int64(offset) * 1000
}()

func (q *queries) DeliveredByDay(ctx context.Context, channelID string,
	from, to time.Time) ([]pnpd.DayCount, error) {
	// The channel's condition only when one is named: "? = '' OR
	// channel_id = ?" would keep SQLite from using the channel's index.
	query := `SELECT (delivered_at + ?) / 86400000 AS day, kind,
		aggregation_unit, count(*) FROM notification
		WHERE state = 'delivered' AND delivered_at >= ? AND delivered_at < ?`
	args := []any{statisticsOffsetMS, from.UnixMilli(), to.UnixMilli()}
	if channelID != "" {
		query += ` AND channel_id = ?`
		args = append(args, channelID)
	}
	query += ` GROUP BY day, kind, aggregation_unit ORDER BY day, kind, aggregation_unit`

	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count delivered by day: %w", err)
	}

	return collect(rows, func(r *sql.Rows) (pnpd.DayCount, error) {
		var c pnpd.DayCount
		var day int64
		err := r.Scan(&day, &c.Kind, &c.AggregationUnit, &c.Delivered)
		c.Day = time.UnixMilli(day * 86400000).UTC().Format(time.DateOnly)

		return c, err
	})
}
