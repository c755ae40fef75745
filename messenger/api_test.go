package messenger_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

const sandboxToken = "x"

// env is one pnpd server in sandbox mode, in process, on loopback.
type env struct {
	t     *testing.T
	srv   *server.Server
	url   string
	token string // the sandbox API's
}

// setup starts a server with its own data folder, shut down when t ends.
func setup(t *testing.T) *env {
	t.Helper()

	return startServer(t, slog.New(slog.DiscardHandler), sandboxToken)
}

func startServer(t *testing.T, log *slog.Logger, token string) *env {
	t.Helper()

	return startConfig(t, server.Config{Sandbox: true, SandboxToken: token,
		DefaultCountry: "JP", Logger: log})
}

// startConfig starts a server with cfg on loopback, with its own data
// folder.
func startConfig(t *testing.T, cfg server.Config) *env {
	t.Helper()

	srv := servertest.Start(t, cfg)

	return &env{t: t, srv: srv, url: srv.URL(), token: cfg.SandboxToken}
}

// response is an answer with its body read.
type response struct {
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()

	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// apiError is the recipient API's error body.
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Field     string `json:"field"`
		Remaining int    `json:"remaining"`
	} `json:"error"`
}

func (r response) apiError(t *testing.T) apiError {
	t.Helper()

	var e apiError
	r.decode(t, &e)

	return e
}

// send sends in as JSON (nil for no body) with the extra headers.
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
	req.Header.Set("Content-Type", "application/json")
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

	return response{status: resp.StatusCode, header: resp.Header, cookies: resp.Cookies(),
		body: raw}
}

// sandbox calls the sandbox API and fails the test unless it succeeds.
func (e *env) sandbox(method, path string, in, out any) {
	e.t.Helper()

	resp := send(e.t, http.DefaultClient, method, e.url+path, in,
		map[string]string{"Authorization": "Bearer " + e.token})
	if resp.status >= 300 {
		e.t.Fatalf("sandbox %s %s: %d %s", method, path, resp.status, resp.body)
	}
	if out != nil {
		resp.decode(e.t, out)
	}
}

// outbox lists the texts sent to an E.164 number, newest first.
func (e *env) outbox(phone string) []string {
	e.t.Helper()

	var out struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	e.sandbox("GET", "/sandbox/v1/sms?phoneNumber="+strings.ReplaceAll(phone, "+", "%2B"),
		nil, &out)

	texts := make([]string, 0, len(out.Messages))
	for _, m := range out.Messages {
		texts = append(texts, m.Text)
	}

	return texts
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// code reads the newest code sent to an E.164 number.
func (e *env) code(phone string) string {
	e.t.Helper()

	texts := e.outbox(phone)
	if len(texts) == 0 {
		e.t.Fatal("no SMS in the outbox for the number")
	}

	code := sixDigits.FindString(texts[0])
	if code == "" {
		e.t.Fatalf("no code in the SMS %q", texts[0])
	}

	return code
}

func (e *env) advance(d time.Duration) {
	e.t.Helper()

	e.sandbox("POST", "/sandbox/v1/clock", map[string]any{"advanceSeconds": int64(d.Seconds())},
		nil)
}

// channel is a channel's credentials from the sandbox.
type channel struct {
	ChannelID     string `json:"channelId"`
	ChannelSecret string `json:"channelSecret"`
	AccessToken   string `json:"accessToken"`
}

func (e *env) channel(name, webhookURL string) channel {
	e.t.Helper()

	var c channel
	e.sandbox("POST", "/sandbox/v1/channels", map[string]any{"name": name,
		"webhookUrl": webhookURL}, &c)

	return c
}

// push sends a text notification to an E.164 number as the channel.
func (e *env) push(c channel, phone, text string) response {
	e.t.Helper()

	return send(e.t, http.DefaultClient, "POST", e.url+"/bot/pnp/push", map[string]any{
		"to":       pnpd.HashPhone(phone),
		"messages": []map[string]string{{"type": "text", "text": text}},
	}, map[string]string{"Authorization": "Bearer " + c.AccessToken})
}

func (e *env) mustPush(c channel, phone, text string) {
	e.t.Helper()

	if resp := e.push(c, phone, text); resp.status != http.StatusOK {
		e.t.Fatalf("push: %d %s", resp.status, resp.body)
	}
}

// person uses the recipient API from a browser of their own.
type person struct {
	t      *testing.T
	env    *env
	phone  string // E.164, where codes are read
	client *http.Client
}

func (e *env) person(t *testing.T, phone string) *person {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}

	return &person{t: t, env: e, phone: phone, client: &http.Client{Jar: jar}}
}

