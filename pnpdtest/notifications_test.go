package pnpdtest_test

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd/pnpdtest"
)

func TestWaitWebhookMovesTheClockToEachRedelivery(t *testing.T) {
	t.Parallel()
	srv, ch, hits := setup(t)
	srv.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: aiko})
	srv.InjectWebhookFaults(t, ch.ChannelID, pnpdtest.StatusFault(503, 3))

	start := time.Now()
	n := srv.WaitWebhook(t, push(t, srv, ch, aiko, ""), 5*time.Second)

	// Redeliveries come 5 s, 15 s and 1 min after each failure.
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("waiting took %v: the clock did not follow the redeliveries", took)
	}
	if n.Webhook == nil || !n.Webhook.Settled || !n.Webhook.Delivered ||
		len(n.Webhook.Attempts) != 4 {
		t.Fatalf("webhook = %+v, want delivered at the 4th attempt", n.Webhook)
	}
	if hits.Load() != 1 {
		t.Errorf("the receiver got %d requests, want 1", hits.Load())
	}
	if off := srv.Now(t).OffsetSeconds; off < 80 {
		t.Errorf("clock offset %d s, want past the three redelivery delays (80 s)", off)
	}
}

func TestWaitByDeliveryTagWaitsForThePush(t *testing.T) {
	t.Parallel()
	srv, ch, _ := setup(t)
	srv.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: aiko})

	// The push comes while the wait runs.
	time.AfterFunc(200*time.Millisecond, func() {
		if _, err := send(srv, ch, aiko, "order-0001-shipped"); err != nil {
			t.Error(err)
		}
	})
	n := srv.WaitByDeliveryTag(t, ch.ChannelID, "order-0001-shipped", pnpdtest.UntilFinal,
		5*time.Second)

	if n.State != "delivered" || n.DeliveryTag != "order-0001-shipped" {
		t.Errorf("notification %s tagged %q, want delivered, tagged", n.State, n.DeliveryTag)
	}
}
