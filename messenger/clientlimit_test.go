package messenger_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/messenger"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/sms"
	"github.com/pnpd/pnpd/sqlite"
)

// startLimited starts a sandbox server with the client limits, logging at
// debug level into logs.
func startLimited(t *testing.T, limits messenger.ClientLimits, logs io.Writer) *env {
	t.Helper()

	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	return startConfig(t, server.Config{Sandbox: true, SandboxToken: sandboxToken,
		DefaultCountry: "JP", Logger: log, ClientLimits: limits})
}

// checkRefused checks a 429 as the API answers it: Retry-After, and the
// error body saying in how many seconds.
func checkRefused(t *testing.T, what string, resp response) {
	t.Helper()

	if resp.status != http.StatusTooManyRequests {
		t.Fatalf("%s: %d %s, want 429", what, resp.status, resp.body)
	}

	e := resp.apiError(t)
	retry, err := strconv.Atoi(resp.header.Get("Retry-After"))
	switch {
	case err != nil || retry < 55 || retry > 60:
		t.Errorf("%s: Retry-After %q, want the minute a token takes", what,
			resp.header.Get("Retry-After"))
	case e.Error.Code != "rate_limited" || e.Error.Remaining != retry:
		t.Errorf("%s: error %+v, want rate_limited with %d seconds", what, e.Error, retry)
	case !strings.HasPrefix(e.Error.Message, "Too many tries from your network. Try again in "):
		t.Errorf("%s: message %q", what, e.Error.Message)
	}
}

// TestClientLimitOnCodeRequests: one address may ask for two codes at once
// and one a minute after; the third, to whichever endpoint, is refused and
// sends no SMS. Entering codes has a budget of its own.
func TestClientLimitOnCodeRequests(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	e := startLimited(t, messenger.ClientLimits{
		Codes: messenger.Rate{PerMinute: 1, Burst: 2},
		Tries: messenger.Rate{PerMinute: 1, Burst: 5},
	}, logs)
	p := e.person(t, "+819012345611")
	const third = "+819012345613"

	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": p.phone}, nil)
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": "+819012345612"},
		nil)
	checkRefused(t, "a third sign-up code",
		p.call("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": third}))
	checkRefused(t, "a log-in code",
		p.call("POST", "/api/v1/login/code", map[string]string{"phoneNumber": third}))
	if got := e.outbox(third); len(got) != 0 {
		t.Errorf("%d SMS sent to the number of a refused request, want none", len(got))
	}

	// The code that went out can still be entered.
	resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": p.phone,
		"code": e.code(p.phone), "displayName": "Aiko", "agreePrivacyPolicy": true})
	if resp.status != http.StatusCreated {
		t.Fatalf("sign up: %d %s, want 201", resp.status, resp.body)
	}

	for _, number := range []string{p.phone, "9012345611", "090-1234-5613", third} {
		if strings.Contains(logs.String(), number) {
			t.Errorf("the log holds the number %s", number)
		}
	}
}

// TestClientLimitOnCodesEntered: an address that has entered its budget of
// codes is refused before the code is checked, even a right one, and the
// refusal costs the number no try.
func TestClientLimitOnCodesEntered(t *testing.T) {
	t.Parallel()
	e := startLimited(t, messenger.ClientLimits{
		Tries: messenger.Rate{PerMinute: 1, Burst: 3},
	}, io.Discard)
	p := e.person(t, "+819012345621")
	p.signUp("Aiko", "en") // one code entered
	p.must("POST", "/api/v1/login/code", map[string]string{"phoneNumber": p.phone}, nil)
	code := e.code(p.phone)

	wrong := p.call("POST", "/api/v1/login", map[string]string{"phoneNumber": p.phone,
		"code": wrongCode(code)})
	if got := wrong.apiError(t); wrong.status != http.StatusBadRequest ||
		got.Error.Remaining != 4 {
		t.Fatalf("a wrong code: %d %s, want 400 with 4 tries left", wrong.status, wrong.body)
	}
	p.must("POST", "/api/v1/login", map[string]string{"phoneNumber": p.phone, "code": code},
		nil)

	checkRefused(t, "a fourth code", p.call("POST", "/api/v1/login",
		map[string]string{"phoneNumber": p.phone, "code": code}))
	checkRefused(t, "an SMS verification", p.call("POST", "/api/v1/verification",
		map[string]string{"code": code}))
}

