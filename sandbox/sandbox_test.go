package sandbox_test

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

const token = "x"

// instance is one run of a pnpd server on a data folder.
type instance struct {
	srv    *server.Server
	url    string
	dbPath string
}

// start runs a sandbox-mode server on dataDir; stop ends it, and so does
// the end of the test when stop was not called.
func start(t *testing.T, dataDir string) (inst *instance, stop func()) {
	t.Helper()

	srv := servertest.Start(t, server.Config{DataDir: dataDir, Sandbox: true,
		SandboxToken: token, DefaultCountry: "JP"})
	stop = func() { servertest.Stop(t, srv) }

	return &instance{srv: srv, url: srv.URL(), dbPath: filepath.Join(dataDir, "pnpd.db")}, stop
}

// setup starts a server on a fresh data folder.
func setup(t *testing.T) *instance {
	t.Helper()

	inst, _ := start(t, t.TempDir())

	return inst
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()

	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// call sends body (raw JSON, "" for none) with an Authorization header
// (none when auth is "").
func (in *instance) call(t *testing.T, method, path, auth, body string) response {
	t.Helper()

	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, in.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}

	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// sandbox calls with the right token and wants a 2xx answer.
func (in *instance) sandbox(t *testing.T, method, path, body string, out any) {
	t.Helper()

	resp := in.call(t, method, path, "Bearer "+token, body)
	if resp.status >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.status, resp.body)
	}
	if out != nil {
		resp.decode(t, out)
	}
}

type clockState struct {
	Now           time.Time `json:"now"`
	OffsetSeconds int64     `json:"offsetSeconds"`
}

func (in *instance) clock(t *testing.T) clockState {
	t.Helper()

	var c clockState
	in.sandbox(t, "GET", "/sandbox/v1/clock", "", &c)

	return c
}

func TestSandboxNeedsItsToken(t *testing.T) {
	t.Parallel()
	in := setup(t)

	endpoints := []struct{ method, path, body string }{
		{"GET", "/sandbox/v1/clock", ""},
		{"POST", "/sandbox/v1/clock", `{"advanceSeconds": 3600}`},
		{"DELETE", "/sandbox/v1/clock", ""},
		{"GET", "/sandbox/v1/sms", ""},
		{"POST", "/sandbox/v1/channels", `{"name": "Shop"}`},
		{"GET", "/sandbox/v1/notifications/x", ""},
		{"GET", "/sandbox/v1/notifications?deliveryTag=x", ""},
		{"POST", "/sandbox/v1/channels/1234567890/webhook-faults", `{"kind": "drop"}`},
		{"GET", "/sandbox/v1/channels/1234567890/webhook-faults", ""},
		{"DELETE", "/sandbox/v1/channels/1234567890/webhook-faults", ""},
		{"POST", "/sandbox/v1/reset", ""},
		{"PATCH", "/sandbox/v1/clock", ""},
		{"GET", "/sandbox/v1/nowhere", ""},
	}
	tests := []struct {
		name string
		auth string
	}{
		{name: "no token", auth: ""},
		{name: "wrong token", auth: "Bearer y"},
		{name: "token with more", auth: "Bearer xx"},
		{name: "other scheme", auth: "Basic x"},
		{name: "empty bearer", auth: "Bearer "},
		{name: "lower-case scheme, wrong token", auth: "bearer y"},
		{name: "no space", auth: "Bearer" + token},
	}
	t.Run("refused", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()

				for _, ep := range endpoints {
					resp := in.call(t, ep.method, ep.path, tt.auth, ep.body)
					if resp.status != http.StatusUnauthorized {
						t.Errorf("%s %s: %d, want 401", ep.method, ep.path, resp.status)
					}
				}
			})
		}
	})

	if c := in.clock(t); c.OffsetSeconds != 0 {
		t.Errorf("offset after refused requests = %d s, want 0", c.OffsetSeconds)
	}

	// RFC 7235: the scheme's name is case-insensitive.
	for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
		resp := in.call(t, "GET", "/sandbox/v1/clock", scheme+" "+token, "")
		if resp.status != http.StatusOK {
			t.Errorf("GET /sandbox/v1/clock with %q: %d, want 200", scheme, resp.status)
		}
	}
	if n := countRows(t, in.dbPath, "channel"); n != 0 {
		t.Errorf("refused requests created %d channels", n)
	}
}

