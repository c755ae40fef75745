package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// testCountDeliveredByUnit checks that deliveries in [from, to) are counted
// by unit and kind, without the notifications that have no unit, that were
// not delivered, or that belong to another channel.
func testCountDeliveredByUnit(t *testing.T, f *fixture) {
	c, other, r := f.channel(t), f.channel(t), f.recipient(t)
	from, to := time.Duration(0), 24*time.Hour
	for _, d := range []struct {
		c     *pnpd.Channel
		unit  string
		kind  pnpd.NotificationKind
		state pnpd.NotificationState
		at    time.Duration
	}{
		{c, "bills", pnpd.KindTemplate, pnpd.StateDelivered, from},
		{c, "bills", pnpd.KindTemplate, pnpd.StateDelivered, time.Hour},
		{c, "bills", pnpd.KindFlexible, pnpd.StateDelivered, to - time.Millisecond},
		{c, "alerts", pnpd.KindFlexible, pnpd.StateDelivered, time.Hour},
		{c, "", pnpd.KindFlexible, pnpd.StateDelivered, time.Hour},
		{c, "bills", pnpd.KindTemplate, pnpd.StateDelivered, to},
		{c, "bills", pnpd.KindTemplate, pnpd.StateExpired, time.Hour},
		{other, "bills", pnpd.KindTemplate, pnpd.StateDelivered, time.Hour},
	} {
		n := f.newNotification(d.c, r, d.at-time.Second)
		n.Kind, n.State, n.AggregationUnit, n.DeliveredAt = d.kind, d.state, d.unit, at(d.at)
		f.notification(t, n)
	}

	got, err := f.store.CountDeliveredByUnit(f.ctx, c.ID, at(from), at(to))
	ok(t, "count delivered by unit", err)
	equal(t, "counts", got, []pnpd.UnitCount{
		{Unit: "alerts", Kind: pnpd.KindFlexible, Delivered: 1},
		{Unit: "bills", Kind: pnpd.KindFlexible, Delivered: 1},
		{Unit: "bills", Kind: pnpd.KindTemplate, Delivered: 2},
	})

	got, err = f.store.CountDeliveredByUnit(f.ctx, c.ID, at(to+time.Hour), at(2*to))
	ok(t, "count a day without deliveries", err)
	equal(t, "counts of an empty day", len(got), 0)
}

// testAssignAggregationUnit checks that names are assigned per channel and
// month, once each, and listed in order.
func testAssignAggregationUnit(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	for _, a := range []struct {
		c           *pnpd.Channel
		month, name string
	}{
		{c, "202612", "winter_sale"}, {c, "202612", "bills"}, {c, "202612", "bills"},
		{c, "202701", "new_year"}, {other, "202612", "alerts"},
	} {
		assigned, err := f.store.AssignAggregationUnit(f.ctx, a.c.ID, a.month, a.name, 10)
		ok(t, "assign "+a.name, err)
		equal(t, "assigned "+a.name, assigned, true)
	}

	names, err := f.store.AggregationUnits(f.ctx, c.ID, "202612")
	ok(t, "aggregation units", err)
	equal(t, "December's names", names, []string{"bills", "winter_sale"})

	names, err = f.store.AggregationUnits(f.ctx, c.ID, "202611")
	ok(t, "aggregation units", err)
	equal(t, "November's names", len(names), 0)
}

// testAggregationUnitLimit checks that a month full of names takes no new
// one, in an update as outside one, but still has the names it took.
func testAggregationUnitLimit(t *testing.T, f *fixture) {
	c := f.channel(t)
	err := f.store.Update(f.ctx, func(q pnpd.Queries) error {
		for i := range 3 {
			assigned, err := q.AssignAggregationUnit(f.ctx, c.ID, "202612",
				fmt.Sprintf("unit_%d", i), 3)
			ok(t, "assign", err)
			equal(t, "assigned below the limit", assigned, true)
		}

		assigned, err := q.AssignAggregationUnit(f.ctx, c.ID, "202612", "unit_3", 3)
		ok(t, "assign the fourth", err)
		equal(t, "assigned beyond the limit", assigned, false)

		return nil
	})
	ok(t, "update", err)

	assigned, err := f.store.AssignAggregationUnit(f.ctx, c.ID, "202612", "unit_1", 3)
	ok(t, "assign a name the month has", err)
	equal(t, "a name the month has", assigned, true)

	assigned, err = f.store.AssignAggregationUnit(f.ctx, c.ID, "202701", "unit_3", 3)
	ok(t, "assign in the next month", err)
	equal(t, "a name in a month with room", assigned, true)

	names, err := f.store.AggregationUnits(f.ctx, c.ID, "202612")
	ok(t, "aggregation units", err)
	equal(t, "names", names, []string{"unit_0", "unit_1", "unit_2"})
}
