package messenger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// apiRoutes are the recipient API's endpoints; {id} is a chat or channel ID.
var apiRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/signup/code"},
	{"POST", "/api/v1/signup"},
	{"POST", "/api/v1/login/code"},
	{"POST", "/api/v1/login"},
	{"POST", "/api/v1/logout"},
	{"GET", "/api/v1/me"},
	{"POST", "/api/v1/privacy-policy"},
	{"POST", "/api/v1/consent"},
	{"POST", "/api/v1/verification/code"},
	{"POST", "/api/v1/verification"},
	{"POST", "/api/v1/phone-number/code"},
	{"POST", "/api/v1/phone-number"},
	{"GET", "/api/v1/chats"},
	{"GET", "/api/v1/chats/{id}/messages"},
	{"POST", "/api/v1/chats/{id}/read"},
	{"PUT", "/api/v1/channels/{id}/block"},
	{"DELETE", "/api/v1/channels/{id}/block"},
}

// route returns the index of a route in apiRoutes, for seeds.
func route(method, path string) uint8 {
	for i, r := range apiRoutes {
		if r.method == method && r.path == path {
			return uint8(i)
		}
	}
	panic("no route " + method + " " + path)
}

// Placeholders in fuzzed input that stand for values new in every run, so
// that seeds and the fuzzer reach the paths behind them: the demo
// channel's ID and the newest SMS code sent.
const (
	channelPlaceholder = "{channel}"
	codePlaceholder    = "{code}"
)

// fuzzEnv is one server for a whole fuzz run, with a signed-in demo
// recipient, Aiko, who has notifications from the demo channel.
type fuzzEnv struct {
	url     string
	store   pnpd.Store
	clock   pnpd.Clock
	channel string // the demo channel's ID
	aiko    string // Aiko's recipient ID
	session string // Aiko's session token
}

func setupFuzz(f *testing.F) *fuzzEnv {
	f.Helper()

	ctx := context.Background()
	srv := servertest.Start(f, server.Config{Sandbox: true, SandboxToken: sandboxToken,
		DefaultCountry: "JP"})

	demo, err := sandbox.SeedDemo(ctx, srv.Store(), srv.Clock())
	if err != nil {
		f.Fatalf("seed demo: %v", err)
	}
	aiko, err := srv.Store().RecipientByPhoneHash(ctx, pnpd.HashPhone("+819011110001"))
	if err != nil {
		f.Fatalf("find Aiko: %v", err)
	}

	e := &fuzzEnv{url: srv.URL(), store: srv.Store(), clock: srv.Clock(),
		channel: demo.Credentials.ChannelID, aiko: aiko.ID, session: pnpd.RandomHex(32)}
	e.pushToAiko(f, demo.Credentials.AccessToken)
	e.signIn(f)

	return e
}