// TestUnroutedAnswersInJSON: a path under /sandbox/v1/ that no route
// takes answers with the sandbox's error body, and a method the path lacks
// with 405 and the methods it has.
func TestUnroutedAnswersInJSON(t *testing.T) {
	t.Parallel()
	in := setup(t)

	tests := []struct {
		name, method, path string
		status             int
		allow, body        string
	}{
		{"no such path", "GET", "/sandbox/v1/nowhere", 404, "",
			errorBody("not_found", "No such sandbox endpoint.")},
		{"a route's path with more", "GET", "/sandbox/v1/clock/x", 404, "",
			errorBody("not_found", "No such sandbox endpoint.")},
		{"PATCH the clock", "PATCH", "/sandbox/v1/clock", 405, "GET, POST, DELETE",
			errorBody("method_not_allowed", "This endpoint takes GET, POST or DELETE.")},
		{"PUT a recipient", "PUT", "/sandbox/v1/recipients/x1", 405, "GET",
			errorBody("method_not_allowed", "This endpoint takes GET.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			req, err := http.NewRequestWithContext(t.Context(), tt.method, in.url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()

			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("Allow") != tt.allow ||
				resp.Header.Get("Content-Type") != "application/json" ||
				strings.TrimSpace(string(body)) != tt.body {
				t.Errorf("%s %s: %d Allow %q %s, want %d Allow %q %s", tt.method, tt.path,
					resp.StatusCode, resp.Header.Get("Allow"), body, tt.status, tt.allow,
					tt.body)
			}
		})
	}
}

func TestMoveClock(t *testing.T) {
	t.Parallel()
	in := setup(t)

	before := in.clock(t)
	if before.OffsetSeconds != 0 || time.Since(before.Now).Abs() > time.Minute {
		t.Fatalf("fresh clock = %+v, want the wall clock", before)
	}

	var moved clockState
	in.sandbox(t, "POST", "/sandbox/v1/clock", `{"advanceSeconds": 86400}`, &moved)
	in.sandbox(t, "POST", "/sandbox/v1/clock", `{"advanceSeconds": 3600}`, nil)

	got := in.clock(t)
	if got.OffsetSeconds != 90000 || moved.OffsetSeconds != 86400 {
		t.Errorf("offsets = %d then %d s, want 86400 then 90000", moved.OffsetSeconds,
			got.OffsetSeconds)
	}
	if d := got.Now.Sub(time.Now()); d < 25*time.Hour-time.Minute || d > 25*time.Hour {
		t.Errorf("now runs %v ahead, want 25 h", d)
	}

	in.sandbox(t, "DELETE", "/sandbox/v1/clock", "", nil)
	if c := in.clock(t); c.OffsetSeconds != 0 || time.Since(c.Now).Abs() > time.Minute {
		t.Errorf("after reset = %+v, want the wall clock", c)
	}
}

// TestClockMovesAtOnceAddUp: moves made at once all count, in the stored
// offset and in the clock every timer reads, whichever commits last.
func TestClockMovesAtOnceAddUp(t *testing.T) {
	t.Parallel()
	in := setup(t)

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			resp := in.call(t, "POST", "/sandbox/v1/clock", "Bearer "+token,
				`{"advanceSeconds": 100}`)
			if resp.status != http.StatusOK {
				t.Errorf("move: %d %s", resp.status, resp.body)
			}
		})
	}
	wg.Wait()

	if c := in.clock(t); c.OffsetSeconds != 1600 {
		t.Errorf("after 16 moves of 100 s at once the clock is %d s ahead, want 1600",
			c.OffsetSeconds)
	}
}