func (p *person) call(method, path string, in any) response {
	p.t.Helper()

	return send(p.t, p.client, method, p.env.url+path, in, nil)
}

// must calls and fails the test unless the call succeeds.
func (p *person) must(method, path string, in, out any) {
	p.t.Helper()

	resp := p.call(method, path, in)
	if resp.status >= 300 {
		p.t.Fatalf("%s %s: %d %s", method, path, resp.status, resp.body)
	}
	if out != nil {
		resp.decode(p.t, out)
	}
}

type profile struct {
	UserID                  string   `json:"userId"`
	DisplayName             string   `json:"displayName"`
	MaskedPhoneNumber       string   `json:"maskedPhoneNumber"`
	Language                string   `json:"language"`
	Consent                 string   `json:"consent"`
	PrivacyPolicyAgreed     bool     `json:"privacyPolicyAgreed"`
	SMSVerificationRequired bool     `json:"smsVerificationRequired"`
	BlockedChannels         []string `json:"blockedChannels"`
}

// signUp creates the person's account, privacy policy agreed, in language.
func (p *person) signUp(name, language string) response {
	p.t.Helper()

	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": p.phone}, nil)
	resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": p.phone,
		"code": p.env.code(p.phone), "displayName": name, "language": language,
		"agreePrivacyPolicy": true})
	if resp.status != http.StatusCreated {
		p.t.Fatalf("sign up: %d %s", resp.status, resp.body)
	}

	return resp
}

func (p *person) logIn() {
	p.t.Helper()

	p.must("POST", "/api/v1/login/code", map[string]string{"phoneNumber": p.phone}, nil)
	p.must("POST", "/api/v1/login", map[string]string{"phoneNumber": p.phone,
		"code": p.env.code(p.phone)}, nil)
}

func (p *person) me() profile {
	p.t.Helper()

	var me profile
	p.must("GET", "/api/v1/me", nil, &me)

	return me
}

type result struct {
	Delivered               int  `json:"delivered"`
	Dropped                 int  `json:"dropped"`
	SMSVerificationRequired bool `json:"smsVerificationRequired"`
}

func (p *person) consent(agree bool) result {
	p.t.Helper()

	var res result
	p.must("POST", "/api/v1/consent", map[string]bool{"agree": agree}, &res)

	return res
}

type bubble struct {
	ID     int64  `json:"id"`
	ChatID string `json:"chatId"`
	Type   string `json:"type"`
	Notice *struct {
		Kind        string `json:"kind"`
		ChannelID   string `json:"channelId"`
		ChannelName string `json:"channelName"`
		Text        string `json:"text"`
		Action      *struct {
			Label  string `json:"label"`
			Target string `json:"target"`
		} `json:"action"`
	} `json:"notice"`
	Message json.RawMessage `json:"message"`
	Label   string          `json:"label"`
}

type chatRow struct {
	ChatID string  `json:"chatId"`
	Name   string  `json:"name"`
	Unread int     `json:"unread"`
	Last   *bubble `json:"lastMessage"`
}

func (p *person) chats() []chatRow {
	p.t.Helper()

	var out struct {
		Chats []chatRow `json:"chats"`
	}
	p.must("GET", "/api/v1/chats", nil, &out)

	return out.Chats
}

func (p *person) messages(chatID string) []bubble {
	p.t.Helper()

	var out struct {
		Messages []bubble `json:"messages"`
	}
	p.must("GET", "/api/v1/chats/"+chatID+"/messages", nil, &out)

	return out.Messages
}

// notice finds the system account's newest notice of a kind.
func (p *person) notice(kind string) *bubble {
	p.t.Helper()

	msgs := p.messages(pnpd.SystemChatID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Notice != nil && msgs[i].Notice.Kind == kind {
			return &msgs[i]
		}
	}
	p.t.Fatalf("no %s notice in the system chat", kind)

	return nil
}

const (
	phoneA = "+819012345678"
	phoneB = "+819087654321"
	phoneC = "+819011112222"
)

