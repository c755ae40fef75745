package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// testWebhookAttemptUnknownEvent checks that an attempt of an event that is
// not stored, or no longer, is refused and not kept.
func testWebhookAttemptUnknownEvent(t *testing.T, f *fixture) {
	e := f.event(t)
	e.ID = "01JQ0000000000000000000000"
	a := attempt(e, 1, 200, "")

	wantCode(t, "attempt of an unknown event", f.store.AddWebhookAttempt(f.ctx, &a),
		pnpd.ENotFound)

	got, err := f.store.WebhookAttempts(f.ctx, e.ID)
	ok(t, "webhook attempts", err)
	equal(t, "attempts of an unknown event", len(got), 0)
}

// testWebhookEventByNotification checks that a notification's event is
// found by the notification's ID, and none for a notification without one.
func testWebhookEventByNotification(t *testing.T, f *fixture) {
	want := f.event(t)
	f.event(t)

	got, err := f.store.WebhookEventByNotification(f.ctx, want.NotificationID)
	ok(t, "webhook event by notification", err)
	equal(t, "webhook event", got, want)

	_, err = f.store.WebhookEventByNotification(f.ctx, pnpd.NewRequestID())
	wantCode(t, "event of a notification without one", err, pnpd.ENotFound)
}

// newFault returns an unsaved fault of a kind for c, with count units.
func newFault(c *pnpd.Channel, kind pnpd.FaultKind, count int) *pnpd.WebhookFault {
	f := &pnpd.WebhookFault{ChannelID: c.ID, Kind: kind, Remaining: count,
		CreatedAt: at(time.Duration(count) * time.Second)}
	switch kind {
	case pnpd.FaultStatus:
		f.StatusCode = 503
	case pnpd.FaultDelay:
		f.Delay = 1500 * time.Millisecond
	}

	return f
}

// fault saves a fault and checks that it got an ID.
func (f *fixture) fault(t *testing.T, flt *pnpd.WebhookFault) *pnpd.WebhookFault {
	t.Helper()

	ok(t, "add webhook fault", f.store.AddWebhookFault(f.ctx, flt))
	if flt.ID == 0 {
		t.Errorf("AddWebhookFault left the ID zero")
	}

	return flt
}

// testWebhookFaults checks that a channel's faults come back whole, in the
// order they were added, without another channel's.
func testWebhookFaults(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	var want []pnpd.WebhookFault
	for i, kind := range []pnpd.FaultKind{pnpd.FaultDelay, pnpd.FaultStatus,
		pnpd.FaultDrop, pnpd.FaultDuplicate} {
		want = append(want, *f.fault(t, newFault(c, kind, i+1)))
		f.fault(t, newFault(other, kind, 1))
	}

	got, err := f.store.WebhookFaults(f.ctx, c.ID)
	ok(t, "webhook faults", err)
	equal(t, "webhook faults", got, want)
}

// testTakeWebhookFault checks that units are taken from the oldest fault
// with some left, that a used-up fault is no longer listed, and that a
// channel without units left has none to take.
func testTakeWebhookFault(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	status := f.fault(t, newFault(c, pnpd.FaultStatus, 2))
	drop := f.fault(t, newFault(c, pnpd.FaultDrop, 1))
	f.fault(t, newFault(other, pnpd.FaultDelay, 1))

	for i, want := range []struct {
		fault     *pnpd.WebhookFault
		remaining int
	}{{status, 1}, {status, 0}, {drop, 0}} {
		got, err := f.store.TakeWebhookFault(f.ctx, c.ID)
		ok(t, "take webhook fault", err)
		w := *want.fault
		w.Remaining = want.remaining
		equal(t, fmt.Sprintf("fault taken %d", i+1), got, &w)
	}

	_, err := f.store.TakeWebhookFault(f.ctx, c.ID)
	wantCode(t, "take from used-up faults", err, pnpd.ENotFound)

	left, err := f.store.WebhookFaults(f.ctx, c.ID)
	ok(t, "webhook faults", err)
	equal(t, "faults left", len(left), 0)
}

// testTakeWebhookFaultConcurrently checks that attempts made at the same
// time never share a unit: as many take one as there were units.
func testTakeWebhookFaultConcurrently(t *testing.T, f *fixture) {
	const units, takers = 7, 20
	c := f.channel(t)
	f.fault(t, newFault(c, pnpd.FaultDuplicate, units))

	var mu sync.Mutex
	taken := map[int]int{}
	var wg sync.WaitGroup
	for range takers {
		wg.Go(func() {
			got, err := f.store.TakeWebhookFault(f.ctx, c.ID)
			if pnpd.ErrorCode(err) == pnpd.ENotFound {
				return
			}
			if err != nil {
				t.Errorf("take webhook fault: %v", err)
				return
			}

			mu.Lock()
			defer mu.Unlock()
			taken[got.Remaining]++
		})
	}
	wg.Wait()

	want := map[int]int{}
	for i := range units {
		want[i] = 1
	}
	equal(t, "units taken, by what remained after", taken, want)
}

// testClearWebhookFaults checks that clearing a channel's faults leaves
// another channel's.
func testClearWebhookFaults(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	f.fault(t, newFault(c, pnpd.FaultStatus, 3))
	kept := f.fault(t, newFault(other, pnpd.FaultDrop, 1))

	ok(t, "clear webhook faults", f.store.ClearWebhookFaults(f.ctx, c.ID))

	got, err := f.store.WebhookFaults(f.ctx, c.ID)
	ok(t, "webhook faults", err)
	equal(t, "faults after clearing", len(got), 0)
	_, err = f.store.TakeWebhookFault(f.ctx, c.ID)
	wantCode(t, "take after clearing", err, pnpd.ENotFound)

	got, err = f.store.WebhookFaults(f.ctx, other.ID)
	ok(t, "other channel's faults", err)
	equal(t, "other channel's faults", got, []pnpd.WebhookFault{*kept})
}
