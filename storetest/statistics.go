package storetest

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var statisticsTests = []test{
	{"DeliveredByDay", testDeliveredByDay},
}

// testDeliveredByDay checks that deliveries are counted by day of UTC+9,
// kind and unit, in [from, to), for one channel or all: a delivery at
// 14:59:59.999 UTC counts on that day, one at 15:00 on the next.
func testDeliveredByDay(t *testing.T, f *fixture) {
	c, other, r := f.channel(t), f.channel(t), f.recipient(t)
	// Midnight of 2025-04-02 in UTC+9.
	midnight := time.Date(2025, 4, 2, 0, 0, 0, 0, pnpd.StatisticsZone)
	from, to := midnight.Add(-24*time.Hour), midnight.Add(24*time.Hour)
	deliver := func(c *pnpd.Channel, kind pnpd.NotificationKind, unit string,
		state pnpd.NotificationState, when time.Time) {
		n := f.newNotification(c, r, when.Sub(base)-time.Second)
		n.Kind, n.AggregationUnit, n.State, n.DeliveredAt = kind, unit, state, when
		f.notification(t, n)
	}
	flex, tmpl, delivered := pnpd.KindFlexible, pnpd.KindTemplate, pnpd.StateDelivered
	deliver(c, flex, "", delivered, from.Add(-time.Millisecond)) // before from
	deliver(c, flex, "", delivered, from)
	deliver(c, flex, "", delivered, midnight.Add(-time.Millisecond))
	deliver(c, flex, "bills", delivered, midnight.Add(-time.Hour))
	deliver(c, tmpl, "bills", delivered, midnight)
	deliver(c, tmpl, "bills", delivered, to.Add(-time.Millisecond))
	deliver(c, flex, "", delivered, to) // at to: left out
	deliver(c, flex, "", pnpd.StateExpired, midnight.Add(time.Hour))
	deliver(other, flex, "", delivered, midnight.Add(time.Hour))

	cases := []struct {
		name    string
		channel string
		want    []pnpd.DayCount
	}{
		{"one channel", c.ID, []pnpd.DayCount{
			{Day: "2025-04-01", Kind: flex, Delivered: 2},
			{Day: "2025-04-01", Kind: flex, AggregationUnit: "bills", Delivered: 1},
			{Day: "2025-04-02", Kind: tmpl, AggregationUnit: "bills", Delivered: 2},
		}},
		{"every channel", "", []pnpd.DayCount{
			{Day: "2025-04-01", Kind: flex, Delivered: 2},
			{Day: "2025-04-01", Kind: flex, AggregationUnit: "bills", Delivered: 1},
			{Day: "2025-04-02", Kind: flex, Delivered: 1},
			{Day: "2025-04-02", Kind: tmpl, AggregationUnit: "bills", Delivered: 2},
		}},
		{"a channel without deliveries", f.newChannel().ID, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.DeliveredByDay(f.ctx, tc.channel, from, to)
			ok(t, "delivered by day", err)
			equal(t, "delivered by day", got, tc.want)
		})
	}
}
