package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var webhookTests = []test{
	{"EventRoundTrip", testWebhookEvent},
	{"UnknownEvent", testWebhookEventUnknown},
	{"Attempts", testWebhookAttempts},
	{"DuplicateAttempt", testWebhookAttemptTwice},
	{"AttemptOfUnknownEvent", testWebhookAttemptUnknownEvent},
	{"EventByNotification", testWebhookEventByNotification},
	{"Faults", testWebhookFaults},
	{"TakeFault", testTakeWebhookFault},
	{"TakeFaultConcurrently", testTakeWebhookFaultConcurrently},
	{"ClearFaults", testClearWebhookFaults},
}

// event saves a delivery event for a new delivered notification.
func (f *fixture) event(t *testing.T) *pnpd.WebhookEvent {
	t.Helper()

	c := f.channel(t)
	n := f.newNotification(c, f.recipient(t), 0)
	n.State, n.DeliveredAt = pnpd.StateDelivered, at(time.Second)
	f.notification(t, n)

	e := &pnpd.WebhookEvent{
		ID:             fmt.Sprintf("01JQ%022d", f.next()),
		NotificationID: n.ID,
		ChannelID:      c.ID,
		Destination:    c.BotUserID,
		Data:           n.DeliveryData(),
		Timestamp:      n.DeliveredAt,
	}
	ok(t, "create webhook event", f.store.CreateWebhookEvent(f.ctx, e))

	return e
}

// attempt returns the i-th try to send e, every field set.
func attempt(e *pnpd.WebhookEvent, i int, status int, reason string) pnpd.WebhookAttempt {
	return pnpd.WebhookAttempt{
		EventID:    e.ID,
		Attempt:    i,
		At:         e.Timestamp.Add(time.Duration(i) * time.Minute),
		StatusCode: status,
		Reason:     reason,
		Detail:     fmt.Sprintf("try %d", i),
		Latency:    time.Duration(i) * 1500 * time.Millisecond,
		Redelivery: i > 1,
		Injected:   []pnpd.FaultKind{"", pnpd.FaultStatus, pnpd.FaultDrop}[i%3],
	}
}

func testWebhookEvent(t *testing.T, f *fixture) {
	want := f.event(t)
	f.event(t)

	got, err := f.store.WebhookEvent(f.ctx, want.ID)
	ok(t, "webhook event", err)
	equal(t, "webhook event", got, want)
}

func testWebhookEventUnknown(t *testing.T, f *fixture) {
	_, err := f.store.WebhookEvent(f.ctx, "01JQ0000000000000000000000")
	wantCode(t, "webhook event of an unknown ID", err, pnpd.ENotFound)
}

// testWebhookAttempts checks that an event's attempts come back in the
// order they were tried, without another event's.
func testWebhookAttempts(t *testing.T, f *fixture) {
	e, other := f.event(t), f.event(t)
	want := []pnpd.WebhookAttempt{
		attempt(e, 1, 0, pnpd.ReasonCouldNotConnect),
		attempt(e, 2, 500, pnpd.ReasonErrorStatusCode),
		attempt(e, 3, 200, ""),
	}

	// Saved out of order, so that the order must come from Attempt.
	for _, a := range []pnpd.WebhookAttempt{want[1], want[0], attempt(other, 1, 200, ""),
		want[2]} {
		ok(t, "add webhook attempt", f.store.AddWebhookAttempt(f.ctx, &a))
	}

	got, err := f.store.WebhookAttempts(f.ctx, e.ID)
	ok(t, "webhook attempts", err)
	equal(t, "webhook attempts", got, want)
}

// testWebhookAttemptTwice checks that one attempt of an event is recorded
// once: a second record of it is refused and the first kept.
func testWebhookAttemptTwice(t *testing.T, f *fixture) {
	e := f.event(t)
	first := attempt(e, 1, 200, "")
	again := attempt(e, 1, 0, pnpd.ReasonRequestTimeout)
	ok(t, "add webhook attempt", f.store.AddWebhookAttempt(f.ctx, &first))

	if err := f.store.AddWebhookAttempt(f.ctx, &again); err == nil {
		t.Error("adding the same attempt of an event twice succeeded, want an error")
	}

	got, err := f.store.WebhookAttempts(f.ctx, e.ID)
	ok(t, "webhook attempts", err)
	equal(t, "webhook attempts", got, []pnpd.WebhookAttempt{first})
}
