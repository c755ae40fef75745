package messenger_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd/messenger"
	"github.com/pnpd/pnpd/server"
)

// page fetches a page as the person's browser would, without following
// redirects, and returns the status, the Location and the HTML.
func (p *person) page(method, path string, form url.Values) (int, string, string) {
	p.t.Helper()

	return p.pageAt(p.env.url, method, path, form)
}

// pageAt fetches a page as page does, from the server at base.
func (p *person) pageAt(base, method, path string, form url.Values) (int, string, string) {
	p.t.Helper()

	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}

	c := *p.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	html, _ := io.ReadAll(resp.Body)

	return resp.StatusCode, resp.Header.Get("Location"), string(html)
}

func TestPagesNeedALogIn(t *testing.T) {
	t.Parallel()

	e := setup(t)
	anon := e.person(t, "+819012345601")
	for _, path := range []string{"/chats", "/chats/system", "/consent", "/verify", "/settings",
		"/settings/phone"} {
		if status, loc, _ := anon.page("GET", path, nil); status != 303 || loc != "/login" {
			t.Errorf("GET %s logged out: %d to %q, want 303 to /login", path, status, loc)
		}
	}

	status, _, html := anon.page("GET", "/signup", nil)
	if status != 200 || !strings.Contains(html, `id="privacy"`) {
		t.Errorf("GET /signup: %d, want the sign-up form", status)
	}
}

func TestPagesOfTheFlow(t *testing.T) {
	t.Parallel()

	e := setup(t)
	ch := e.channel("Parcel Co", "")
	p := e.person(t, "+819012345602")
	p.signUp("Aiko", "en")
	e.mustPush(ch, p.phone, "Your parcel <script>alert(1)</script> ships")

	_, _, html := p.page("GET", "/chats/system", nil)
	for _, want := range []string{`data-kind="pending"`, `data-kind="consent_request"`,
		`class="set-button" href="/consent"`} {
		if !strings.Contains(html, want) {
			t.Errorf("system chat lacks %s", want)
		}
	}

	status, loc, _ := p.page("POST", "/consent", url.Values{"agree": {"true"}})
	if status != 303 || loc != "/chats/system?done=agreed" {
		t.Fatalf("agree: %d to %q, want 303 to /chats/system?done=agreed", status, loc)
	}

	_, _, html = p.page("GET", "/chats/"+ch.ChannelID, nil)
	if !strings.Contains(html, "Important notification") ||
		!strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") ||
		strings.Contains(html, "<script>alert") {
		t.Errorf("channel chat does not show the message, escaped, with its label:\n%s", html)
	}

	_, _, list := p.page("GET", "/chats", nil)
	if !strings.Contains(list, `data-chat-id="`+ch.ChannelID+`"`) {
		t.Errorf("chat list lacks the channel's chat")
	}
}

func TestCrossSiteFormPostsAreRefused(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345603")
	p.signUp("Aiko", "en")

	req, err := http.NewRequest("POST", e.url+"/consent",
		strings.NewReader(url.Values{"agree": {"false"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusForbidden || p.me().Consent != "not_set" {
		t.Errorf("cross-site POST: %d, consent %q; want 403 and not_set",
			resp.StatusCode, p.me().Consent)
	}
}

// TestLiveUpdates: an open page learns of a new notification over
// server-sent events, without asking.
func TestLiveUpdates(t *testing.T) {
	t.Parallel()

	e := setup(t)
	ch := e.channel("Parcel Co", "")
	p := e.person(t, "+819012345604")
	p.signUp("Aiko", "en")

	events := openEvents(t, e, p)
	time.Sleep(100 * time.Millisecond) // the stream is open once headers arrived
	e.mustPush(ch, p.phone, "hello")
	wantChanged(t, events)
}

// openEvents opens a person's live-update stream for 10 s and hands on the
// names of its events; the channel closes when the stream ends.
func openEvents(t *testing.T, e *env, p *person) <-chan string {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}

	events := make(chan string, 4)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				events <- strings.TrimPrefix(sc.Text(), "event: ")
			}
		}
	}()

	return events
}

