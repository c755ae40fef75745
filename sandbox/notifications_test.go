package sandbox_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// TestWaitForDelivery checks that a delivered notification is found by its
// request ID and by its delivery tag, and that until=webhook answers once
// the receiver has the event.
func TestWaitForDelivery(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		path func(id, tag, channelID string) string
	}{
		{"request ID", func(id, _, _ string) string {
			return "/sandbox/v1/notifications/" + id + "?wait=10&until=webhook"
		}},
		{"delivery tag", func(_, tag, _ string) string {
			return "/sandbox/v1/notifications?until=webhook&wait=10&deliveryTag=" +
				url.QueryEscape(tag)
		}},
		{"delivery tag of the channel", func(_, tag, channelID string) string {
			return "/sandbox/v1/notifications?wait=10&until=webhook&deliveryTag=" +
				url.QueryEscape(tag) + "&channelId=" + channelID
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			w := setupHook(t, false, pnpd.ConsentAgreed)
			tag := "order/0042 配達 & parcel"
			id := w.push(t, tag)

			v := w.view(t, tt.path(id, tag, w.creds.ChannelID))
			checkDelivered(t, w, v, id, tag)
		})
	}
}

// checkDelivered checks the view of a notification delivered at once with
// its webhook answered, and the event the receiver got.
func checkDelivered(t *testing.T, w *hookWorld, v view, id, tag string) {
	t.Helper()

	if v.RequestID != id || v.ChannelID != w.creds.ChannelID || v.Kind != "flexible" ||
		v.State != "delivered" || !v.Final || v.DeliveryTag != tag || v.To != w.to ||
		v.DeliveredAt == nil || v.TimedOut || !v.ExpiresAt.Equal(v.AcceptedAt.Add(24*time.Hour)) {
		t.Fatalf("view = %+v, want notification %s delivered", v, id)
	}

	a := v.attempts()
	if !v.Webhook.Settled || !v.Webhook.Delivered || v.Webhook.NextAttemptAt != nil ||
		len(a) != 1 || a[0].StatusCode != 200 || a[0].Reason != "" || a[0].Redelivery ||
		a[0].Injected != "" || a[0].Attempt != 1 {
		t.Errorf("webhook = %+v, want one attempt answered 200", v.Webhook)
	}

	got := w.recv.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	ev := got[0].event(t, w.creds.ChannelSecret)
	if ev.Delivery.Data != tag || ev.WebhookEventId != v.Webhook.EventID ||
		ev.DeliveryContext.IsRedelivery {
		t.Errorf("event = %+v, want the tag, event %s, first delivery", ev, v.Webhook.EventID)
	}
}

// TestWaitTimesOut checks that a wait that ends before the condition holds
// answers the view as it is, with timedOut.
func TestWaitTimesOut(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		consent pnpd.Consent
		until   string
		state   string
		webhook bool // the view has a webhook
	}{
		{"held for consent", pnpd.ConsentNotSet, "final", "held_consent", false},
		{"held, until webhook", pnpd.ConsentNotSet, "webhook", "held_consent", false},
		{"webhook failing", pnpd.ConsentAgreed, "webhook", "delivered", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			w := setupHook(t, true, tt.consent, 500, 500)
			id := w.push(t, "")

			start := time.Now()
			v := w.view(t, "/sandbox/v1/notifications/"+id+"?wait=0.4&until="+tt.until)
			if took := time.Since(start); took < 400*time.Millisecond || took > 5*time.Second {
				t.Errorf("answered after %v, want 0.4 s", took)
			}
			if !v.TimedOut || v.State != tt.state || v.Final != (tt.state == "delivered") ||
				(v.Webhook != nil) != tt.webhook {
				t.Errorf("view = %+v, want timedOut in state %s", v, tt.state)
			}
			if tt.webhook && (v.Webhook.Settled || v.Webhook.Delivered) {
				t.Errorf("webhook = %+v, want unsettled", v.Webhook)
			}
		})
	}
}

