package server_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
)

// TestLogsCarryRequestIDsAndNoSecrets runs the demo's flows with JSON logs
// at debug level: pushes to every demo recipient, a webhook, log-ins,
// consent and SMS verification with a wrong code first. Every line must be
// JSON, every LINE API line must carry its request ID, and no line may hold
// a phone number, its hash, a code, a token or a secret.
func TestLogsCarryRequestIDsAndNoSecrets(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	e := start(t, server.Config{Metrics: true}, slog.New(slog.NewJSONHandler(logs,
		&slog.HandlerOptions{Level: slog.LevelDebug})))

	ids, shop := runDemo(t, e)
	// pnpd logs a webhook attempt after it counted it: wait for the line,
	// so that it is checked with the others.
	waitForLog(t, logs, `"msg":"Webhook delivered"`)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")

	found := map[string]bool{}
	for i, line := range lines {
		id := checkLine(t, i+1, line)
		found[id] = true
	}
	for _, id := range ids {
		if !found[id] {
			t.Errorf("no log line carries request_id %s", id)
		}
	}

	for _, s := range secrets(t, e, shop) {
		if s.pattern.MatchString(logs.String()) {
			t.Errorf("the log holds %s", s.name)
		}
	}
}

// runDemo drives the business and recipient sides and returns the LINE
// request IDs of the pushes and the channel it made with a webhook.
func runDemo(t *testing.T, e *env) ([]string, sandbox.Credentials) {
	t.Helper()

	shop := e.channel("Parcel Co", receiver(t, http.StatusOK).URL, false)
	var ids []string
	push := func(token, phone string) {
		ids = append(ids, e.push(token, phone).header.Get("X-Line-Request-Id"))
	}
	for _, r := range e.demo.Recipients {
		push(e.demo.Credentials.AccessToken, r.PhoneNumber)
	}
	push(e.demo.Credentials.AccessToken, "+819099999999") // no account
	push("not-a-token", aiko)
	push(shop.AccessToken, aiko)
	e.waitForMetric(`pnpd_webhook_attempts_total{reason="ok"}`, 1)

	b := e.person(botan)
	b.logIn()
	b.must("POST", "/api/v1/consent", map[string]bool{"agree": true})

	d := e.person(daiki)
	d.logIn()
	d.must("POST", "/api/v1/verification/code", nil)
	code := e.codes(daiki)[0]
	send(t, d.client, "POST", e.url+"/api/v1/verification",
		map[string]string{"code": wrongCode(code)}, nil)
	d.must("POST", "/api/v1/verification", map[string]string{"code": code})

	return ids, shop
}

func wrongCode(code string) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

// checkLine checks that a line is a JSON object and that a LINE API line
// has a request ID; it returns the ID, if any.
func checkLine(t *testing.T, n int, line string) string {
	t.Helper()

	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Errorf("line %d is not JSON: %v: %s", n, err, line)
		return ""
	}

	id, _ := rec["request_id"].(string)
	path, _ := rec["path"].(string)
	_, fromAPI := rec["endpoint"]
	if (fromAPI || strings.HasPrefix(path, "/bot/")) && id == "" {
		t.Errorf("LINE API line %d has no request_id: %s", n, line)
	}

	return id
}

type secret struct {
	name    string
	pattern *regexp.Regexp
}

// secrets lists what must never be logged: each demo number in E.164 and
// without its country code (so in national form too), its phone hash, the
// channels' tokens and secrets, the sandbox token and every code sent.
func secrets(t *testing.T, e *env, shop sandbox.Credentials) []secret {
	t.Helper()

	var out []secret
	add := func(name, value string) {
		out = append(out, secret{name, regexp.MustCompile(regexp.QuoteMeta(value))})
	}
	for _, r := range e.demo.Recipients {
		add("the number "+r.PhoneNumber, r.PhoneNumber)
		add("the national number of "+r.PhoneNumber, r.PhoneNumber[3:])
		add("the phone hash of "+r.PhoneNumber, pnpd.HashPhone(r.PhoneNumber))
	}
	add("the access token", e.demo.Credentials.AccessToken)
	add("the channel secret", e.demo.Credentials.ChannelSecret)
	add("the webhook channel's access token", shop.AccessToken)
	add("the webhook channel's secret", shop.ChannelSecret)
	add("the sandbox token", sandboxToken)

	// A code is six digits alone, so the digits of a time or an ID do not
	// count as one.
	for _, phone := range []string{botan, daiki} {
		for _, code := range e.codes(phone) {
			out = append(out, secret{"a code sent to " + phone,
				regexp.MustCompile(`\b` + code + `\b`)})
		}
	}
	if len(out) < 3*len(e.demo.Recipients)+5+3 {
		t.Fatalf("only %d secrets to look for; the codes are missing", len(out))
	}

	return out
}
