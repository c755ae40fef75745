package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var traceTests = []test{
	{"HeldThenDelivered", testTraceHeldThenDelivered},
	{"Expired", testTraceExpired},
	{"UnknownID", testTraceUnknown},
	{"RolledBack", testTraceRolledBack},
	{"Search", testSearchNotifications},
	{"SearchPages", testSearchPages},
	{"MaskedHashWithoutNumber", testMaskedHashWithoutNumber},
}

// step returns the trace step of n entering state at the reference time
// moved by d.
func step(n *pnpd.Notification, state pnpd.NotificationState,
	d time.Duration) pnpd.TraceStep {
	return pnpd.TraceStep{NotificationID: n.ID, At: at(d), State: state}
}

// wantTrace checks a notification's whole trace.
func wantTrace(t *testing.T, f *fixture, n *pnpd.Notification, want ...pnpd.TraceStep) {
	t.Helper()

	got, err := f.store.NotificationTrace(f.ctx, n.ID)
	ok(t, "trace", err)
	equal(t, "trace", got, want)
}

// testTraceHeldThenDelivered checks that a notification held for consent,
// then for an SMS verification, then delivered shows the three steps with
// their times, and that saving it without a change of state adds none.
func testTraceHeldThenDelivered(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	n := f.notification(t, f.newNotification(c, r, 0))
	other := f.notification(t, f.newNotification(c, r, time.Second))

	n.State, n.StateChangedAt = pnpd.StateHeldForSMS, at(time.Minute)
	ok(t, "hold for sms", f.store.UpdateNotification(f.ctx, n))
	n.Announced = true
	ok(t, "announce", f.store.UpdateNotification(f.ctx, n))
	n.State, n.StateChangedAt, n.DeliveredAt = pnpd.StateDelivered, at(time.Hour), at(time.Hour)
	ok(t, "deliver", f.store.UpdateNotification(f.ctx, n))

	wantTrace(t, f, n, step(n, pnpd.StateHeldForConsent, 0),
		step(n, pnpd.StateHeldForSMS, time.Minute), step(n, pnpd.StateDelivered, time.Hour))
	wantTrace(t, f, other, step(other, pnpd.StateHeldForConsent, time.Second))

	got, err := f.store.Notification(f.ctx, n.ID)
	ok(t, "notification", err)
	equal(t, "state changed at", got.StateChangedAt, at(time.Hour))
}

// testTraceExpired checks that the expiry sweep records a step for each
// notification it expires, at its expiry time, and none for the others.
func testTraceExpired(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	consent := f.notification(t, f.newNotification(c, r, -25*time.Hour))
	sms := f.newNotification(c, r, -24*time.Hour)
	sms.State = pnpd.StateHeldForSMS
	f.notification(t, sms)
	young := f.notification(t, f.newNotification(c, r, -time.Hour))

	wantExpired(t, f, 2)

	wantTrace(t, f, consent, step(consent, pnpd.StateHeldForConsent, -25*time.Hour),
		step(consent, pnpd.StateExpired, -time.Hour))
	wantTrace(t, f, sms, step(sms, pnpd.StateHeldForSMS, -24*time.Hour),
		step(sms, pnpd.StateExpired, 0))
	wantTrace(t, f, young, step(young, pnpd.StateHeldForConsent, -time.Hour))
}

func testTraceUnknown(t *testing.T, f *fixture) {
	got, err := f.store.NotificationTrace(f.ctx, pnpd.NewRequestID())
	ok(t, "trace of an unknown ID", err)
	equal(t, "steps of an unknown ID", len(got), 0)
}

// testTraceRolledBack checks that a change of state that is rolled back
// leaves no step behind.
func testTraceRolledBack(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	n := f.notification(t, f.newNotification(c, r, 0))

	err := f.store.Update(f.ctx, func(q pnpd.Queries) error {
		changed := *n
		changed.State, changed.StateChangedAt = pnpd.StateBlocked, at(time.Minute)
		ok(t, "block", q.UpdateNotification(f.ctx, &changed))

		return errTest
	})
	wantCode(t, "failed update", err, pnpd.EInternal)

	wantTrace(t, f, n, step(n, pnpd.StateHeldForConsent, 0))
}

