package webhook

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// TestSendDropped checks that a dropped request reaches the receiver whole
// and is recorded as a session closed unexpectedly, and that a request that
// could not be sent is classified as Send classifies it.
func TestSendDropped(t *testing.T) {
	t.Parallel()

	body := []byte(`{"destination":"` + testDestination + `","events":[]}`)
	got := make(chan string, 1)
	receiver := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Header.Get("X-Line-Signature") + " " + string(b)
		w.WriteHeader(http.StatusOK)
	})
	tests := []struct {
		name   string
		url    string
		reason string
		detail string
	}{
		{"dropped", receiver, pnpd.ReasonUnclassified, detailSessionClosed},
		{"refused", closedPort(t), pnpd.ReasonCouldNotConnect, detailConnectionFailed},
		{"untrusted certificate", serveTLS(t, status(200)), pnpd.ReasonCouldNotConnect,
			detailTLSHandshake},
		{"bad URL", "ftp://127.0.0.1/hook", pnpd.ReasonCouldNotConnect, detailInvalidURL},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()

				res := (&Sender{}).SendDropped(t.Context(), tt.url, testSecret, body)
				if res.Reason != tt.reason || res.Detail != tt.detail || res.StatusCode != 0 {
					t.Errorf("SendDropped = %+v, want %s / %s", res, tt.reason, tt.detail)
				}
			})
		}
	})

	want := Sign(testSecret, body) + " " + string(body)
	select {
	case r := <-got:
		if r != want {
			t.Errorf("receiver got %q, want %q", r, want)
		}
	case <-time.After(5 * time.Second):
		t.Error("the receiver got nothing")
	}
}
