package lineapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/lineapi"
	"github.com/pnpd/pnpd/receiving"
)

// errDisk is what a store whose disk failed returns.
var errDisk = errors.New("disk I/O error")

// failingStore knows one channel for every token unless failAuth is set,
// and fails everything else it is asked, as a store whose disk failed.
type failingStore struct {
	pnpd.Store
	failAuth bool
}

func (s failingStore) ChannelByToken(context.Context, string, time.Time) (*pnpd.Channel, error) {
	if s.failAuth {
		return nil, errDisk
	}

	return &pnpd.Channel{ID: "1234567890", Name: "Shop", Country: "JP",
		FlexibleEnabled: true, TemplateEnabled: true}, nil
}

func (failingStore) Update(context.Context, func(pnpd.Queries) error) error {
	return errDisk
}

func (failingStore) CountDelivered(context.Context, string, pnpd.NotificationKind, time.Time,
	time.Time) (int64, error) {
	return 0, errDisk
}

// logBuffer collects log lines from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

// TestStoreFailure checks that a failing store gets LINE's 500 with an
// error body and a request ID, logged at error level without the token.
func TestStoreFailure(t *testing.T) {
	t.Parallel()

	const token = "secret-token-that-must-not-be-logged"
	tests := []struct {
		name     string
		failAuth bool
		req      func(url string) *http.Request
	}{
		{"authentication", true, func(url string) *http.Request {
			return pushTo(url, textBody(pnpd.HashPhone("+819011110001")))
		}},
		{"push", false, func(url string) *http.Request {
			return pushTo(url, textBody(pnpd.HashPhone("+819011110001")))
		}},
		{"count", false, func(url string) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, url+countPath+"?date=20260101", nil)
			return req
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			logs := &logBuffer{}
			url := serveFailing(t, failingStore{failAuth: tc.failAuth}, logs)
			req := tc.req(url)
			req.Header.Set("Authorization", "Bearer "+token)

			r := sendRaw(t, req)
			assertReply(t, r, http.StatusInternalServerError,
				`{"message":"An internal error occurred. Try again later."}`)
			if r.header.Get("X-Line-Request-Id") == "" {
				t.Error("no X-Line-Request-Id")
			}
			checkFailureLog(t, logs.String(), token)
		})
	}
}

func pushTo(url, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url+pushPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")

	return req
}

// serveFailing serves the API over the store on loopback, logging to logs.
func serveFailing(t *testing.T, store pnpd.Store, logs *logBuffer) string {
	t.Helper()

	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := &pnpd.OffsetClock{}
	mux := http.NewServeMux()
	(&lineapi.API{Store: store, Clock: clock, Log: log, Receiving: &receiving.Service{
		Store: store, Rules: flow.DefaultRules(), Clock: clock, Log: log}}).Register(mux)

	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	return srv.URL
}

func checkFailureLog(t *testing.T, logs, token string) {
	t.Helper()

	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, errDisk.Error()) {
		t.Errorf("log lacks an error-level line with the cause:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Errorf("log holds the access token:\n%s", logs)
	}
}
