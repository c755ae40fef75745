package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var notificationTests = []test{
	{"RoundTrip", testNotificationRoundTrip},
	{"UnknownID", testNotificationUnknown},
	{"ByDeliveryTag", testNotificationByDeliveryTag},
	{"Held", testHeldNotifications},
	{"Update", testUpdateNotification},
	{"ExpireHeld", testExpireHeld},
	{"CountDelivered", testCountDelivered},
	{"CountDeliveredByUnit", testCountDeliveredByUnit},
	{"AssignAggregationUnit", testAssignAggregationUnit},
	{"AggregationUnitLimit", testAggregationUnitLimit},
}

// testNotificationRoundTrip checks that Notification returns every field
// as saved, the messages byte for byte.
func testNotificationRoundTrip(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	cases := []struct {
		name string
		edit func(n *pnpd.Notification)
	}{
		{"held", func(*pnpd.Notification) {}},
		{"delivered", func(n *pnpd.Notification) {
			n.Kind, n.State, n.Announced = pnpd.KindTemplate, pnpd.StateDelivered, true
			n.DeliveryTag, n.NotificationDisabled = "order-1234", true
			n.AggregationUnit, n.DeliveredAt = "promo_april", at(time.Minute)
			// Spacing, escapes and raw UTF-8 exactly as the business sent them.
			n.Messages = json.RawMessage(
				`[ {"text":"\u0e2a\u0e27\u0e31\u0e2a` + "\u0e14\u0e35" + `", "type": "text"} ]`)
		}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			want := f.newNotification(c, r, 0)
			tc.edit(want)
			f.notification(t, want)

			got, err := f.store.Notification(f.ctx, want.ID)
			ok(t, "notification", err)
			equal(t, "notification", got, want)
		})
	}
}

func testNotificationUnknown(t *testing.T, f *fixture) {
	_, err := f.store.Notification(f.ctx, pnpd.NewRequestID())
	wantCode(t, "notification of an unknown ID", err, pnpd.ENotFound)
}

// testNotificationByDeliveryTag checks that the newest notification with a
// tag is found, from any channel or from the one named, and that no tag
// finds the untagged ones.
func testNotificationByDeliveryTag(t *testing.T, f *fixture) {
	c, other, r := f.channel(t), f.channel(t), f.recipient(t)
	tagged := func(c *pnpd.Channel, tag string, accepted time.Duration) *pnpd.Notification {
		n := f.newNotification(c, r, accepted)
		n.DeliveryTag = tag
		return f.notification(t, n)
	}
	tagged(c, "order-1", 0)
	newest := tagged(c, "order-1", time.Minute)
	otherNewest := tagged(other, "order-1", time.Second)
	tagged(other, "order-2", time.Hour)
	tagged(c, "", 2*time.Hour)

	cases := []struct {
		name, tag, channel string
		want               *pnpd.Notification
	}{
		{"any channel", "order-1", "", newest},
		{"one channel", "order-1", c.ID, newest},
		{"the other channel", "order-1", other.ID, otherNewest},
		{"another tag", "order-2", c.ID, nil},
		{"unknown tag", "order-3", "", nil},
		{"no tag", "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.NotificationByDeliveryTag(f.ctx, tc.tag, tc.channel)
			if tc.want == nil {
				wantCode(t, "notification by tag", err, pnpd.ENotFound)
				return
			}
			ok(t, "notification by tag", err)
			equal(t, "notification by tag", got, tc.want)
		})
	}
}

// testHeldNotifications checks that HeldNotifications lists only the
// recipient's held notifications, the oldest accepted first.
func testHeldNotifications(t *testing.T, f *fixture) {
	c, r, other := f.channel(t), f.recipient(t), f.recipient(t)
	later := f.newNotification(c, r, time.Hour)
	later.State = pnpd.StateHeldForSMS
	first := f.newNotification(c, r, -time.Hour)
	middle := f.newNotification(c, r, 0)

	// Saved out of order, so that the order must come from the times.
	for _, n := range []*pnpd.Notification{later, first, middle} {
		f.notification(t, n)
	}
	for _, state := range []pnpd.NotificationState{pnpd.StateDelivered, pnpd.StateExpired,
		pnpd.StateBlocked, pnpd.StateRejected, pnpd.StateNumberChanged} {
		n := f.newNotification(c, r, -2*time.Hour)
		n.State = state
		f.notification(t, n)
	}
	f.notification(t, f.newNotification(c, other, -2*time.Hour))

	got, err := f.store.HeldNotifications(f.ctx, r.ID)
	ok(t, "held notifications", err)
	equal(t, "held notifications", got, []*pnpd.Notification{first, middle, later})
}