func TestSignUpReadsNationalFormat(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)

	var issued map[string]any
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": "090-1234-5678"},
		&issued)
	if raw, _ := json.Marshal(issued); strings.Contains(string(raw), "12345678") {
		t.Errorf("code answer %s shows the phone number", raw)
	}

	resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": "090-1234-5678",
		"code": e.code(phoneA), "displayName": "  Aiko  ", "agreePrivacyPolicy": true})
	if resp.status != http.StatusCreated {
		t.Fatalf("sign up: %d %s", resp.status, resp.body)
	}

	me := p.me()
	if !regexp.MustCompile(`^\+81 \*+78$`).MatchString(me.MaskedPhoneNumber) {
		t.Errorf("maskedPhoneNumber = %q, want +81, stars, 78", me.MaskedPhoneNumber)
	}
	if me.Consent != "not_set" || me.SMSVerificationRequired || !me.PrivacyPolicyAgreed ||
		me.DisplayName != "Aiko" || me.Language != "en" {
		t.Errorf("new account = %+v, want Aiko, en, not_set, policy agreed, no SMS", me)
	}
	if !regexp.MustCompile(`^U[0-9a-f]{32}$`).MatchString(me.UserID) {
		t.Errorf("userId = %q", me.UserID)
	}

	// The account has the E.164 number: a log-in by it finds it.
	e.person(t, phoneA).logIn()
}

func TestCodeAnswerTellsWhenToResend(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)

	var issued struct {
		MaskedPhoneNumber string    `json:"maskedPhoneNumber"`
		ExpiresAt         time.Time `json:"expiresAt"`
		ResendAt          time.Time `json:"resendAt"`
	}
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": phoneA}, &issued)
	if issued.MaskedPhoneNumber != "+81 ********78" ||
		issued.ExpiresAt.Sub(issued.ResendAt) != 9*time.Minute {
		t.Errorf("code answer = %+v, want the masked number, resend in 1 min, expiry in 10",
			issued)
	}

	resp := p.call("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": phoneA})
	if r := resp.apiError(t).Error.Remaining; resp.status != http.StatusTooManyRequests ||
		r < 1 || r > 60 {
		t.Errorf("second code at once: %d %s, want 429 with the seconds to wait",
			resp.status, resp.body)
	}

	e.advance(61 * time.Second)
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": phoneA}, nil)
	if n := len(e.outbox(phoneA)); n != 2 {
		t.Errorf("%d SMS sent, want 2", n)
	}
}

func TestBadPhoneNumberIsRefusedWithoutRepeatingIt(t *testing.T) {
	t.Parallel()
	e := setup(t)

	tests := []struct {
		name  string
		input string
	}{
		{name: "too short", input: "090-8765-432"},
		{name: "too long", input: "090-8765-43210"},
		{name: "letters", input: "090-8765-432x"},
		{name: "calling code without plus", input: "819087654321"},
		{name: "unknown calling code", input: "+999 8765 4321"},
		{name: "empty", input: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := e.person(t, "")

			for _, path := range []string{"/api/v1/signup/code", "/api/v1/login/code"} {
				resp := p.call("POST", path, map[string]string{"phoneNumber": tt.input})
				if resp.status != http.StatusBadRequest {
					t.Fatalf("%s %q: %d %s, want 400", path, tt.input, resp.status, resp.body)
				}

				body := resp.apiError(t).Error
				if body.Field != "phoneNumber" || body.Code != "invalid" {
					t.Errorf("%s: error %+v, want invalid phoneNumber", path, body)
				}
				if strings.Contains(string(resp.body), "8765") {
					t.Errorf("%s: error %s repeats the number", path, resp.body)
				}
			}
		})
	}
}

func TestSignUpTwiceConflicts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.person(t, phoneA).signUp("Aiko", "")

	for _, input := range []string{phoneA, "090-1234-5678", "+81 90 1234 5678"} {
		resp := e.person(t, phoneA).call("POST", "/api/v1/signup/code",
			map[string]string{"phoneNumber": input})
		if resp.status != http.StatusConflict || resp.apiError(t).Error.Field != "phoneNumber" {
			t.Errorf("second sign-up as %q: %d %s, want 409", input, resp.status, resp.body)
		}
	}

	if n := len(e.outbox(phoneA)); n != 1 {
		t.Errorf("%d SMS sent, want only the first sign-up's", n)
	}
}

