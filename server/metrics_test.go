package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pnpd/pnpd/server"
)

// TestMetricsMoveAfterPushes scrapes /metrics, pushes to a recipient who
// agreed and to one who rejected, and scrapes again.
func TestMetricsMoveAfterPushes(t *testing.T) {
	t.Parallel()
	e := setup(t)

	before := e.scrape()
	e.mustPush(aiko, http.StatusOK)
	e.mustPush(emi, http.StatusUnprocessableEntity)
	after := e.scrape()

	tests := []struct {
		name string
		key  string
		want float64
	}{
		{"one push answered 200",
			`pnpd_http_requests_total{endpoint="push",status="200"}`, 1},
		{"one push answered 422",
			`pnpd_http_requests_total{endpoint="push",status="422"}`, 1},
		{"one notification delivered", `pnpd_notifications_total{outcome="delivered"}`, 1},
		{"one notification refused", `pnpd_notifications_total{outcome="refused"}`, 1},
		{"none held", `pnpd_notifications_total{outcome="held_consent"}`, 0},
		{"both pushes timed", "pnpd_accept_seconds_count", 2},
		{"no SMS sent", "pnpd_sms_sent_total", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := after[tt.key] - before[tt.key]; got != tt.want {
				t.Errorf("%s moved by %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

// TestMetricsCountHeldBlockedAndExpired holds two notifications, drops one
// for a block, and lets the held ones expire.
func TestMetricsCountHeldBlockedAndExpired(t *testing.T) {
	t.Parallel()
	e := setup(t)

	before := e.scrape()
	e.mustPush(botan, http.StatusOK)
	e.mustPush(daiki, http.StatusOK)
	e.mustPush(goro, http.StatusOK)
	e.advance(25 * time.Hour)
	after := e.scrape()

	for key, want := range map[string]float64{
		`pnpd_notifications_total{outcome="held_consent"}`: 1,
		`pnpd_notifications_total{outcome="held_sms"}`:     1,
		`pnpd_notifications_total{outcome="blocked"}`:      1,
		`pnpd_notifications_total{outcome="expired"}`:      2,
		`pnpd_notifications_total{outcome="delivered"}`:    0,
	} {
		if got := after[key] - before[key]; got != want {
			t.Errorf("%s moved by %v, want %v", key, got, want)
		}
	}
}

// TestMetricsCountSMS asks for a log-in code and finds it counted.
func TestMetricsCountSMS(t *testing.T) {
	t.Parallel()
	e := setup(t)

	before := e.scrape()
	e.person(daiki).must("POST", "/api/v1/login/code",
		map[string]string{"phoneNumber": daiki})
	after := e.scrape()

	if got := after["pnpd_sms_sent_total"] - before["pnpd_sms_sent_total"]; got != 1 {
		t.Errorf("pnpd_sms_sent_total moved by %v, want 1", got)
	}
}

// TestMetricsCountWebhookAttempts delivers to a channel whose receiver
// answers 200 and to one whose receiver answers 500 and wants redelivery.
func TestMetricsCountWebhookAttempts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ok := receiver(t, http.StatusOK)
	failing := receiver(t, http.StatusInternalServerError)

	good := e.channel("Good Receiver", ok.URL, false)
	bad := e.channel("Bad Receiver", failing.URL, true)

	// The expiry sweep runs once at start; the queue is empty after it.
	before := e.waitFor("an empty queue", func(s samples) bool {
		return queued(s) == 0
	})
	for _, token := range []string{good.AccessToken, bad.AccessToken} {
		if resp := e.push(token, aiko); resp.status != http.StatusOK {
			t.Fatalf("push: %d %s", resp.status, resp.body)
		}
	}

	okKey := `pnpd_webhook_attempts_total{reason="ok"}`
	failedKey := `pnpd_webhook_attempts_total{reason="error_status_code"}`
	e.waitForMetric(okKey, before[okKey]+1)
	after := e.waitForMetric(failedKey, before[failedKey]+1)

	sent := after[okKey] - before[okKey] + after[failedKey] - before[failedKey]
	timed := after["pnpd_webhook_seconds_count"] - before["pnpd_webhook_seconds_count"]
	if timed != sent {
		t.Errorf("pnpd_webhook_seconds_count moved by %v for %v attempts", timed, sent)
	}

	// The failed event waits in the queue for its redelivery, 5 s on. River
	// keeps a job due that soon as available, a later one as retryable.
	e.waitFor("the failed event in the queue", func(s samples) bool {
		return queued(s) >= 1
	})
}

// queued adds up the jobs waiting in every state.
func queued(s samples) float64 {
	return s[`pnpd_queue_depth{state="available"}`] +
		s[`pnpd_queue_depth{state="scheduled"}`] + s[`pnpd_queue_depth{state="retryable"}`]
}

func receiver(t *testing.T, status int) *httptest.Server {
	t.Helper()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)

	return srv
}

// TestOperationsRoutes checks what each switch serves.
func TestOperationsRoutes(t *testing.T) {
	t.Parallel()

	type want map[string]int // path → status
	tests := []struct {
		name string
		cfg  server.Config
		want want
	}{
		{"defaults", server.Config{}, want{
			"/healthz": 200, "/readyz": 200, "/metrics": 404, "/debug/pprof/": 404,
		}},
		{"metrics on", server.Config{Metrics: true}, want{
			"/metrics": 200, "/debug/pprof/": 404,
		}},
		{"profiler on", server.Config{Pprof: true}, want{
			"/debug/pprof/": 200, "/debug/pprof/heap": 200,
			// The command line may hold the sandbox token.
			"/debug/pprof/cmdline": 404,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, tt.cfg, nil)

			for path, status := range tt.want {
				if got := e.get(path).status; got != status {
					t.Errorf("GET %s = %d, want %d", path, got, status)
				}
			}
		})
	}
}