// pushToAiko gives Aiko's demo channel chat two messages to read.
func (e *fuzzEnv) pushToAiko(f *testing.F, token string) {
	f.Helper()

	body := `{"to":"` + pnpd.HashPhone("+819011110001") +
		`","messages":[{"type":"text","text":"Your parcel is on its way"}]}`
	for range 2 {
		req, err := http.NewRequest("POST", e.url+"/bot/pnp/push", strings.NewReader(body))
		if err != nil {
			f.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if status, _, got := do(f, req); status != http.StatusOK {
			f.Fatalf("push: %d %s", status, got)
		}
	}
}

// signIn gives Aiko a session with the env's token, straight in the store:
// a log-out during the run ends it, and SMS limits would soon stop a log-in
// by code.
func (e *fuzzEnv) signIn(tb testing.TB) {
	tb.Helper()

	now := e.clock.Now()
	err := e.store.CreateSession(context.Background(), &pnpd.Session{
		Hash: pnpd.HashToken(e.session), RecipientID: e.aiko, CreatedAt: now,
		ExpiresAt: now.Add(24 * time.Hour)})
	if err != nil {
		tb.Fatalf("create session: %v", err)
	}
}

// newestCode is the code of the newest SMS sent, "" if there is none.
func (e *fuzzEnv) newestCode(tb testing.TB) string {
	tb.Helper()

	msgs, err := e.store.Outbox(context.Background(), "", 1)
	if err != nil {
		tb.Fatalf("outbox: %v", err)
	}
	if len(msgs) == 0 {
		return ""
	}

	return sixDigits.FindString(msgs[0].Text)
}

// FuzzRecipientAPI sends fuzzed bodies, path IDs and "after" queries to
// every endpoint of the recipient API, signed in as Aiko or not. Each answer
// must be a success with a JSON body (none for a 204) or the API's own
// error body with the status its code maps to; never a 5xx.
func FuzzRecipientAPI(f *testing.F) {
	e := setupFuzz(f)
	for _, s := range []struct {
		method, path, id, after, body string
		signedIn                      bool
	}{
		{"POST", "/api/v1/signup/code", "", "", `{"phoneNumber":"090-2222-3333"}`, false},
		{"POST", "/api/v1/signup", "", "", `{"phoneNumber":"090-2222-3333","code":"{code}",` +
			`"displayName":"Kenji","language":"ja","agreePrivacyPolicy":true}`, false},
		{"POST", "/api/v1/login/code", "", "", `{"phoneNumber":"+66 81 111 0008"}`, false},
		{"POST", "/api/v1/login", "", "", `{"phoneNumber":"0811110008","country":"th",` +
			`"code":"{code}"}`, false},
		{"POST", "/api/v1/logout", "", "", ``, true},
		{"GET", "/api/v1/me", "", "", ``, true},
		{"POST", "/api/v1/privacy-policy", "", "", `{}`, true},
		{"POST", "/api/v1/consent", "", "", `{"agree":true}`, true},
		{"POST", "/api/v1/consent", "", "", `{"agree":null}`, true},
		{"POST", "/api/v1/verification/code", "", "", ``, true},
		{"POST", "/api/v1/verification", "", "", `{"code":"{code}"}`, true},
		{"POST", "/api/v1/phone-number/code", "", "", `{"phoneNumber":"090-4444-5555"}`, true},
		{"POST", "/api/v1/phone-number", "", "", `{"phoneNumber":"+819044445555",` +
			`"code":"{code}"}`, true},
		{"GET", "/api/v1/chats", "", "", ``, true},
		{"GET", "/api/v1/chats/{id}/messages", "{channel}", "1", ``, true},
		{"GET", "/api/v1/chats/{id}/messages", "system", "-9223372036854775808", ``, true},
		{"POST", "/api/v1/chats/{id}/read", "{channel}", "", `{"upTo":2}`, true},
		{"POST", "/api/v1/chats/{id}/read", "{channel}", "", `{"upTo":-9223372036854775808}`,
			true},
		{"PUT", "/api/v1/channels/{id}/block", "{channel}", "", ``, true},
		{"DELETE", "/api/v1/channels/{id}/block", "{channel}", "", ``, true},
		{"PUT", "/api/v1/channels/{id}/block", "1234567890", "", ``, false},
		{"POST", "/api/v1/signup", "", "", `{"phoneNumber":1}`, false},
		{"POST", "/api/v1/consent", "", "", `[`, true},
	} {
		f.Add(route(s.method, s.path), s.id, s.after, []byte(s.body), s.signedIn)
	}

	f.Fuzz(func(t *testing.T, r uint8, id, after string, body []byte, signedIn bool) {
		rt := apiRoutes[int(r)%len(apiRoutes)]
		id = strings.ReplaceAll(id, channelPlaceholder, e.channel)
		// An empty ID would make a path the mux redirects to a cleaned one,
		// away from the endpoint.
		if strings.Contains(rt.path, "{id}") && id == "" {
			t.Skip()
		}

		path := strings.ReplaceAll(rt.path, "{id}", pathSegment(id))
		body = bytes.ReplaceAll(body, []byte(codePlaceholder), []byte(e.newestCodeIf(t, body)))
		req, err := http.NewRequest(rt.method,
			e.url+path+"?"+url.Values{"after": {after}}.Encode(), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if signedIn {
			req.AddCookie(&http.Cookie{Name: "pnpd_session", Value: e.session})
		}

		status, header, got := do(t, req)
		checkAPIAnswer(t, rt.method+" "+path, status, header, got)
		if signedIn && rt.path == "/api/v1/logout" {
			e.signIn(t)
		}
	})
}

// pathSegment escapes an ID for a path, its dots too, so that "." and ".."
// reach the endpoint as IDs rather than move the path.
func pathSegment(id string) string {
	return strings.ReplaceAll(url.PathEscape(id), ".", "%2E")
}

// newestCodeIf is the newest SMS code if body asks for it.
func (e *fuzzEnv) newestCodeIf(tb testing.TB, body []byte) string {
	if !bytes.Contains(body, []byte(codePlaceholder)) {
		return ""
	}

	return e.newestCode(tb)
}

// statusOfCode is the status the API must give each error code.
var statusOfCode = map[string]int{
	"invalid":      http.StatusBadRequest,
	"unauthorized": http.StatusUnauthorized,
	"forbidden":    http.StatusForbidden,
	"not_found":    http.StatusNotFound,
	"conflict":     http.StatusConflict,
	"rate_limited": http.StatusTooManyRequests,
}

// checkAPIAnswer checks that an answer of the recipient API is a success
// or the API's error body with the status of its code.
func checkAPIAnswer(t *testing.T, call string, status int, header http.Header, body []byte) {
	t.Helper()

	switch {
	case status == http.StatusNoContent:
		if len(body) != 0 {
			t.Errorf("%s: 204 with a body %q", call, body)
		}
	case status == http.StatusOK || status == http.StatusCreated:
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s: %d with a body that is not a JSON object: %q", call, status, body)
		}
	case status >= 400 && status < 500:
		checkAPIError(t, call, status, header, body)
	default:
		t.Errorf("%s: status %d %q, want a success or a 4xx", call, status, body)
	}
}

// checkAPIError checks an error answer: JSON, the error object alone with
// a known code, a message and the status the code maps to.
func checkAPIError(t *testing.T, call string, status int, header http.Header, body []byte) {
	t.Helper()

	var e struct {
		Error *struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			Field     string `json:"field"`
			Remaining int    `json:"remaining"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&e)
	switch {
	case header.Get("Content-Type") != "application/json":
		t.Errorf("%s: %d with Content-Type %q", call, status, header.Get("Content-Type"))
	case err != nil || e.Error == nil || e.Error.Message == "":
		t.Errorf("%s: %d %q is not the API's error body (%v)", call, status, body, err)
	case statusOfCode[e.Error.Code] != status:
		t.Errorf("%s: %d with code %q", call, status, e.Error.Code)
	}
}

// do sends a request and reads the whole answer.
func do(tb testing.TB, req *http.Request) (int, http.Header, []byte) {
	tb.Helper()

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read answer: %v", req.Method, req.URL.Path, err)
	}

	return resp.StatusCode, resp.Header, body
}
