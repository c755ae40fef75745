package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

const sandboxToken = "server-test-sandbox-token-4e1b"

// The demo's recipients this file's tests push to.
const (
	aiko  = "+819011110001" // agreed: delivered at once
	botan = "+819011110002" // consent not set: held for consent
	chiyo = "+819011110003" // consent not set, SMS needed: held for consent, then SMS
	daiki = "+819011110004" // agreed, SMS needed: held for SMS
	emi   = "+819011110005" // rejected: refused
	goro  = "+819011110007" // blocked the demo channel

	newNumber = "+819011119999" // no account: a number to change to
)

// env is a pnpd server in sandbox mode with the demo seeded, in process on
// loopback.
type env struct {
	t    *testing.T
	srv  *server.Server
	url  string
	demo sandbox.Demo
}

// setup starts a server with metrics on and its own data folder, shut down
// when t ends.
func setup(t *testing.T) *env {
	t.Helper()

	return start(t, server.Config{Metrics: true}, slog.New(slog.DiscardHandler))
}

// start starts a server with cfg's switches and the given logger.
func start(t *testing.T, cfg server.Config, log *slog.Logger) *env {
	t.Helper()

	cfg.Addr, cfg.DataDir, cfg.Logger = "127.0.0.1:0", t.TempDir(), log
	cfg.Sandbox, cfg.SandboxToken = true, sandboxToken
	srv, demo := startOn(t, cfg)

	return &env{t: t, srv: srv, url: srv.URL(), demo: demo}
}

// startOn starts a server on cfg's data folder with the demo seeded, shut
// down when t ends.
func startOn(t *testing.T, cfg server.Config) (*server.Server, sandbox.Demo) {
	t.Helper()

	srv := servertest.Start(t, cfg)
	demo, err := sandbox.SeedDemo(context.Background(), srv.Store(), srv.Clock())
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}

	return srv, demo
}

// response is an answer with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, c *http.Client, method, url string, in any,
	header map[string]string) response {
	t.Helper()

	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}

	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}

	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}

	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (e *env) get(path string) response {
	e.t.Helper()

	return send(e.t, http.DefaultClient, "GET", e.url+path, nil, nil)
}

// push sends a text notification to an E.164 number with an access token.
func (e *env) push(token, phone string) response {
	e.t.Helper()

	return send(e.t, http.DefaultClient, "POST", e.url+"/bot/pnp/push", map[string]any{
		"to":       pnpd.HashPhone(phone),
		"messages": []map[string]string{{"type": "text", "text": "Your parcel ships today"}},
	}, map[string]string{"Authorization": "Bearer " + token})
}

// mustPush pushes as the demo channel and checks the status.
func (e *env) mustPush(phone string, want int) response {
	e.t.Helper()

	resp := e.push(e.demo.Credentials.AccessToken, phone)
	if resp.status != want {
		e.t.Fatalf("push: %d %s, want %d", resp.status, resp.body, want)
	}

	return resp
}

// sandbox calls the sandbox API and fails the test unless it succeeds.
func (e *env) sandbox(method, path string, in, out any) {
	e.t.Helper()

	resp := send(e.t, http.DefaultClient, method, e.url+path, in,
		map[string]string{"Authorization": "Bearer " + sandboxToken})
	if resp.status >= 300 {
		e.t.Fatalf("sandbox %s %s: %d %s", method, path, resp.status, resp.body)
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			e.t.Fatalf("sandbox %s %s: %v", method, path, err)
		}
	}
}

func (e *env) advance(d time.Duration) {
	e.t.Helper()

	e.sandbox("POST", "/sandbox/v1/clock",
		map[string]any{"advanceSeconds": int64(d.Seconds())}, nil)
}

// channel creates a channel whose webhook goes to webhookURL.
func (e *env) channel(name, webhookURL string, redelivery bool) sandbox.Credentials {
	e.t.Helper()

	var c sandbox.Credentials
	e.sandbox("POST", "/sandbox/v1/channels", map[string]any{"name": name,
		"webhookUrl": webhookURL, "redelivery": redelivery}, &c)

	return c
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// codes reads every code in the SMS outbox, newest first.
func (e *env) codes(phone string) []string {
	e.t.Helper()

	var out struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	e.sandbox("GET", "/sandbox/v1/sms?phoneNumber="+strings.ReplaceAll(phone, "+", "%2B"),
		nil, &out)

	var codes []string
	for _, m := range out.Messages {
		codes = append(codes, sixDigits.FindString(m.Text))
	}

	return codes
}

// person is a recipient using the recipient API from a browser of their
// own.
type person struct {
	e      *env
	phone  string
	client *http.Client
}

func (e *env) person(phone string) *person {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}

	return &person{e: e, phone: phone, client: &http.Client{Jar: jar}}
}

// must calls the recipient API and fails the test unless it succeeds.
func (p *person) must(method, path string, in any) {
	p.e.t.Helper()

	resp := send(p.e.t, p.client, method, p.e.url+path, in, nil)
	if resp.status >= 300 {
		p.e.t.Fatalf("%s %s: %d %s", method, path, resp.status, resp.body)
	}
}

func (p *person) logIn() {
	p.e.t.Helper()

	p.must("POST", "/api/v1/login/code", map[string]string{"phoneNumber": p.phone})
	p.must("POST", "/api/v1/login", map[string]string{"phoneNumber": p.phone,
		"code": p.e.codes(p.phone)[0]})
}

// events opens the person's live-update stream; the stream ends with ctx.
func (p *person) events(ctx context.Context) *http.Response {
	p.e.t.Helper()

	req, err := http.NewRequestWithContext(ctx, "GET", p.e.url+"/events", nil)
	if err != nil {
		p.e.t.Fatal(err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.e.t.Fatal(err)
	}
	p.e.t.Cleanup(func() { resp.Body.Close() })

	return resp
}

// samples are one scrape: "name{label="value",...}" to value, with a
// histogram's count under name_count.
type samples map[string]float64

// scrape reads /metrics as Prometheus would, failing on what it cannot
// parse.
func (e *env) scrape() samples {
	e.t.Helper()

	resp := e.get("/metrics")
	if resp.status != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d %s", resp.status, resp.body)
	}

	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(resp.body))
	if err != nil {
		e.t.Fatalf("parse /metrics: %v\n%s", err, resp.body)
	}

	s := samples{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			s.add(name, m)
		}
	}

	return s
}

func (s samples) add(name string, m *dto.Metric) {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	slices.Sort(labels)
	key := name
	if len(labels) > 0 {
		key += "{" + strings.Join(labels, ",") + "}"
	}

	switch {
	case m.Counter != nil:
		s[key] = m.Counter.GetValue()
	case m.Gauge != nil:
		s[key] = m.Gauge.GetValue()
	case m.Histogram != nil:
		s[name+"_count"] = float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		s[key] = m.Untyped.GetValue()
	}
}

// waitForMetric scrapes until the metric reaches at least want.
func (e *env) waitForMetric(key string, want float64) samples {
	e.t.Helper()

	return e.waitFor(fmt.Sprintf("%s to reach %v", key, want),
		func(s samples) bool { return s[key] >= want })
}

// waitFor scrapes until done says the scrape shows what it waits for.
func (e *env) waitFor(what string, done func(samples) bool) samples {
	e.t.Helper()

	deadline := time.Now().Add(10 * time.Second)
	for {
		s := e.scrape()
		if done(s) {
			return s
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitForLog waits until the log holds text.
func waitForLog(t *testing.T, logs *logBuffer, text string) {
	t.Helper()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for a log line with %s", text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

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