func TestMoveClockRefusesBadAdvance(t *testing.T) {
	t.Parallel()
	in := setup(t)
	in.sandbox(t, "POST", "/sandbox/v1/clock", `{"advanceSeconds": 60}`, nil)

	tests := []struct {
		name string
		body string
	}{
		{name: "negative", body: `{"advanceSeconds": -3600}`},
		{name: "zero", body: `{"advanceSeconds": 0}`},
		{name: "missing", body: `{}`},
		{name: "no body", body: ""},
		{name: "not a number", body: `{"advanceSeconds": "1h"}`},
		{name: "fraction", body: `{"advanceSeconds": 1.5}`},
		// Past the range of a time.Duration the clock would wrap backwards.
		{name: "too far", body: `{"advanceSeconds": 10000000000}`},
	}
	for _, tt := range tests {
		resp := in.call(t, "POST", "/sandbox/v1/clock", "Bearer "+token, tt.body)
		if resp.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", tt.name, resp.status, resp.body)
		}
	}

	if c := in.clock(t); c.OffsetSeconds != 60 {
		t.Errorf("offset = %d s, want 60 (unchanged)", c.OffsetSeconds)
	}
}

func TestClockOffsetSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	first, stop := start(t, dir)
	first.sandbox(t, "POST", "/sandbox/v1/clock", `{"advanceSeconds": 15552000}`, nil)
	stop()

	second, stop := start(t, dir)
	if c := second.clock(t); c.OffsetSeconds != 15552000 {
		t.Fatalf("offset after restart = %d s, want 15552000 (180 days)", c.OffsetSeconds)
	}
	if off := second.srv.Clock().Offset(); off != 180*24*time.Hour {
		t.Errorf("server clock offset = %v, want 180 days", off)
	}
	second.sandbox(t, "DELETE", "/sandbox/v1/clock", "", nil)
	stop()

	third, _ := start(t, dir)
	if c := third.clock(t); c.OffsetSeconds != 0 {
		t.Errorf("offset after reset and restart = %d s, want 0", c.OffsetSeconds)
	}
}

type outboxEntry struct {
	ID                int64  `json:"id"`
	MaskedPhoneNumber string `json:"maskedPhoneNumber"`
	Text              string `json:"text"`
}

func TestOutboxShowsMaskedNumbersOnly(t *testing.T) {
	t.Parallel()
	in := setup(t)
	for _, phone := range []string{"090-1234-5678", "+66 81 234 5678"} {
		resp := in.call(t, "POST", "/api/v1/signup/code", "",
			`{"phoneNumber": "`+phone+`"}`)
		if resp.status != http.StatusOK {
			t.Fatalf("sign-up code for %s: %d %s", phone, resp.status, resp.body)
		}
	}

	tests := []struct {
		name   string
		query  string
		masked []string
	}{
		{name: "every number", query: "", masked: []string{"+66 *******78", "+81 ********78"}},
		{name: "one number", query: "?phoneNumber=%2B819012345678",
			masked: []string{"+81 ********78"}},
		{name: "national format", query: "?phoneNumber=090-1234-5678&country=JP",
			masked: []string{"+81 ********78"}},
		{name: "a number with none", query: "?phoneNumber=%2B819099999999"},
	}
	for _, tt := range tests {
		resp := in.call(t, "GET", "/sandbox/v1/sms"+tt.query, "Bearer "+token, "")
		if resp.status != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.name, resp.status, resp.body)
		}
		if bytes.Contains(resp.body, []byte("12345678")) {
			t.Errorf("%s: the body %s holds a full number", tt.name, resp.body)
		}

		var out struct {
			Messages []outboxEntry `json:"messages"`
		}
		resp.decode(t, &out)
		if len(out.Messages) != len(tt.masked) {
			t.Fatalf("%s: %d messages, want %d", tt.name, len(out.Messages), len(tt.masked))
		}
		for i, m := range out.Messages {
			if m.MaskedPhoneNumber != tt.masked[i] ||
				!regexp.MustCompile(`\b[0-9]{6}\b`).MatchString(m.Text) {
				t.Errorf("%s: message %+v, want %s and a code", tt.name, m, tt.masked[i])
			}
		}
	}

	resp := in.call(t, "GET", "/sandbox/v1/sms?phoneNumber=090", "Bearer "+token, "")
	if resp.status != http.StatusBadRequest {
		t.Errorf("a bad number: %d, want 400", resp.status)
	}
}

type credentials struct {
	ChannelID     string `json:"channelId"`
	ChannelSecret string `json:"channelSecret"`
	AccessToken   string `json:"accessToken"`
	BotUserID     string `json:"botUserId"`
}

