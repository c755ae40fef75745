package lineapi_test

import (
	"net/http"
	"testing"
	"time"
)

// limitedPush is a push with the token that validation refuses, so that
// it costs the server no write.
func limitedPush(t *testing.T, e *env, token string) reply {
	t.Helper()

	req := e.pushRequest(t, `{}`)
	req.Header.Set("Authorization", "Bearer "+token)

	return e.send(t, req)
}

// exhaust sends pushes with the token until one is refused with 429 and
// returns that answer. A bucket of 5 lets the first 5 pass, and after that
// only what it refilled at 5 a second while the requests went out.
func exhaust(t *testing.T, e *env, token string) reply {
	t.Helper()

	start := time.Now()
	for passed := 0; passed < 100; passed++ {
		r := limitedPush(t, e, token)
		if r.status != http.StatusTooManyRequests {
			continue
		}

		refilled := int(time.Since(start).Seconds()*5) + 1
		if passed < 5 || passed > 5+refilled {
			t.Errorf("%d requests passed before the first 429, want 5 to %d", passed,
				5+refilled)
		}

		return r
	}
	t.Fatal("no 429 within 100 requests")

	return reply{}
}

// TestRateLimit checks LINE's token bucket: per channel and per endpoint,
// holding one second's requests.
func TestRateLimit(t *testing.T) {
	t.Parallel()

	e := setup(t, 5)
	tests := []struct {
		name string
		run  func(t *testing.T, token string)
	}{
		{"the sixth request within a second is refused", func(t *testing.T, token string) {
			assertReply(t, exhaust(t, e, token), http.StatusTooManyRequests, bodyRateLimited)

			req := e.pushRequest(t, textBody(e.hash(t, "Aiko")))
			req.Header.Set("Authorization", "Bearer "+token)
			if r := e.send(t, req); r.status != http.StatusTooManyRequests &&
				r.status != http.StatusOK {
				t.Errorf("valid push right after: %v, want 429 or, if refilled, 200", r)
			}
		}},
		{"the count has its own bucket", func(t *testing.T, token string) {
			exhaust(t, e, token)

			req := e.countRequest(t, "date=20260101")
			req.Header.Set("Authorization", "Bearer "+token)
			assertReply(t, e.send(t, req), http.StatusOK, `{"status":"ready","success":0}`)
		}},
		{"another channel has its own bucket", func(t *testing.T, token string) {
			other := e.channel(t, "Other Shop")
			exhaust(t, e, token)

			assertReply(t, limitedPush(t, e, other), http.StatusBadRequest,
				errorJSON("May not be empty", "to", "May not be empty", "messages"))
		}},
		{"the bucket refills", func(t *testing.T, token string) {
			exhaust(t, e, token)
			time.Sleep(250 * time.Millisecond)

			req := e.pushRequest(t, textBody(e.hash(t, "Aiko")))
			req.Header.Set("Authorization", "Bearer "+token)
			assertReply(t, e.send(t, req), http.StatusOK, `{}`)
		}},
		{"failed authentication takes no token", func(t *testing.T, token string) {
			for range 10 {
				req := e.pushRequest(t, `{}`)
				req.Header.Set("Authorization", "Bearer unknown")
				assertReply(t, e.send(t, req), http.StatusUnauthorized, bodyTokenInvalid)
			}

			exhaust(t, e, token)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			// Each case has a channel of its own, so that its buckets are full.
			tc.run(t, e.channel(t, "Shop"))
		})
	}
}

// testNoRateLimit checks that a limit of 0, e's, means no limit.
func testNoRateLimit(t *testing.T, e *env) {
	t.Parallel()

	for i := range 50 {
		if r := e.send(t, e.pushRequest(t, `{}`)); r.status == http.StatusTooManyRequests {
			t.Fatalf("request %d: %v", i+1, r)
		}
	}
}
