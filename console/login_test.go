package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLogIn checks that the first operator logs in with the configured
// password, reaches the console, and is sent to the log-in page after
// logging out.
func TestLogIn(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.browser()
	if p := b.get("/console/"); p.status != http.StatusSeeOther ||
		!strings.HasPrefix(p.location, "/console/login") {
		t.Fatalf("console before log-in: status %d to %q, want the log-in page",
			p.status, p.location)
	}

	p := b.logIn("admin", adminPassword)
	if p.status != http.StatusSeeOther || p.location != "/console/" {
		t.Fatalf("log in: status %d to %q, want 303 to /console/", p.status, p.location)
	}
	cookie := p.header.Get("Set-Cookie")
	for _, attr := range []string{"pnpd_console=", "Path=/console", "HttpOnly",
		"SameSite=Lax"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}

	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie %q is Secure over plain HTTP", cookie)
	}
	behindTLS := e.browser().do(http.MethodPost, "/console/login", url.Values{
		"username": {"admin"}, "password": {adminPassword}},
		map[string]string{"X-Forwarded-Proto": "https"})
	if c := behindTLS.header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("session cookie behind a TLS proxy %q is not Secure", c)
	}

	home := b.get("/console/")
	want(t, "home", home, http.StatusOK, "Signed in as admin")
	if cc := home.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	if p := b.post("/console/logout", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("log out: status %d", p.status)
	}
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("console after log-out: status %d, want 303 to the log-in page", p.status)
	}
}

// TestLogInRefused checks that a wrong password or an unknown username is
// refused with one message that tells neither apart.
func TestLogInRefused(t *testing.T) {
	t.Parallel()

	e := setup(t)
	cases := []struct{ name, username, password string }{
		{"wrong password", "admin", "not-the-password"},
		{"unknown username", "nobody", adminPassword},
		{"empty password", "admin", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			b := e.browser()
			want(t, "log in", b.logIn(tc.username, tc.password), http.StatusBadRequest,
				"The username or the password is wrong.")
			if p := b.get("/console/"); p.status != http.StatusSeeOther {
				t.Errorf("console after a refused log-in: status %d, want 303", p.status)
			}
		})
	}
}

// TestLogInThrottled checks that a client address gets a few tries a
// minute: after five wrong passwords even the right one is refused for
// now.
func TestLogInThrottled(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.browser()
	for range 5 {
		want(t, "wrong password", b.logIn("admin", "guess"), http.StatusBadRequest,
			"wrong")
	}

	want(t, "sixth try", b.logIn("admin", adminPassword), http.StatusTooManyRequests,
		"Too many log-in tries")
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("console after a throttled log-in: status %d, want 303", p.status)
	}
}

// TestLogInFromAnotherAddress checks that one address out of tries does not
// lock admin out: admin logs in from another.
func TestLogInFromAnotherAddress(t *testing.T) {
	t.Parallel()

	e := setup(t)
	guesser := e.browserFrom("127.0.0.2")
	for range 6 {
		guesser.logIn("admin", "guess")
	}
	want(t, "the guesser", guesser.logIn("admin", adminPassword),
		http.StatusTooManyRequests, "Too many log-in tries")

	p := e.browserFrom("127.0.0.3").logIn("admin", adminPassword)
	if p.status != http.StatusSeeOther || p.location != "/console/" {
		t.Errorf("admin from another address: status %d to %q, want 303 to /console/",
			p.status, p.location)
	}
}

// TestLogInUsernameLimit checks that guessing admin's password from many
// addresses is still bounded: after 20 wrong tries from four addresses a
// fifth address is refused too.
func TestLogInUsernameLimit(t *testing.T) {
	t.Parallel()

	e := setup(t)
	for i := range 20 {
		b := e.browserFrom(fmt.Sprintf("127.0.1.%d", 1+i/5))
		want(t, fmt.Sprintf("guess %d", i+1), b.logIn("admin", "guess"),
			http.StatusBadRequest, "wrong")
	}

	want(t, "a fifth address", e.browserFrom("127.0.1.9").logIn("admin", adminPassword),
		http.StatusTooManyRequests, "Too many log-in tries")
}

// TestStaticFiles checks that the console's styles are served with its
// security headers, and that their folder is not listed.
func TestStaticFiles(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.browser()
	css := b.get("/console/static/console.css")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"),
		"text/css") {
		t.Errorf("console.css: status %d, type %q; want 200 text/css", css.status,
			css.header.Get("Content-Type"))
	}
	if css.header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(css.header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("console.css lacks the security headers: %v", css.header)
	}

	for _, path := range []string{"/console/static/", "/console/static/nothing.css"} {
		p := b.get(path)
		if p.status != http.StatusNotFound || strings.Contains(p.body, `href="console.css"`) {
			t.Errorf("%s: status %d, want 404 without a listing:\n%s", path, p.status, p.body)
		}
	}
}

// TestFormToken checks that a signed-in operator's POST without the
// session's form token, or with a wrong one, is refused with 403 and
// changes nothing.
func TestFormToken(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	cases := []struct {
		name string
		form url.Values
	}{
		{"missing", url.Values{"name": {"Forged"}}},
		{"wrong", url.Values{"name": {"Forged"}, "csrf": {strings.Repeat("0", 64)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			want(t, "create provider", b.do(http.MethodPost, "/console/providers", tc.form,
				nil), http.StatusForbidden, "The form has expired")
			if strings.Contains(b.get("/console/").body, "Forged") {
				t.Error("a forged form created a provider")
			}
		})
	}
}

// TestCrossOriginRefused checks that a POST another site's page makes the
// browser send is refused, even with the right form token.
func TestCrossOriginRefused(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	form := url.Values{"name": {"Forged"}, "csrf": {b.csrf()}}
	p := b.do(http.MethodPost, "/console/providers", form,
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	want(t, "cross-site post", p, http.StatusForbidden, "another site")

	if strings.Contains(b.get("/console/").body, "Forged") {
		t.Error("a cross-site form created a provider")
	}
}

// TestSessionIdle checks that a session lasts 12 hours from its last use:
// used after 11 hours, it still works 22 hours in; left alone for 12
// more, it has ended.
func TestSessionIdle(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	steps := []struct {
		at     time.Duration
		status int
	}{
		{11 * time.Hour, http.StatusOK},
		{22 * time.Hour, http.StatusOK},
		{34*time.Hour + time.Minute, http.StatusSeeOther},
	}
	for _, s := range steps {
		e.srv.Clock().SetOffset(s.at)
		if p := b.get("/console/"); p.status != s.status {
			t.Errorf("the console %v after log-in: status %d, want %d", s.at, p.status,
				s.status)
		}
	}
}

// TestSessionMaxAge checks that a session used every few hours still ends a
// week after log-in.
func TestSessionMaxAge(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	for at := 10 * time.Hour; at < 7*24*time.Hour; at += 10 * time.Hour {
		e.srv.Clock().SetOffset(at)
		if p := b.get("/console/"); p.status != http.StatusOK {
			t.Fatalf("the console %v after log-in: status %d, want 200", at, p.status)
		}
	}

	e.srv.Clock().SetOffset(7 * 24 * time.Hour)
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("the console a week after log-in: status %d, want 303 to log in", p.status)
	}
}