// TestSignUpRefusesUnprintableNames: a display name with a NUL or another
// control character is refused before the code is used, as the chats and
// every store must show the name as typed.
func TestSignUpRefusesUnprintableNames(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": phoneA}, nil)
	code := e.code(phoneA)

	for _, name := range []string{"Ta\x00ro", "Ai\u202eko", "\x1b[31mAiko"} {
		resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": phoneA,
			"code": code, "displayName": name, "agreePrivacyPolicy": true})
		if resp.status != http.StatusBadRequest ||
			resp.apiError(t).Error.Field != "displayName" {
			t.Errorf("sign up as %q: %d %s, want 400 on displayName", name, resp.status,
				resp.body)
		}
	}

	if resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": phoneA,
		"code": code, "displayName": "Aiko", "agreePrivacyPolicy": true}); resp.status != http.StatusCreated {
		t.Errorf("sign up with the same code and a good name: %d %s", resp.status, resp.body)
	}
}

func TestWrongSignUpCode(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": phoneA}, nil)
	code := e.code(phoneA)
	bad := "000000"
	if code == bad {
		bad = "111111"
	}

	for _, left := range []int{4, 3} {
		resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": phoneA,
			"code": bad, "displayName": "Aiko", "agreePrivacyPolicy": true})
		body := resp.apiError(t).Error
		if resp.status != http.StatusBadRequest || body.Field != "code" ||
			body.Remaining != left {
			t.Fatalf("wrong code: %d %s, want 400 code, remaining %d", resp.status,
				resp.body, left)
		}
	}

	if resp := p.call("GET", "/api/v1/me", nil); resp.status != http.StatusUnauthorized {
		t.Errorf("me after wrong codes: %d, want 401 (no session)", resp.status)
	}
	resp := p.call("POST", "/api/v1/login/code", map[string]string{"phoneNumber": phoneA})
	if resp.status != http.StatusNotFound {
		t.Errorf("log-in code after wrong sign-up codes: %d, want 404 (no account)", resp.status)
	}
}

func TestDisplayNameLength(t *testing.T) {
	t.Parallel()
	e := setup(t)

	tests := []struct {
		name    string
		phone   string
		display string
		status  int
	}{
		{name: "empty", phone: "+819010000001", display: "", status: 400},
		{name: "spaces only", phone: "+819010000002", display: "   ", status: 400},
		{name: "21 characters", phone: "+819010000003", display: strings.Repeat("あ", 21),
			status: 400},
		{name: "20 characters", phone: "+819010000004", display: strings.Repeat("あ", 20),
			status: 201},
		{name: "one character", phone: "+819010000005", display: "A", status: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := e.person(t, tt.phone)
			p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": tt.phone},
				nil)
			code := e.code(tt.phone)

			resp := p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": tt.phone,
				"code": code, "displayName": tt.display, "agreePrivacyPolicy": true})
			if resp.status != tt.status {
				t.Fatalf("display name %q: %d %s, want %d", tt.display, resp.status,
					resp.body, tt.status)
			}
			if tt.status != 400 {
				return
			}

			if f := resp.apiError(t).Error.Field; f != "displayName" {
				t.Errorf("field = %q, want displayName", f)
			}
			// A refused name does not spend the code.
			resp = p.call("POST", "/api/v1/signup", map[string]any{"phoneNumber": tt.phone,
				"code": code, "displayName": "Fixed", "agreePrivacyPolicy": true})
			if resp.status != http.StatusCreated {
				t.Errorf("sign-up with the same code and a good name: %d %s", resp.status,
					resp.body)
			}
		})
	}
}

func sessionCookie(t *testing.T, resp response) *http.Cookie {
	t.Helper()

	for _, c := range resp.cookies {
		if c.Name == "pnpd_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", resp.header.Values("Set-Cookie"))

	return nil
}

