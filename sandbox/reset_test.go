package sandbox_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// TestReset checks that a reset deletes the data, a redelivery waiting on
// its backoff included, sets the clock back, and keeps the channels only
// when asked.
func TestReset(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		body string
		keep bool
	}{
		{name: "no body"},
		{name: "everything", body: `{"keepChannels":false}`},
		{name: "keep channels", body: `{"keepChannels":true}`, keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			w := setupHook(t, true, pnpd.ConsentAgreed)
			requestID := w.fill(t)

			start := time.Now()
			r := w.call(t, "POST", "/sandbox/v1/reset", "Bearer "+token, tt.body)
			wantError(t, "reset", r, http.StatusNoContent, "")
			t.Logf("the reset took %v over HTTP", time.Since(start))

			w.checkEmpty(t, requestID)
			w.checkChannel(t, tt.keep)
		})
	}
}

// fill moves the clock and leaves a notification whose webhook failed once
// and waits for its redelivery, an SMS in the outbox and a fault pending.
func (w *hookWorld) fill(t *testing.T) string {
	t.Helper()

	w.moveClock(t, time.Hour)
	w.faults(t, `{"kind":"status","statusCode":500,"count":2}`)
	id := w.push(t, "")
	w.awaitAttempts(t, "/sandbox/v1/notifications/"+id, 1, 5*time.Second)

	r := w.call(t, "POST", "/api/v1/signup/code", "", `{"phoneNumber": "+819012345678"}`)
	if r.status != http.StatusOK {
		t.Fatalf("sign-up code: %d %s", r.status, r.body)
	}

	return id
}

// checkEmpty checks that the data is gone and the clock is back.
func (w *hookWorld) checkEmpty(t *testing.T, requestID string) {
	t.Helper()

	r := w.call(t, "GET", "/sandbox/v1/notifications/"+requestID, "Bearer "+token, "")
	wantError(t, "notification after the reset", r, http.StatusNotFound,
		errorBody("not_found", "No notification has this request ID."))
	wantError(t, "outbox after the reset", w.call(t, "GET", "/sandbox/v1/sms",
		"Bearer "+token, ""), http.StatusOK, `{"messages":[]}`)

	if c := w.clock(t); c.OffsetSeconds != 0 || w.srv.Clock().Offset() != 0 {
		t.Errorf("clock after the reset = %+v, want the wall clock", c)
	}

	w.checkNothingSent(t)
}

// checkNothingSent checks that nothing of before the reset is ever sent. A
// webhook job running during the reset may still be marked retryable after
// it; moving the clock past any backoff runs it, and it must end cancelled,
// its event being gone, without sending.
func (w *hookWorld) checkNothingSent(t *testing.T) {
	t.Helper()

	// Before the push of checkChannel, any webhook job is one of before.
	left := "river_job WHERE kind = 'webhook_delivery' AND state <> 'cancelled'"
	deadline := time.Now().Add(2 * time.Second)
	for {
		// Past the first redelivery's backoff: a kept job would run now.
		w.moveClock(t, time.Minute)
		n := countRows(t, w.dbPath, left)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook jobs not cancelled 2 s after the reset, want 0", n)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if got := w.recv.await(1, 500*time.Millisecond); len(got) != 0 {
		t.Errorf("the receiver got %d requests after the reset, want 0", len(got))
	}
}

// checkChannel checks what the old channel's token can do after a reset:
// nothing when the channel is gone; when kept, it reaches no one of before
// but a new recipient, with no fault left.
func (w *hookWorld) checkChannel(t *testing.T, kept bool) {
	t.Helper()

	body := `{"to":"` + w.to + `","messages":[{"type":"text","text":"hi"}]}`
	r := w.call(t, "POST", "/bot/pnp/push", "Bearer "+w.creds.AccessToken, body)
	faults := w.call(t, "GET", w.faultsPath(), "Bearer "+token, "")
	if !kept {
		if r.status != http.StatusUnauthorized {
			t.Errorf("push with the deleted channel's token: %d, want 401", r.status)
		}
		wantError(t, "faults of a deleted channel", faults, http.StatusNotFound,
			errorBody("not_found", "No channel has this ID."))

		return
	}

	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("push to a recipient of before the reset: %d, want 422", r.status)
	}
	wantError(t, "faults after the reset", faults, http.StatusOK, `{"faults":[]}`)

	// The magic numbers are seeded anew and behave as their table says.
	for _, m := range []struct {
		phone  string
		status int
	}{{"+819000000001", http.StatusOK}, {"+819000000002", http.StatusUnprocessableEntity}} {
		body := `{"to":"` + pnpd.HashPhone(m.phone) + `","messages":[{"type":"text","text":"hi"}]}`
		r := w.call(t, "POST", "/bot/pnp/push", "Bearer "+w.creds.AccessToken, body)
		if r.status != m.status {
			t.Errorf("push to magic %s after the reset: %d, want %d", m.phone, r.status, m.status)
		}
	}

	w.to = pnpd.HashPhone(w.recipient(t, pnpd.ConsentAgreed))
	v := w.view(t, "/sandbox/v1/notifications/"+w.push(t, "")+"?wait=10&until=webhook")
	if v.Webhook == nil || !v.Webhook.Delivered {
		t.Errorf("webhook of a kept channel = %+v, want delivered", v.Webhook)
	}
}

func TestResetRefusesABadBody(t *testing.T) {
	t.Parallel()

	in := setup(t)
	notJSON := "The request body is not valid JSON."
	for body, want := range map[string]string{
		`{"keepChannels":`:       notJSON,
		`[]`:                     notJSON,
		`{"keepChannels":"yes"}`: `The property "keepChannels" in the request body must be true or false.`,
		`{"keepChannels":true,"pad":"` + strings.Repeat("x", 70<<10) + `"}`: "The request body is over 64 KB.",
	} {
		r := in.call(t, "POST", "/sandbox/v1/reset", "Bearer "+token, body)
		wantError(t, body[:min(len(body), 40)], r, http.StatusBadRequest,
			errorBody("invalid", want))
	}
}
