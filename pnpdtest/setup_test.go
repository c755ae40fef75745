package pnpdtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pnpd/pnpd/pnpdtest"
)

const aiko = "+819012345678"

// setup starts pnpd with a channel whose webhook, redelivery on, counts
// the requests it gets and answers 200.
func setup(t *testing.T) (*pnpdtest.Server, pnpdtest.Channel, *atomic.Int32) {
	t.Helper()

	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(hook.Close)

	srv := pnpdtest.Start(t)
	ch := srv.CreateChannel(t, pnpdtest.ChannelSpec{Name: "Shop", WebhookURL: hook.URL,
		Redelivery: true})

	return srv, ch, &hits
}

// push sends a text notification over plain HTTP, as LINE's SDKs do, and
// returns its request ID.
func push(t *testing.T, srv *pnpdtest.Server, ch pnpdtest.Channel, e164, tag string) string {
	t.Helper()

	id, err := send(srv, ch, e164, tag)
	if err != nil {
		t.Fatal(err)
	}

	return id
}

func send(srv *pnpdtest.Server, ch pnpdtest.Channel, e164, tag string) (string, error) {
	body := fmt.Sprintf(`{"to":%q,"messages":[{"type":"text","text":"Hello"}]}`,
		srv.PhoneHash(e164))
	req, err := http.NewRequest("POST", srv.URL+"/bot/pnp/push", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+ch.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	if tag != "" {
		req.Header.Set("X-Line-Delivery-Tag", tag)
	}

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("push: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("push: %d, want 200", resp.StatusCode)
	}

	return resp.Header.Get("X-Line-Request-Id"), nil
}

// failure runs step with a testing.TB that records failures instead of
// failing t, and returns what it recorded.
func failure(t *testing.T, step func(tb testing.TB)) string {
	t.Helper()

	tb := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		step(tb)
	}()
	<-done

	tb.mu.Lock()
	defer tb.mu.Unlock()

	return strings.Join(tb.failures, "\n")
}

// recorder is a testing.TB whose failures are only recorded; its Fatal
// ends the goroutine, as t.Fatal does.
type recorder struct {
	testing.TB

	mu       sync.Mutex
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