// TestWaitForTheTag checks that a wait by delivery tag waits for a
// notification with the tag to exist.
func TestWaitForTheTag(t *testing.T) {
	t.Parallel()

	w := setupHook(t, false, pnpd.ConsentAgreed)
	const tag = "later-tag-0000001"
	done := make(chan response, 1)
	go func() {
		done <- w.get("/sandbox/v1/notifications?wait=10&deliveryTag=" + tag)
	}()

	time.Sleep(300 * time.Millisecond)
	id := w.push(t, tag)

	select {
	case r := <-done:
		var v view
		r.decode(t, &v)
		if r.status != http.StatusOK || v.RequestID != id || !v.Final || v.TimedOut {
			t.Errorf("%d %s, want notification %s, final", r.status, r.body, id)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the wait did not end")
	}
}

// TestNotificationErrors checks the answers to unknown notifications and
// bad queries, byte for byte.
func TestNotificationErrors(t *testing.T) {
	t.Parallel()

	w := setupHook(t, false, pnpd.ConsentAgreed)
	w.push(t, "known-tag-0000001")
	refused := w.refusedPush(t)

	unknownID := errorBody("not_found", "No notification has this request ID.")
	unknownTag := errorBody("not_found", "No notification has this delivery tag.")
	badWait := errorBody("invalid", "Give wait as a number of seconds above 0 and at most 30.")
	known := "/notifications?deliveryTag=known-tag-0000001"
	tests := []struct {
		name   string
		path   string
		status int
		body   string
		waits  bool // answers only after the wait
	}{
		{"unknown request ID", "/notifications/" + pnpd.NewRequestID(), 404, unknownID, false},
		{"unknown request ID, waiting", "/notifications/x?wait=5", 404, unknownID, false},
		{"refused push", "/notifications/" + refused, 404, unknownID, false},
		{"unknown tag", "/notifications?deliveryTag=nope", 404, unknownTag, false},
		{"unknown tag, waiting", "/notifications?deliveryTag=nope&wait=0.3", 404,
			unknownTag, true},
		{"tag of another channel", known + "&channelId=1", 404, unknownTag, false},
		{"no tag", "/notifications", 400, errorBody("invalid", "Give deliveryTag, the "+
			"X-Line-Delivery-Tag the notification was sent with."), false},
		{"wait of 0", known + "&wait=0", 400, badWait, false},
		{"wait too long", known + "&wait=30.5", 400, badWait, false},
		{"wait not a number", known + "&wait=1s", 400, badWait, false},
		{"wait NaN", known + "&wait=NaN", 400, badWait, false},
		{"wait empty", known + "&wait=", 400, badWait, false},
		{"unknown until", known + "&until=read", 400,
			errorBody("invalid", "Give until as final or webhook."), false},
	}
	// A request that waits answers only after its 0.3 s. One that must not
	// wait answers before the 5 s the longest wait here asks for: a bound
	// that tells a wait apart however slow the machine.
	const waited, longest = 300 * time.Millisecond, 5 * time.Second
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			start := time.Now()
			r := w.call(t, "GET", "/sandbox/v1"+tt.path, "Bearer "+token, "")
			took := time.Since(start)
			wantError(t, tt.path, r, tt.status, tt.body)
			if tt.waits && took < waited || !tt.waits && took >= longest {
				t.Errorf("%s: answered after %v", tt.path, took)
			}
		})
	}
}

// refusedPush sends a push to a number nobody has, which the API refuses
// with 422, and returns its request ID.
func (w *hookWorld) refusedPush(t *testing.T) string {
	t.Helper()

	req, err := http.NewRequestWithContext(t.Context(), "POST", w.url+"/bot/pnp/push",
		stringsReader(`{"to":"`+pnpd.HashPhone("+819099999990")+
			`","messages":[{"type":"text","text":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.creds.AccessToken)
	req.Header.Set("Content-Type", "application/json")

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("push to nobody: %d, want 422", resp.StatusCode)
	}

	return resp.Header.Get("X-Line-Request-Id")
}