// testSearchNotifications checks that each filter field selects what it
// names, newest accepted first.
func testSearchNotifications(t *testing.T, f *fixture) {
	c, other, r := f.channel(t), f.channel(t), f.recipient(t)
	save := func(c *pnpd.Channel, d time.Duration, tag string,
		state pnpd.NotificationState) *pnpd.Notification {
		n := f.newNotification(c, r, d)
		n.DeliveryTag, n.State = tag, state
		return f.notification(t, n)
	}
	old := save(c, 0, "order-1", pnpd.StateHeldForConsent)
	mid := save(c, time.Minute, "", pnpd.StateDelivered)
	last := save(c, time.Hour, "order-1", pnpd.StateDelivered)
	elsewhere := save(other, 30*time.Minute, "order-1", pnpd.StateExpired)

	cases := []struct {
		name   string
		filter pnpd.NotificationFilter
		want   []*pnpd.Notification
	}{
		{"everything", pnpd.NotificationFilter{}, []*pnpd.Notification{last, elsewhere, mid, old}},
		{"channel", pnpd.NotificationFilter{ChannelID: c.ID},
			[]*pnpd.Notification{last, mid, old}},
		{"request ID", pnpd.NotificationFilter{RequestID: mid.ID}, []*pnpd.Notification{mid}},
		{"request ID of another channel",
			pnpd.NotificationFilter{ChannelID: c.ID, RequestID: elsewhere.ID}, nil},
		{"tag", pnpd.NotificationFilter{DeliveryTag: "order-1"},
			[]*pnpd.Notification{last, elsewhere, old}},
		{"tag and channel", pnpd.NotificationFilter{ChannelID: other.ID, DeliveryTag: "order-1"},
			[]*pnpd.Notification{elsewhere}},
		{"tag, a prefix only", pnpd.NotificationFilter{DeliveryTag: "order"}, nil},
		{"state", pnpd.NotificationFilter{State: pnpd.StateDelivered},
			[]*pnpd.Notification{last, mid}},
		{"limit", pnpd.NotificationFilter{Limit: 2}, []*pnpd.Notification{last, elsewhere}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.SearchNotifications(f.ctx, tc.filter)
			ok(t, "search", err)
			equal(t, "found", got, tc.want)
		})
	}
}

// testSearchPages checks that paging with the cursor lists every
// notification once, newest first, notifications accepted in the same
// millisecond included.
func testSearchPages(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	var want []*pnpd.Notification
	for i := range 7 {
		// Pairs share their acceptance time: the ID breaks the tie.
		want = append(want, f.notification(t, f.newNotification(c, r,
			time.Duration(i/2)*time.Second)))
	}
	newestFirst(want)

	var got []*pnpd.Notification
	filter := pnpd.NotificationFilter{ChannelID: c.ID, Limit: 3}
	for range 4 {
		page, err := f.store.SearchNotifications(f.ctx, filter)
		ok(t, "search page", err)
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		filter.Before = page[len(page)-1].Cursor()
	}
	equal(t, "every page", got, want)
}

// newestFirst sorts as the search does: by acceptance time, then by ID,
// both descending.
func newestFirst(ns []*pnpd.Notification) {
	for i := range ns {
		for j := i + 1; j < len(ns); j++ {
			a, b := ns[i], ns[j]
			if b.AcceptedAt.After(a.AcceptedAt) ||
				b.AcceptedAt.Equal(a.AcceptedAt) && b.ID > a.ID {
				ns[i], ns[j] = b, a
			}
		}
	}
}

// testMaskedHashWithoutNumber checks that a found notification keeps the
// hash the business sent, in its case, after its recipient moved to another
// number: its masked hash comes from the notification alone.
func testMaskedHashWithoutNumber(t *testing.T, f *fixture) {
	c, r := f.channel(t), f.recipient(t)
	n := f.newNotification(c, r, 0)
	n.To = strings.ToUpper(r.PhoneHash)
	f.notification(t, n)

	r.PhoneNumber = "+66899999999"
	r.PhoneHash = pnpd.HashPhone(r.PhoneNumber)
	ok(t, "change number", f.store.UpdateRecipient(f.ctx, r))

	got, err := f.store.SearchNotifications(f.ctx, pnpd.NotificationFilter{RequestID: n.ID})
	ok(t, "search", err)
	if len(got) != 1 {
		t.Fatalf("found %d notifications, want 1", len(got))
	}
	equal(t, "hash as sent", got[0].To, n.To)
	equal(t, "masked hash", got[0].MaskedTo(), strings.ToLower(n.To[:4])+"…")
	if strings.Contains(got[0].MaskedTo(), r.PhoneHash[4:]) {
		t.Errorf("masked hash %q shows more than four digits", got[0].MaskedTo())
	}
}
