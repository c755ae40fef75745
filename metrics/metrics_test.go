package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics, log *slog.Logger) (int, string) {
	t.Helper()

	rec := httptest.NewRecorder()
	m.Handler(log).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}

	return rec.Code, string(body)
}

// TestOutcomeLabels counts one notification of each outcome under the
// label an operator queries.
func TestOutcomeLabels(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		outcome flow.Outcome
		label   string
	}{
		{"delivered at once", flow.Deliver, "delivered"},
		{"held for consent", flow.HoldForConsent, "held_consent"},
		{"held for SMS", flow.HoldForSMS, "held_sms"},
		{"dropped for a block", flow.DropBlocked, "blocked"},
		{"refused", flow.Refuse, "refused"},
		{"held, then rejected", flow.DropRejected, "rejected"},
		{"held, then the number changed", flow.DropNumberChanged, "number_changed"},
		{"held, then expired", flow.Expire, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := metrics.New()

			m.Notification(tt.outcome)

			_, body := scrape(t, m, slog.New(slog.DiscardHandler))
			want := `pnpd_notifications_total{outcome="` + tt.label + `"} 1` + "\n"
			if !strings.Contains(body, want) {
				t.Errorf("the scrape lacks %q", want)
			}
		})
	}
}

// TestScrapeSurvivesAQueueError serves every other metric when the queue
// cannot be counted, and logs why.
func TestScrapeSurvivesAQueueError(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.WatchQueue(func(context.Context) (map[string]map[string]int, error) {
		return nil, errors.New("database is locked")
	})
	var logs bytes.Buffer

	m.Request("push", http.StatusOK)
	m.Notifications(flow.Expire, 3)
	status, body := scrape(t, m, slog.New(slog.NewTextHandler(&logs, nil)))

	if status != http.StatusOK {
		t.Errorf("status = %d, want 200", status)
	}
	for _, want := range []string{
		`pnpd_http_requests_total{endpoint="push",status="200"} 1`,
		`pnpd_notifications_total{outcome="expired"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the scrape lacks %q", want)
		}
	}
	if strings.Contains(body, "pnpd_queue_depth{") {
		t.Error("the scrape shows a queue depth it could not read")
	}
	if !strings.Contains(logs.String(), "database is locked") {
		t.Errorf("the log lacks the error: %s", logs.String())
	}
}

// TestQueueDepthByKind shows the webhook backlog apart from the expiry
// sweep's job.
func TestQueueDepthByKind(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.WatchQueue(func(context.Context) (map[string]map[string]int, error) {
		return map[string]map[string]int{
			"webhook_delivery": {"available": 4, "retryable": 2},
			"expire_held":      {"available": 1, "retryable": 0},
		}, nil
	})

	_, body := scrape(t, m, slog.New(slog.DiscardHandler))

	for _, want := range []string{
		`pnpd_queue_depth{kind="webhook_delivery",state="available"} 4`,
		`pnpd_queue_depth{kind="webhook_delivery",state="retryable"} 2`,
		`pnpd_queue_depth{kind="expire_held",state="available"} 1`,
		`pnpd_queue_depth{kind="expire_held",state="retryable"} 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("the scrape lacks %q", want)
		}
	}
}
