package messenger_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// logBuffer collects the server's log lines from its goroutines.
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

// TestLogsHoldNoSecrets runs sign-up, log-in, a push with a webhook, SMS
// verification and a number change with debug logging, then looks for a
// phone number, a code, a token or a secret in the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	const token = "sandbox-token-7f3a9c"
	e := startServer(t, slog.New(slog.NewJSONHandler(logs,
		&slog.HandlerOptions{Level: slog.LevelDebug})), token)

	var hooks atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hooks.Add(1)
	}))
	t.Cleanup(hook.Close)

	secrets := runEverything(t, e, hook.URL)
	waitFor(t, func() bool { return hooks.Load() > 0 }, "the delivery webhook")
	// pnpd logs the attempt only after the receiver answered: wait for the
	// line, so that it is checked with the others.
	waitFor(t, func() bool {
		return strings.Contains(logs.String(), `"msg":"Webhook delivered"`)
	}, "the delivery webhook's log line")

	out := logs.String()
	if !strings.Contains(out, "Sent verification code") {
		t.Fatalf("the log lacks the expected lines; got:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s.value) {
			t.Errorf("the log holds %s", s.name)
		}
	}
}

type secret struct{ name, value string }

// runEverything drives the recipient and business sides and returns what
// must never be logged.
func runEverything(t *testing.T, e *env, hookURL string) []secret {
	t.Helper()

	ch := e.channel("Shop", hookURL)
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")
	p.must("POST", "/api/v1/login/code", map[string]string{"phoneNumber": "090-1234-5678"},
		nil)
	resp := p.call("POST", "/api/v1/login", map[string]string{"phoneNumber": phoneA,
		"code": "000000"})
	if resp.status != http.StatusBadRequest && resp.status != http.StatusOK {
		t.Fatalf("wrong log-in code: %d", resp.status)
	}
	p.consent(true)

	e.advance(181 * 24 * time.Hour)
	p.logIn()
	e.mustPush(ch, phoneA, "Your parcel ships today")
	p.must("POST", "/api/v1/verification/code", nil, nil)
	p.call("POST", "/api/v1/verification", map[string]string{"code": "999999"})
	p.must("POST", "/api/v1/verification", map[string]string{"code": e.code(phoneA)}, nil)

	p.must("POST", "/api/v1/phone-number/code", map[string]string{"phoneNumber": phoneB}, nil)
	p.must("POST", "/api/v1/phone-number", map[string]string{"phoneNumber": phoneB,
		"code": e.code(phoneB)}, nil)

	secrets := []secret{
		{"the number", phoneA}, {"the national number", "9012345678"},
		{"the typed number", "090-1234-5678"}, {"the new number", "9087654321"},
		{"the access token", ch.AccessToken}, {"the channel secret", ch.ChannelSecret},
		{"the sandbox token", e.token},
		{"the phone hash", pnpd.HashPhone(phoneA)},
	}
	for _, phone := range []string{phoneA, phoneB} {
		for _, text := range e.outbox(phone) {
			secrets = append(secrets, secret{"a code", sixDigits.FindString(text)})
		}
	}
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.client.Jar.Cookies(u) {
		secrets = append(secrets, secret{"the session token", c.Value})
	}

	return secrets
}

func waitFor(t *testing.T, done func() bool, what string) {
	t.Helper()

	deadline := time.Now().Add(10 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
