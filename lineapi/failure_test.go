package lineapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// downStore fails every call the token endpoints make, as a store whose
// database is down.
type downStore struct{ pnpd.Store }

func (downStore) Channel(context.Context, string) (*pnpd.Channel, error) {
	return nil, errDisk
}

func (downStore) ChannelKey(context.Context, string) (*pnpd.ChannelKey, error) {
	return nil, errDisk
}

func (downStore) AccessToken(context.Context, string) (*pnpd.AccessToken, error) {
	return nil, errDisk
}

// TestTokenEndpointsStoreFailure checks that a token endpoint whose store
// fails answers a 500 in OAuth's error format, as its refusals are, not in
// the Messaging API's, and logs the cause at error level.
func TestTokenEndpointsStoreFailure(t *testing.T) {
	t.Parallel()

	// A well-formed assertion, so that checking it asks the store for its key.
	jwt := func(header string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(header)) + "." + enc([]byte(`{}`)) + "." + enc([]byte("sig"))
	}
	assertion := url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {jwt(`{"alg":"RS256","typ":"JWT","kid":"k1"}`)}}
	secret := url.Values{"grant_type": {"client_credentials"}, "client_id": {"1234567890"},
		"client_secret": {"not-the-secret"}, "access_token": {"abc"}}
	token := url.Values{"access_token": {"abc"}}
	tests := []struct {
		name, method, path string
		params             url.Values
	}{
		{"issue short-lived", "POST", "/v2/oauth/accessToken", secret},
		{"verify", "POST", "/v2/oauth/verify", token},
		{"revoke", "POST", "/v2/oauth/revoke", token},
		{"issue stateless", "POST", "/oauth2/v3/token", secret},
		{"issue stateless by assertion", "POST", "/oauth2/v3/token", assertion},
		{"issue v2.1", "POST", "/oauth2/v2.1/token", assertion},
		{"verify v2.1", "GET", "/oauth2/v2.1/verify",
			url.Values{"access_token": {jwt(`{"alg":"HS256"}`)}}},
		{"revoke v2.1", "POST", "/oauth2/v2.1/revoke", secret},
		{"v2.1 key IDs", "GET", "/oauth2/v2.1/tokens/kid", assertion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			logs := &logBuffer{}
			base := serveFailing(t, downStore{}, logs)
			r := sendRaw(t, formRequest(t, tc.method, base+tc.path, tc.params))
			assertReply(t, r, http.StatusInternalServerError, `{"error":"server_error",`+
				`"error_description":"An internal error occurred. Try again later."}`)
			if r.header.Get("X-Line-Request-Id") == "" {
				t.Error("no X-Line-Request-Id")
			}
			checkFailureLog(t, logs.String(), "not-the-secret")
		})
	}
}

// formRequest sends params as a form body, or in the query for a GET.
func formRequest(t *testing.T, method, target string, params url.Values) *http.Request {
	t.Helper()

	body := strings.NewReader(params.Encode())
	if method == http.MethodGet {
		target, body = target+"?"+params.Encode(), strings.NewReader("")
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}

	return req
}