// TestSessionCookieBehindTLSProxy checks that a proxy that ends TLS and
// says so in X-Forwarded-Proto gets a Secure session cookie, and that plain
// HTTP does not (a browser would drop it).
func TestSessionCookieBehindTLSProxy(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)

	if c := sessionCookie(t, p.signUp("Aiko", "")); c.Secure {
		t.Errorf("session cookie over plain HTTP is Secure: %+v", c)
	}

	p.must("POST", "/api/v1/login/code", map[string]string{"phoneNumber": p.phone}, nil)
	resp := send(t, p.client, "POST", e.url+"/api/v1/login", map[string]string{
		"phoneNumber": p.phone, "code": e.code(p.phone)},
		map[string]string{"X-Forwarded-Proto": "https"})
	if c := sessionCookie(t, resp); !c.Secure {
		t.Errorf("session cookie behind a TLS proxy is not Secure: %+v", c)
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)

	c := sessionCookie(t, p.signUp("Aiko", ""))
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 ||
		len(c.Value) < 32 {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, a lifetime", c)
	}

	stranger := e.person(t, phoneB)
	if resp := stranger.call("GET", "/api/v1/me", nil); resp.status != http.StatusUnauthorized {
		t.Errorf("me without a cookie: %d, want 401", resp.status)
	}

	resp := p.call("POST", "/api/v1/logout", nil)
	if cleared := sessionCookie(t, resp); resp.status != http.StatusNoContent ||
		cleared.Value != "" || cleared.MaxAge >= 0 {
		t.Errorf("log-out: %d, cookie %+v; want 204 and the cookie cleared", resp.status,
			cleared)
	}
	if resp := p.call("GET", "/api/v1/me", nil); resp.status != http.StatusUnauthorized {
		t.Errorf("me after log-out: %d, want 401", resp.status)
	}

	old := send(t, http.DefaultClient, "GET", e.url+"/api/v1/me", nil,
		map[string]string{"Cookie": "pnpd_session=" + c.Value})
	if old.status != http.StatusUnauthorized {
		t.Errorf("me with the logged-out cookie: %d, want 401", old.status)
	}
}

func TestSessionEndsWithTheClock(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")

	e.advance(31 * 24 * time.Hour)
	if resp := p.call("GET", "/api/v1/me", nil); resp.status != http.StatusUnauthorized {
		t.Fatalf("me 31 days later: %d, want 401", resp.status)
	}

	p.logIn()
	p.me()
}

func TestLogIn(t *testing.T) {
	t.Parallel()
	e := setup(t)

	stranger := e.person(t, phoneB)
	resp := stranger.call("POST", "/api/v1/login/code", map[string]string{"phoneNumber": phoneB})
	if resp.status != http.StatusNotFound || resp.apiError(t).Error.Field != "phoneNumber" {
		t.Errorf("log-in code for an unknown number: %d %s, want 404", resp.status, resp.body)
	}
	if n := len(e.outbox(phoneB)); n != 0 {
		t.Errorf("%d SMS sent to an unknown number, want none", n)
	}

	signedUp := e.person(t, phoneA)
	signedUp.signUp("Aiko", "")
	e.advance(61 * time.Second)
	other := e.person(t, phoneA)
	other.logIn()

	if me := other.me(); me.UserID != signedUp.me().UserID {
		t.Errorf("logged in as %s, want the signed-up account", me.UserID)
	}

	chats := other.chats()
	if len(chats) != 1 || chats[0].ChatID != pnpd.SystemChatID || chats[0].Unread != 0 ||
		chats[0].Last != nil {
		t.Errorf("chats of a new account = %+v, want the empty system chat", chats)
	}
}

// crossSite are the headers a browser sends on a request another site made.
var crossSite = map[string]string{"Origin": "http://evil.example",
	"Sec-Fetch-Site": "cross-site"}

func TestCrossOriginChangesAreRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("Shop", "")
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")

	tests := []struct {
		name   string
		method string
		path   string
		body   any
	}{
		{name: "consent", method: "POST", path: "/api/v1/consent",
			body: map[string]bool{"agree": false}},
		{name: "block", method: "PUT", path: "/api/v1/channels/" + ch.ChannelID + "/block"},
		{name: "log-out", method: "POST", path: "/api/v1/logout"},
		{name: "phone number code", method: "POST", path: "/api/v1/phone-number/code",
			body: map[string]string{"phoneNumber": phoneB}},
		{name: "sign-up code", method: "POST", path: "/api/v1/signup/code",
			body: map[string]string{"phoneNumber": phoneC}},
	}
	for _, tt := range tests {
		resp := send(t, p.client, tt.method, e.url+tt.path, tt.body, crossSite)
		if resp.status != http.StatusForbidden {
			t.Errorf("%s from another site: %d %s, want 403", tt.name, resp.status, resp.body)
		}
	}

	me := p.me()
	if me.Consent != "not_set" || len(me.BlockedChannels) != 0 {
		t.Errorf("after refused requests: %+v, want nothing changed", me)
	}
	if n := len(e.outbox(phoneB)) + len(e.outbox(phoneC)); n != 0 {
		t.Errorf("refused requests sent %d SMS", n)
	}

	// A same-origin request still works.
	resp := send(t, p.client, "POST", e.url+"/api/v1/consent", map[string]bool{"agree": true},
		map[string]string{"Origin": e.url, "Sec-Fetch-Site": "same-origin"})
	if resp.status != http.StatusOK {
		t.Errorf("same-origin consent: %d %s", resp.status, resp.body)
	}
}

