package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAddOperator: an operator adds another, who logs in with the password
// given; a taken username, a bad one and a short password are refused
// beside their fields.
func TestAddOperator(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	p := b.post("/console/operators", url.Values{"username": {"kenji.sato"},
		"password": {"a-long-enough-password"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("add operator: status %d:\n%s", p.status, p.body)
	}
	want(t, "operators", b.get("/console/operators"), http.StatusOK, "<td>kenji.sato</td>")

	if p := e.browser().logIn("kenji.sato", "a-long-enough-password"); p.status !=
		http.StatusSeeOther {
		t.Errorf("the new operator logs in: status %d, want 303", p.status)
	}

	cases := []struct{ name, username, password, field string }{
		{"taken", "admin", "a-long-enough-password", "username-error"},
		{"taken in other case", "ADMIN", "a-long-enough-password", "username-error"},
		{"spaces for a password", "yuki", strings.Repeat(" ", 12), "password-error"},
		{"bad username", "<b>x</b>", "a-long-enough-password", "username-error"},
		{"short password", "yuki", "short", "password-error"},
	}
	for _, tc := range cases {
		p := b.post("/console/operators", url.Values{"username": {tc.username},
			"password": {tc.password}})
		want(t, tc.name, p, http.StatusBadRequest, `id="`+tc.field+`"`)
	}
}

// TestChangePassword: an operator changes the password with the current
// one; another browser signed in with the old one is logged out, this one
// stays in, and only the new password logs in from then on.
func TestChangePassword(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b, other := e.loggedIn(), e.loggedIn()
	p := b.post("/console/operators/password", url.Values{"current": {"wrong password"},
		"new": {"a-brand-new-password"}})
	want(t, "wrong current", p, http.StatusBadRequest, `id="current-error"`)

	p = b.post("/console/operators/password", url.Values{"current": {adminPassword},
		"new": {"a-brand-new-password"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("change password: status %d:\n%s", p.status, p.body)
	}
	want(t, "still signed in", b.get(p.location), http.StatusOK,
		"Your password was changed")
	if p := other.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("the other browser after the change: status %d, want 303", p.status)
	}
	for password, status := range map[string]int{adminPassword: http.StatusBadRequest,
		"a-brand-new-password": http.StatusSeeOther} {
		if got := e.browser().logIn("admin", password).status; got != status {
			t.Errorf("log in with %q: status %d, want %d", password, got, status)
		}
	}
}

// TestChangePasswordThrottled: guessing the current password from a
// signed-in session counts against the operator's log-in limit, 20 a
// minute.
func TestChangePasswordThrottled(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	statuses := map[int]int{}
	for range 25 {
		p := b.post("/console/operators/password", url.Values{"current": {"a guess"},
			"new": {"a-brand-new-password"}})
		statuses[p.status]++
	}
	if statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("25 guesses of the current password answered %v, want some 429s", statuses)
	}
}