// testUpdateNotification checks that delivering a held notification saves
// its state, Announced, DeliveredAt and aggregation unit, and leaves the
// rest alone.
func testUpdateNotification(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	want := f.notification(t, f.newNotification(c, r, 0))
	untouched := f.notification(t, f.newNotification(c, r, 0))
	want.State = pnpd.StateDelivered
	want.Announced = true
	want.DeliveredAt = at(time.Hour)
	want.StateChangedAt = at(time.Hour)
	want.AggregationUnit = "spring_sale"
	ok(t, "update notification", f.store.UpdateNotification(f.ctx, want))

	got, err := f.store.Notification(f.ctx, want.ID)
	ok(t, "notification", err)
	equal(t, "updated notification", got, want)

	got, err = f.store.Notification(f.ctx, untouched.ID)
	ok(t, "other notification", err)
	equal(t, "other notification", got, untouched)
}

// testExpireHeld checks that ExpireHeld marks held notifications at or past
// their expiry, and nothing else.
func testExpireHeld(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	cases := []struct {
		name    string
		state   pnpd.NotificationState
		expires time.Duration
		want    pnpd.NotificationState
	}{
		{"held for consent, past", pnpd.StateHeldForConsent, -time.Hour, pnpd.StateExpired},
		{"held for SMS, exactly now", pnpd.StateHeldForSMS, 0, pnpd.StateExpired},
		{"held, not yet", pnpd.StateHeldForConsent, time.Millisecond,
			pnpd.StateHeldForConsent},
		{"delivered, past", pnpd.StateDelivered, -time.Hour, pnpd.StateDelivered},
		{"rejected, past", pnpd.StateRejected, -time.Hour, pnpd.StateRejected},
	}

	ids := make([]string, len(cases))
	for i, tc := range cases {
		n := f.newNotification(c, r, tc.expires-24*time.Hour)
		n.State = tc.state
		ids[i] = f.notification(t, n).ID
	}

	wantExpired(t, f, 2)
	wantExpired(t, f, 0)

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.Notification(f.ctx, ids[i])
			ok(t, "notification", err)
			equal(t, "state", got.State, tc.want)
		})
	}
}

func wantExpired(t *testing.T, f *fixture, want int) {
	t.Helper()

	got, err := f.store.ExpireHeld(f.ctx, base)
	ok(t, "expire held", err)
	if got != want {
		t.Errorf("ExpireHeld marked %d notifications, want %d", got, want)
	}
}

// testCountDelivered checks that CountDelivered counts the channel's
// delivered notifications of the kind in [from, to).
func testCountDelivered(t *testing.T, f *fixture) {
	c, other, r := f.channel(t), f.channel(t), f.recipient(t)
	from, to := time.Duration(0), 24*time.Hour
	for _, d := range []struct {
		c     *pnpd.Channel
		kind  pnpd.NotificationKind
		state pnpd.NotificationState
		at    time.Duration
	}{
		{c, pnpd.KindFlexible, pnpd.StateDelivered, from - time.Millisecond},
		{c, pnpd.KindFlexible, pnpd.StateDelivered, from},                  // counted
		{c, pnpd.KindFlexible, pnpd.StateDelivered, time.Hour},             // counted
		{c, pnpd.KindFlexible, pnpd.StateDelivered, to - time.Millisecond}, // counted
		{c, pnpd.KindFlexible, pnpd.StateDelivered, to},
		{c, pnpd.KindTemplate, pnpd.StateDelivered, time.Hour},
		{c, pnpd.KindFlexible, pnpd.StateExpired, time.Hour},
		{other, pnpd.KindFlexible, pnpd.StateDelivered, time.Hour},
	} {
		f.delivered(t, d.c, r, d.kind, d.state, d.at)
	}

	cases := []struct {
		name    string
		channel *pnpd.Channel
		kind    pnpd.NotificationKind
		want    int64
	}{
		{"flexible", c, pnpd.KindFlexible, 3},
		{"template", c, pnpd.KindTemplate, 1},
		{"other channel", other, pnpd.KindFlexible, 1},
		{"other channel, template", other, pnpd.KindTemplate, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.CountDelivered(f.ctx, tc.channel.ID, tc.kind, at(from), at(to))
			ok(t, "count delivered", err)
			equal(t, "delivered", got, tc.want)
		})
	}
}