func TestConsent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")

	tests := []struct {
		name string
		body any
	}{
		{name: "no agree", body: map[string]any{}},
		{name: "agree not a bool", body: map[string]any{"agree": "yes"}},
		{name: "no body"},
	}
	for _, tt := range tests {
		resp := p.call("POST", "/api/v1/consent", tt.body)
		if resp.status != http.StatusBadRequest {
			t.Errorf("consent %s: %d %s, want 400", tt.name, resp.status, resp.body)
		}
	}
	if c := p.me().Consent; c != "not_set" {
		t.Fatalf("consent after bad requests = %q, want not_set", c)
	}

	p.consent(true)
	if c := p.me().Consent; c != "agreed" {
		t.Errorf("consent = %q, want agreed", c)
	}
	p.consent(false)
	if c := p.me().Consent; c != "rejected" {
		t.Errorf("consent = %q, want rejected", c)
	}
}

func TestBlockChannel(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("Shop", "")
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")
	p.consent(true)

	for _, method := range []string{"PUT", "DELETE"} {
		resp := p.call(method, "/api/v1/channels/1999999999/block", nil)
		if resp.status != http.StatusNotFound {
			t.Errorf("%s block of an unknown channel: %d %s, want 404", method, resp.status,
				resp.body)
		}
	}

	p.must("PUT", "/api/v1/channels/"+ch.ChannelID+"/block", nil, nil)
	if b := p.me().BlockedChannels; len(b) != 1 || b[0] != ch.ChannelID {
		t.Fatalf("blockedChannels = %v, want [%s]", b, ch.ChannelID)
	}

	// A blocked channel's notification is accepted and never shown.
	e.mustPush(ch, phoneA, "hello")
	if chats := p.chats(); len(chats) != 1 || chats[0].ChatID != pnpd.SystemChatID ||
		chats[0].Last != nil {
		t.Errorf("chats after a blocked push = %+v, want only the empty system chat", chats)
	}

	p.must("DELETE", "/api/v1/channels/"+ch.ChannelID+"/block", nil, nil)
	if b := p.me().BlockedChannels; len(b) != 0 {
		t.Errorf("blockedChannels after unblock = %v, want none", b)
	}
}

