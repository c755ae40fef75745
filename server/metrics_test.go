package server_test

import (
	"fmt"
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
	e.waitForMetric(failedKey, before[failedKey]+1)

	// pnpd counts an attempt, then observes its time: a scrape in between
	// shows one attempt more than times. Each attempt counted must be timed
	// soon after.
	moved := func(s samples, key string) float64 { return s[key] - before[key] }
	var sent, timed float64
	matched := false
	defer func() {
		if !matched {
			t.Logf("pnpd_webhook_seconds_count moved by %v for %v attempts", timed, sent)
		}
	}()
	e.waitFor("every attempt counted to be timed", func(s samples) bool {
		sent = moved(s, okKey) + moved(s, failedKey)
		timed = moved(s, "pnpd_webhook_seconds_count")

		return timed == sent
	})
	matched = true

	// The failed event waits in the queue for its redelivery, 5 s on. River
	// keeps a job due that soon as available, a later one as retryable.
	e.waitFor("the failed event in the queue", func(s samples) bool {
		return queued(s, webhookKind) >= 1
	})
}

// The job kinds pnpd_queue_depth reports.
const (
	webhookKind = "webhook_delivery"
	expiryKind  = "expire_held"
)

// queued adds up the jobs of the kinds waiting in every state; all kinds
// when none is named.
func queued(s samples, kinds ...string) float64 {
	if len(kinds) == 0 {
		kinds = []string{webhookKind, expiryKind}
	}

	var n float64
	for _, kind := range kinds {
		for _, state := range []string{"available", "scheduled", "retryable"} {
			n += s[fmt.Sprintf(`pnpd_queue_depth{kind=%q,state=%q}`, kind, state)]
		}
	}

	return n
}

// TestMetricsQueueDepthByKind leaves a webhook waiting for its redelivery
// and finds it under its own kind, apart from the expiry sweep's job.
func TestMetricsQueueDepthByKind(t *testing.T) {
	t.Parallel()
	e := setup(t)
	failing := receiver(t, http.StatusInternalServerError)
	ch := e.channel("Failing Receiver", failing.URL, true)

	before := e.scrape()
	for _, kind := range []string{webhookKind, expiryKind} {
		for _, state := range []string{"available", "scheduled", "retryable"} {
			key := fmt.Sprintf(`pnpd_queue_depth{kind=%q,state=%q}`, kind, state)
			if _, ok := before[key]; !ok {
				t.Errorf("the scrape lacks %s", key)
			}
		}
	}
	if got := queued(before, webhookKind); got != 0 {
		t.Fatalf("%v webhooks queued before any push", got)
	}

	if resp := e.push(ch.AccessToken, aiko); resp.status != http.StatusOK {
		t.Fatalf("push: %d %s", resp.status, resp.body)
	}

	// The first attempt fails; the event then waits 5 s for its redelivery.
	e.waitForMetric(`pnpd_webhook_attempts_total{reason="error_status_code"}`, 1)
	after := e.waitFor("the webhook in the queue", func(s samples) bool {
		return queued(s, webhookKind) == 1
	})
	if got := queued(after, expiryKind); got > 1 {
		t.Errorf("%v expiry sweeps queued, want at most the periodic one", got)
	}
}

// TestMetricsCountReleasedAndDropped holds notifications, then lets their
// recipients release them (agree, verify by SMS) or drop them (block,
// change number), and finds each counted once it happened.
func TestMetricsCountReleasedAndDropped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	second := e.channel("Second Shop", receiver(t, http.StatusOK).URL, false)
	key := func(outcome string) string {
		return `pnpd_notifications_total{outcome="` + outcome + `"}`
	}

	before := e.scrape()
	e.mustPush(botan, http.StatusOK)
	e.mustPush(daiki, http.StatusOK)
	e.mustPush(chiyo, http.StatusOK)
	if resp := e.push(second.AccessToken, chiyo); resp.status != http.StatusOK {
		t.Fatalf("push: %d %s", resp.status, resp.body)
	}
	held := e.scrape()
	if got := held[key("delivered")] - before[key("delivered")]; got != 0 {
		t.Fatalf("delivered moved by %v while all four were held", got)
	}

	// Botan agrees; Daiki verifies the number by SMS.
	b := e.person(botan)
	b.logIn()
	b.must("POST", "/api/v1/consent", map[string]bool{"agree": true})
	d := e.person(daiki)
	d.logIn()
	d.must("POST", "/api/v1/verification/code", nil)
	d.must("POST", "/api/v1/verification", map[string]string{"code": e.codes(daiki)[0]})
	released := e.scrape()

	// Chiyo agrees, so both her notifications wait for an SMS verification;
	// she blocks the demo channel and moves to a new number.
	c := e.person(chiyo)
	c.logIn()
	c.must("POST", "/api/v1/consent", map[string]bool{"agree": true})
	c.must("PUT", "/api/v1/channels/"+e.demo.Credentials.ChannelID+"/block", nil)
	c.must("POST", "/api/v1/phone-number/code", map[string]string{"phoneNumber": newNumber})
	c.must("POST", "/api/v1/phone-number", map[string]string{"phoneNumber": newNumber,
		"code": e.codes(newNumber)[0]})
	after := e.scrape()

	tests := []struct {
		name     string
		from, to samples
		outcome  string
		want     float64
	}{
		{"agree and verification deliver", held, released, "delivered", 2},
		{"held at the push", before, held, "held_consent", 3},
		{"held for SMS at the push", before, held, "held_sms", 1},
		{"agreeing moves Chiyo's two on to SMS", released, after, "held_sms", 2},
		{"the block drops one", released, after, "blocked", 1},
		{"the number change drops the other", released, after, "number_changed", 1},
		{"nothing delivered after", released, after, "delivered", 0},
		{"nothing expired", before, after, "expired", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.to[key(tt.outcome)] - tt.from[key(tt.outcome)]; got != tt.want {
				t.Errorf("%s moved by %v, want %v", key(tt.outcome), got, tt.want)
			}
		})
	}
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