// TestClientLimitPageInThePersonsLanguage: the log-in form over the limit
// answers 429 with Retry-After and says so in the browser's language.
func TestClientLimitPageInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	e := startLimited(t, messenger.ClientLimits{
		Codes: messenger.Rate{PerMinute: 1, Burst: 1},
	}, io.Discard)
	p := e.person(t, "+819012345631")
	p.signUp("Aiko", "en") // spends the one code request

	tests := []struct {
		lang string
		want string
	}{
		{"en-GB,en;q=0.9", "Too many tries from your network. Try again in "},
		{"ja-JP,ja;q=0.9", "このネットワークからの操作が多すぎます。"},
		{"th", "มีการลองจากเครือข่ายนี้มากเกินไป ลองอีกครั้งใน "},
		{"zh-TW", "來自您網路的嘗試次數過多，請於 "},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			resp := postForm(t, e.url+"/login", tt.lang,
				url.Values{"phoneNumber": {"090-1234-5631"}})

			if resp.status != http.StatusTooManyRequests {
				t.Fatalf("POST /login: %d, want 429", resp.status)
			}
			if retry, _ := strconv.Atoi(resp.header.Get("Retry-After")); retry < 1 ||
				retry > 60 {
				t.Errorf("Retry-After %q, want 1 to 60 seconds", resp.header.Get("Retry-After"))
			}
			if !strings.Contains(string(resp.body), tt.want) {
				t.Errorf("the page lacks %q:\n%s", tt.want, resp.body)
			}
		})
	}
	if got := e.outbox(p.phone); len(got) != 1 {
		t.Errorf("%d SMS in the outbox, want only the sign-up's", len(got))
	}
}

func postForm(t *testing.T, target, lang string, form url.Values) response {
	t.Helper()

	req, err := http.NewRequestWithContext(t.Context(), "POST", target,
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", lang)

	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)

	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// TestClientLimitOff: with no limits, one address asks for as many codes as
// the per-number limits allow.
func TestClientLimitOff(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, "+819012345641")

	for i := range 30 {
		resp := p.call("POST", "/api/v1/login/code",
			map[string]string{"phoneNumber": "+8190123457" + strconv.Itoa(10+i)})
		if resp.status != http.StatusNotFound {
			t.Fatalf("code request %d: %d %s, want 404 (no account)", i+1, resp.status,
				resp.body)
		}
	}
}

// limitedMux serves the recipient API in process, so that requests can come
// from any address; one code request per client, then none for a minute.
func limitedMux(t *testing.T) http.Handler {
	t.Helper()

	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "pnpd.db"),
		sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })

	clock, log := &pnpd.OffsetClock{}, slog.New(slog.DiscardHandler)
	api := &messenger.API{Store: db, Clock: clock, Log: log, DefaultCountry: "JP",
		SessionFor: time.Hour, Broker: messenger.NewBroker(),
		Receiving: &receiving.Service{Store: db, Rules: flow.DefaultRules(), Clock: clock,
			Log: log},
		Codes: &sms.Codes{Store: db, Clock: clock, Limits: sms.DefaultLimits(), Log: log,
			Sender: &sms.Outbox{Store: db, Clock: clock}},
		ClientLimits: messenger.ClientLimits{Codes: messenger.Rate{PerMinute: 1, Burst: 1}},
	}
	mux := http.NewServeMux()
	api.Register(mux)

	return mux
}

// TestClientLimitByAddress: IPv4 clients count apart; IPv6 clients count by
// their /64, as one home holds a whole /64; an IPv4-mapped IPv6 address is
// its IPv4 address.
func TestClientLimitByAddress(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name         string
		first, other string // the peers' addresses
		shared       bool   // whether other is refused after first
	}{
		{"two IPv4 addresses", "192.0.2.7:40001", "192.0.2.8:40001", false},
		{"one IPv4 address, two ports", "192.0.2.7:40001", "192.0.2.7:40002", true},
		{"one /64", "[2001:db8:1:2::1]:40001", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:40001",
			true},
		{"neighbouring /64s", "[2001:db8:1:2::1]:40001", "[2001:db8:1:3::1]:40001", false},
		{"IPv4-mapped", "[::ffff:192.0.2.7]:40001", "192.0.2.7:40002", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux := limitedMux(t)

			ask := func(peer string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", "/api/v1/login/code",
					strings.NewReader(`{"phoneNumber":"+819012345651"}`))
				req.RemoteAddr = peer
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)

				return rec
			}

			if got := ask(tt.first).Code; got != http.StatusNotFound {
				t.Fatalf("first request: %d, want 404 (no account)", got)
			}
			want := http.StatusNotFound
			if tt.shared {
				want = http.StatusTooManyRequests
			}
			if got := ask(tt.other).Code; got != want {
				t.Errorf("request from %s after %s: %d, want %d", tt.other, tt.first, got,
					want)
			}
		})
	}
}