// wantChanged waits for a "changed" event.
func wantChanged(t *testing.T, events <-chan string) {
	t.Helper()

	select {
	case ev, open := <-events:
		if !open {
			t.Fatal("the stream ended before its event")
		}
		if ev != "changed" {
			t.Errorf("event %q, want changed", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s of a push")
	}
}

// TestLiveUpdatesOutliveServerTimeouts: the stream stays open, and still
// carries events, past the server's read and write timeouts, which end any
// other request that takes that long.
func TestLiveUpdatesOutliveServerTimeouts(t *testing.T) {
	t.Parallel()

	e := startConfig(t, server.Config{Sandbox: true, SandboxToken: sandboxToken,
		DefaultCountry: "JP", Logger: slog.New(slog.DiscardHandler),
		ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	ch := e.channel("Parcel Co", "")
	p := e.person(t, "+819012345605")
	p.signUp("Aiko", "en")

	events := openEvents(t, e, p)
	time.Sleep(time.Second) // past both timeouts, three times over
	e.mustPush(ch, p.phone, "hello")
	wantChanged(t, events)
}

func TestLanguageSetting(t *testing.T) {
	t.Parallel()

	e := setup(t)
	ch := e.channel("Parcel Co", "")
	p := e.person(t, "+819012345605")
	p.signUp("Aiko", "en")
	p.consent(true)
	e.mustPush(ch, p.phone, "hello")

	status, loc, _ := p.page("POST", "/settings/language", url.Values{"language": {"ja"}})
	if status != 303 || loc != "/settings?done=saved" {
		t.Fatalf("set language: %d to %q", status, loc)
	}

	_, _, html := p.page("GET", "/chats/"+ch.ChannelID, nil)
	if !strings.Contains(html, "重要なお知らせ") || !strings.Contains(html, `lang="ja"`) {
		t.Errorf("the chat is not in Japanese after choosing it")
	}
}

func TestSMSPageShowsMaskedNumbers(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345606")
	p.signUp("Aiko", "en")

	_, _, html := p.page("GET", "/sms", nil)
	if !strings.Contains(html, "81 ********06") || strings.Contains(html, "9012345606") {
		t.Errorf("the phone page must show the number masked:\n%s", html)
	}
}

// TestCatalogues: every language has every English text, with the same
// number of blanks to fill.
func TestCatalogues(t *testing.T) {
	t.Parallel()

	for _, l := range messenger.Languages {
		for _, key := range messenger.CatalogueKeys() {
			en, got := messenger.T("en", key), messenger.T(l.Code, key)
			if got == key {
				t.Errorf("%s lacks %s", l.Code, key)
			}
			if strings.Count(en, "%s") != strings.Count(got, "%s") {
				t.Errorf("%s %s has %d blanks, English %d", l.Code, key,
					strings.Count(got, "%s"), strings.Count(en, "%s"))
			}
			if l.Code != "en" && got == en && strings.Contains(key, ".") &&
				strings.HasPrefix(key, "consent.") {
				t.Errorf("%s %s is not translated", l.Code, key)
			}
		}
	}
}

// TestErrorsInThePersonsLanguage: a wrong code on a Japanese page is told
// in Japanese, with the tries left.
func TestErrorsInThePersonsLanguage(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345607")
	p.signUp("Aiko", "ja")
	p.must("POST", "/api/v1/verification/code", nil, nil)

	_, _, html := p.page("POST", "/verify/code", url.Values{"code": {wrongCode(e.code(p.phone))}})
	if !strings.Contains(html, "認証番号が違います。残り 4 回入力できます。") {
		t.Errorf("the wrong-code error is not in Japanese with 4 tries left:\n%s", html)
	}
}

// TestSignUpPageNeedsNameAndPrivacyFirst: no SMS goes out for a sign-up
// form that the code step could not complete.
func TestSignUpPageNeedsNameAndPrivacyFirst(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345608")
	for name, form := range map[string]url.Values{
		"blank name": {"phoneNumber": {"090-1234-5608"}, "displayName": {"   "},
			"agreePrivacyPolicy": {"1"}},
		"no privacy": {"phoneNumber": {"090-1234-5608"}, "displayName": {"Aiko"}},
	} {
		if status, _, _ := p.page("POST", "/signup", form); status != 400 {
			t.Errorf("%s: status %d, want 400", name, status)
		}
	}
	if got := e.outbox(p.phone); len(got) != 0 {
		t.Errorf("%d SMS sent for forms that cannot complete, want none", len(got))
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}

	return "000000"
}

// TestCodeStepIsAPage: asking for a code leads to a page of its own, so
// Back and reload work without resubmitting a form.
func TestCodeStepIsAPage(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345609")
	p.signUp("Aiko", "en")
	browser := e.person(t, p.phone)

	if status, loc, _ := browser.page("GET", "/login/code", nil); status != 303 ||
		loc != "/login" {
		t.Fatalf("code step before asking: %d to %q, want 303 to /login", status, loc)
	}

	status, loc, _ := browser.page("POST", "/login", url.Values{"phoneNumber": {"090-1234-5609"}})
	if status != 303 || loc != "/login/code" {
		t.Fatalf("ask for a code: %d to %q, want 303 to /login/code", status, loc)
	}

	for range 2 { // a reload shows the same page
		status, _, html := browser.page("GET", "/login/code", nil)
		if status != 200 || !strings.Contains(html, `id="code"`) ||
			!strings.Contains(html, "********09") {
			t.Fatalf("code step: %d, want the code form for the masked number", status)
		}
	}

	status, loc, _ = browser.page("POST", "/login/verify", url.Values{
		"phoneNumber": {"090-1234-5609"}, "code": {e.code(p.phone)}})
	if status != 303 || loc != "/chats" {
		t.Errorf("log in: %d to %q, want 303 to /chats", status, loc)
	}
}