func TestCreateChannel(t *testing.T) {
	t.Parallel()
	in := setup(t)

	tests := []struct {
		name   string
		body   string
		status int
		push   int // what a flexible push to nobody gets; 422 when 0
	}{
		{name: "no webhook", body: `{"name": "Shop"}`, status: 201},
		{name: "https webhook", body: `{"name": "Shop", "webhookUrl": "https://a.example/h"}`,
			status: 201},
		{name: "ftp webhook", body: `{"name": "Shop", "webhookUrl": "ftp://a.example/h"}`,
			status: 400},
		{name: "relative webhook", body: `{"name": "Shop", "webhookUrl": "/hook"}`,
			status: 400},
		{name: "webhook without host", body: `{"name": "Shop", "webhookUrl": "http://"}`,
			status: 400},
		{name: "webhook not a URL", body: `{"name": "Shop", "webhookUrl": "a b:c"}`,
			status: 400},
		{name: "no name", body: `{"name": "  "}`, status: 400},
		{name: "name too long", body: `{"name": "` + strings.Repeat("店", 21) + `"}`,
			status: 400},
		{name: "not JSON", body: `name=Shop`, status: 400},
		{name: "Thai, some templates", body: `{"name": "Shop", "country": "th", ` +
			`"templateKeys": ["bill_issued_th", "payment_due_th"]}`, status: 201},
		{name: "template notifications only", body: `{"name": "Shop", "flexible": false}`,
			status: 201, push: http.StatusForbidden},
		{name: "unknown country", body: `{"name": "Shop", "country": "XX"}`, status: 400},
		{name: "template of another country", body: `{"name": "Shop", ` +
			`"templateKeys": ["bill_issued_th"]}`, status: 400},
		{name: "unknown template", body: `{"name": "Shop", "templateKeys": ["reserve_004"]}`,
			status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			resp := in.call(t, "POST", "/sandbox/v1/channels", "Bearer "+token, tt.body)
			if resp.status != tt.status {
				t.Fatalf("%d %s, want %d", resp.status, resp.body, tt.status)
			}
			if tt.status != 201 {
				return
			}

			var c credentials
			resp.decode(t, &c)
			checkCredentials(t, c)
			want := cmp.Or(tt.push, http.StatusUnprocessableEntity)
			if status := push(t, in, c.AccessToken); status != want {
				t.Errorf("push with the new token to nobody: %d, want %d", status, want)
			}
		})
	}
}

func checkCredentials(t *testing.T, c credentials) {
	t.Helper()

	if !regexp.MustCompile(`^[1-9][0-9]{9}$`).MatchString(c.ChannelID) ||
		!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(c.ChannelSecret) ||
		!regexp.MustCompile(`^U[0-9a-f]{32}$`).MatchString(c.BotUserID) ||
		len(c.AccessToken) < 32 {
		t.Errorf("credentials = %+v, want LINE's shapes", c)
	}
}

// push sends a text to Aiko of the demo (or to nobody, without the demo)
// and returns the status.
func push(t *testing.T, in *instance, accessToken string) int {
	t.Helper()

	body := `{"to": "` + pnpd.HashPhone("+819011110001") +
		`", "messages": [{"type": "text", "text": "hi"}]}`

	return in.call(t, "POST", "/bot/pnp/push", "Bearer "+accessToken, body).status
}

func TestSeedDemoTwice(t *testing.T) {
	t.Parallel()
	in := setup(t)
	store, clock := in.srv.Store(), in.srv.Clock()

	first, err := sandbox.SeedDemo(t.Context(), store, clock)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sandbox.SeedDemo(t.Context(), store, clock)
	if err != nil {
		t.Fatal(err)
	}

	checkCredentials(t, credentials(second.Credentials))
	if !first.Created || second.Created {
		t.Errorf("Created = %v then %v, want true then false", first.Created, second.Created)
	}
	if second.Credentials.ChannelID != first.Credentials.ChannelID ||
		second.Credentials.ChannelSecret != first.Credentials.ChannelSecret ||
		second.Credentials.AccessToken == first.Credentials.AccessToken {
		t.Errorf("second seed = %+v, want the same channel and a new token", second.Credentials)
	}
	if status := push(t, in, second.Credentials.AccessToken); status != http.StatusOK {
		t.Errorf("push to Aiko with the new token: %d, want 200", status)
	}

	// The demo's 8 and the 7 magic numbers' that sandbox mode seeds.
	if n := countRows(t, in.dbPath, "recipient"); n != 8+7 {
		t.Errorf("%d recipients after two seeds, want 8+7", n)
	}
	if n := countRows(t, in.dbPath, "channel"); n != 1 {
		t.Errorf("%d channels after two seeds, want 1", n)
	}
}