func TestChangePhoneNumber(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.person(t, phoneA)
	a.signUp("Aiko", "")
	e.person(t, phoneB).signUp("Botan", "")

	tests := []struct {
		name   string
		phone  string
		status int
	}{
		{name: "another account's", phone: phoneB, status: http.StatusConflict},
		{name: "own", phone: "090-1234-5678", status: http.StatusBadRequest},
		{name: "bad", phone: "090", status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		resp := a.call("POST", "/api/v1/phone-number/code",
			map[string]string{"phoneNumber": tt.phone})
		if resp.status != tt.status || resp.apiError(t).Error.Field != "phoneNumber" {
			t.Errorf("code for %s number: %d %s, want %d", tt.name, resp.status, resp.body,
				tt.status)
		}
	}

	a.must("POST", "/api/v1/phone-number/code", map[string]string{"phoneNumber": "090-1111-2222"},
		nil)
	if n := len(e.outbox(phoneA)); n != 1 {
		t.Errorf("the old number got %d SMS, want only the sign-up's", n)
	}
	a.must("POST", "/api/v1/phone-number", map[string]string{"phoneNumber": "090-1111-2222",
		"code": e.code(phoneC)}, nil)

	if m := a.me().MaskedPhoneNumber; !regexp.MustCompile(`^\+81 \*+22$`).MatchString(m) {
		t.Errorf("maskedPhoneNumber = %q, want the new number's", m)
	}
	a.notice("number_changed")

	old := e.person(t, phoneA)
	resp := old.call("POST", "/api/v1/login/code", map[string]string{"phoneNumber": phoneA})
	if resp.status != http.StatusNotFound {
		t.Errorf("log-in code for the old number: %d, want 404", resp.status)
	}
	e.person(t, phoneC).logIn()
}

func TestChangeNumberCodeBelongsToItsAccount(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.person(t, phoneA)
	a.signUp("Aiko", "")
	b := e.person(t, phoneB)
	b.signUp("Botan", "")

	a.must("POST", "/api/v1/phone-number/code", map[string]string{"phoneNumber": phoneC}, nil)
	code := e.code(phoneC)

	resp := b.call("POST", "/api/v1/phone-number", map[string]string{"phoneNumber": phoneC,
		"code": code})
	if resp.status != http.StatusBadRequest {
		t.Fatalf("B uses A's code: %d %s, want 400", resp.status, resp.body)
	}
	if m := b.me().MaskedPhoneNumber; !strings.HasSuffix(m, "21") {
		t.Errorf("B's number = %q, want unchanged", m)
	}

	a.must("POST", "/api/v1/phone-number", map[string]string{"phoneNumber": phoneC,
		"code": code}, nil)
	if m := a.me().MaskedPhoneNumber; !strings.HasSuffix(m, "22") {
		t.Errorf("A's number = %q, want the new one", m)
	}
}

func TestDeliveredNotificationInChats(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("Demo Shop", "")
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")
	p.consent(true)

	e.mustPush(ch, phoneA, "Your parcel ships today")

	chats := p.chats()
	if len(chats) != 2 || chats[0].ChatID != ch.ChannelID || chats[1].ChatID != "system" {
		t.Fatalf("chats = %+v, want the channel's, then the system's", chats)
	}
	first := chats[0]
	if first.Name != "Demo Shop" || first.Unread != 1 || first.Last == nil ||
		first.Last.Type != "message" || first.Last.Label != "Important notification" ||
		!strings.Contains(string(first.Last.Message), "Your parcel ships today") {
		t.Errorf("channel chat = %+v, want Demo Shop, 1 unread, the labelled message", first)
	}
	if n := chats[1].Last.Notice; n == nil || n.Kind != "received" ||
		!strings.Contains(n.Text, "Demo Shop") {
		t.Errorf("system chat's last = %+v, want the received notice", chats[1].Last)
	}

	msgs := p.messages(ch.ChannelID)
	if len(msgs) != 1 {
		t.Fatalf("channel chat has %d messages, want 1", len(msgs))
	}
	p.must("POST", "/api/v1/chats/"+ch.ChannelID+"/read", map[string]int64{"upTo": msgs[0].ID},
		nil)

	if chats := p.chats(); chats[0].Unread != 0 || chats[1].Unread != 1 {
		t.Errorf("after reading the channel chat: %+v, want it 0, system 1", chats)
	}
}

func TestNoticesCarryTheSetButton(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("Demo Shop", "")
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")

	// 181 days on the account needs an SMS verification again.
	e.advance(181 * 24 * time.Hour)
	p.logIn()
	if !p.me().SMSVerificationRequired {
		t.Fatal("smsVerificationRequired is false after 181 days")
	}

	e.mustPush(ch, phoneA, "hello")
	n := p.notice("consent_request").Notice
	if n.Action == nil || n.Action.Target != "consent" || n.Action.Label != "Set" {
		t.Errorf("consent request action = %+v, want Set → consent", n.Action)
	}
	if pending := p.notice("pending").Notice; pending.Action != nil {
		t.Errorf("pending notice has action %+v, want none", pending.Action)
	}

	if res := p.consent(true); !res.SMSVerificationRequired || res.Delivered != 0 {
		t.Fatalf("agree = %+v, want held for SMS", res)
	}
	n = p.notice("sms_request").Notice
	if n.Action == nil || n.Action.Target != "verification" {
		t.Errorf("SMS request action = %+v, want → verification", n.Action)
	}

	p.must("POST", "/api/v1/verification/code", nil, nil)
	var res result
	p.must("POST", "/api/v1/verification", map[string]string{"code": e.code(phoneA)}, &res)
	if res.Delivered != 1 || p.me().SMSVerificationRequired {
		t.Errorf("verify = %+v, want 1 delivered and no SMS needed", res)
	}
}

func TestJapaneseNotices(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("デモ商店", "")
	p := e.person(t, phoneA)
	p.signUp("愛子", "ja")
	if l := p.me().Language; l != "ja" {
		t.Fatalf("language = %q, want ja", l)
	}

	e.mustPush(ch, phoneA, "こんにちは")
	pending := p.notice("pending").Notice
	if !strings.Contains(pending.Text, "デモ商店からの通知メッセージがあります") {
		t.Errorf("pending notice = %q, want Japanese with the channel name", pending.Text)
	}
	if a := p.notice("consent_request").Notice.Action; a == nil || a.Label != "設定する" {
		t.Errorf("consent request action = %+v, want 設定する", a)
	}

	if res := p.consent(true); res.Delivered != 1 {
		t.Fatalf("agree = %+v, want 1 delivered", res)
	}
	if got := p.notice("received").Notice.Text; !strings.Contains(got, "受信しました") {
		t.Errorf("received notice = %q, want Japanese", got)
	}
	if msgs := p.messages(ch.ChannelID); len(msgs) != 1 || msgs[0].Label != "重要なお知らせ" {
		t.Errorf("channel messages = %+v, want one labelled 重要なお知らせ", msgs)
	}
}

func TestMarkReadNeedsAMessageOfTheChat(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("Shop", "")
	p := e.person(t, phoneA)
	p.signUp("Aiko", "")
	p.consent(true)
	e.mustPush(ch, phoneA, "first")
	msg := p.messages(ch.ChannelID)[0].ID
	notice := p.notice("received").ID

	tests := []struct {
		name string
		upTo any
	}{
		{name: "past the newest", upTo: msg + 1000},
		{name: "another chat's message", upTo: notice},
		{name: "zero", upTo: 0},
		{name: "not a number", upTo: "x"},
	}
	for _, tt := range tests {
		resp := p.call("POST", "/api/v1/chats/"+ch.ChannelID+"/read",
			map[string]any{"upTo": tt.upTo})
		if resp.status != http.StatusBadRequest {
			t.Errorf("read up to %s: %d %s, want 400", tt.name, resp.status, resp.body)
		}
	}

	p.must("POST", "/api/v1/chats/"+ch.ChannelID+"/read", map[string]int64{"upTo": msg}, nil)
	e.mustPush(ch, phoneA, "second")
	if chats := p.chats(); chats[0].ChatID != ch.ChannelID || chats[0].Unread != 1 {
		t.Errorf("chats after a read and a new message = %+v, want 1 unread", chats)
	}
}

func TestPrivacyPolicy(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ch := e.channel("Shop", "")
	p := e.person(t, phoneA)
	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": phoneA}, nil)
	p.must("POST", "/api/v1/signup", map[string]any{"phoneNumber": phoneA,
		"code": e.code(phoneA), "displayName": "Aiko"}, nil)
	p.consent(true)

	if me := p.me(); me.PrivacyPolicyAgreed {
		t.Fatal("privacy policy agreed without agreeing")
	}
	if resp := e.push(ch, phoneA, "hello"); resp.status != http.StatusUnprocessableEntity {
		t.Fatalf("push before the privacy policy: %d, want 422", resp.status)
	}

	p.must("POST", "/api/v1/privacy-policy", nil, nil)
	if !p.me().PrivacyPolicyAgreed {
		t.Fatal("privacy policy not agreed after agreeing")
	}
	e.mustPush(ch, phoneA, "hello")
}

// TestUnroutedAPIPaths: a path under /api/ that no route takes gets the
// API's error body: 404 for an unknown path (a chat ID of "/" included),
// 405 with Allow for a known path and another method.
func TestUnroutedAPIPaths(t *testing.T) {
	t.Parallel()

	e := setup(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/v1/nothing-here", http.StatusNotFound, "not_found", ""},
		{"POST", "/api/v1/chats/%2F/read", http.StatusNotFound, "not_found", ""},
		{"GET", "/api/v1/login", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"POST", "/api/v1/channels/1650000000/block", http.StatusMethodNotAllowed,
			"method_not_allowed", "PUT, DELETE"},
	} {
		req, err := http.NewRequest(tc.method, e.url+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || err != nil || body.Error.Code != tc.code ||
			body.Error.Message == "" || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q, body %+v (%v); want %d, Allow %q, code %q",
				tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), body, err,
				tc.status, tc.allow, tc.code)
		}
	}
}