func countRows(t *testing.T, path, table string) int {
	t.Helper()

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).
		Scan(&n); err != nil {
		t.Fatal(err)
	}

	return n
}

func TestDemoPrintListsCredentialsAndNumbers(t *testing.T) {
	t.Parallel()
	in := setup(t)
	demo, err := sandbox.SeedDemo(t.Context(), in.srv.Store(), in.srv.Clock())
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	demo.Print(&out, in.url)
	text := out.String()
	for _, want := range []string{in.url, demo.Credentials.ChannelID,
		demo.Credentials.AccessToken, demo.Credentials.ChannelSecret, "+819099999999"} {
		if !strings.Contains(text, want) {
			t.Errorf("Print lacks %q", want)
		}
	}
	for _, r := range demo.Recipients {
		if !strings.Contains(text, r.PhoneNumber) || !strings.Contains(text, r.Name) {
			t.Errorf("Print lacks recipient %s", r.Name)
		}
	}
}

// TestChannelStatistics checks that a day's deliveries are counted by kind
// and by aggregation unit, today's included, and that held notifications
// and other days are not.
func TestChannelStatistics(t *testing.T) {
	t.Parallel()
	in := setup(t)
	servertest.AwayFromMidnight(in.srv)

	demo, err := sandbox.SeedDemo(t.Context(), in.srv.Store(), in.srv.Clock())
	if err != nil {
		t.Fatal(err)
	}
	auth := "Bearer " + demo.Credentials.AccessToken
	sends := []struct{ path, to, body string }{
		{"/bot/pnp/push", "+819011110001", `"messages":[{"type":"text","text":"a"}],` +
			`"customAggregationUnits":["alerts"]`},
		{"/bot/pnp/push", "+66811110008", `"messages":[{"type":"text","text":"b"}]`},
		{"/v2/bot/message/pnp/templated/push", "+819011110001",
			`"templateKey":"payment_due_ja","customAggregationUnits":["alerts"]`},
		{"/v2/bot/message/pnp/templated/push", "+819011110002", // held for consent
			`"templateKey":"payment_due_ja","customAggregationUnits":["held"]`},
	}
	for _, s := range sends {
		body := `{"to":"` + pnpd.HashPhone(s.to) + `",` + s.body + `}`
		if r := in.call(t, "POST", s.path, auth, body); r.status >= 300 {
			t.Fatalf("send: %d %s", r.status, r.body)
		}
	}

	path := "/sandbox/v1/channels/" + demo.Credentials.ChannelID + "/statistics"
	today := in.srv.Clock().Now().In(pnpd.StatisticsZone).Format("20060102")
	want := `{"date":"` + today + `","flexible":2,"template":1,` +
		`"units":[{"name":"alerts","flexible":1,"template":1}]}`
	for _, query := range []string{"", "?date=" + today} {
		r := in.call(t, "GET", path+query, "Bearer "+token, "")
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != want {
			t.Errorf("statistics%s = %d %s, want %s", query, r.status, r.body, want)
		}
	}

	r := in.call(t, "GET", path+"?date=20250101", "Bearer "+token, "")
	if want := `{"date":"20250101","flexible":0,"template":0,"units":[]}`; strings.TrimSpace(
		string(r.body)) != want {
		t.Errorf("a day without deliveries: %s, want %s", r.body, want)
	}

	for _, bad := range []struct {
		path   string
		status int
		body   string
	}{
		{path + "?date=2025-01-01", http.StatusBadRequest,
			errorBody("invalid", "Give the date as yyyyMMdd.")},
		{"/sandbox/v1/channels/1999999999/statistics", http.StatusNotFound,
			errorBody("not_found", "No channel has this ID.")},
	} {
		r := in.call(t, "GET", bad.path, "Bearer "+token, "")
		wantError(t, bad.path, r, bad.status, bad.body)
	}
}
