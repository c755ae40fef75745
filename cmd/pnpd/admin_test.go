package main

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// TestAdminPassword: an operator who lost admin's password sets a new one
// with pnpd admin-password while pnpd is stopped; the old one no longer
// logs in, the new one does. Without PNPD_ADMIN_PASSWORD it makes one and
// prints it.
func TestAdminPassword(t *testing.T) {
	t.Parallel()

	cfg := server.Config{DataDir: t.TempDir(), AdminPassword: "the-lost-password-1"}
	servertest.Stop(t, servertest.Start(t, cfg))

	var out, errOut bytes.Buffer
	env := map[string]string{"PNPD_ADMIN_PASSWORD": "the-new-password-2"}
	err := run(t.Context(), []string{"admin-password", "--data", cfg.DataDir},
		func(k string) string { return env[k] }, &out, &errOut)
	if err != nil {
		t.Fatalf("admin-password: %v (%s)", err, errOut.String())
	}
	if strings.Contains(out.String(), "the-new-password-2") {
		t.Errorf("admin-password echoed the password it was given: %q", out.String())
	}

	srv := servertest.Start(t, cfg)
	for password, want := range map[string]int{"the-lost-password-1": http.StatusBadRequest,
		"the-new-password-2": http.StatusSeeOther} {
		if got := logIn(t, srv.URL(), password); got != want {
			t.Errorf("log in with %s: status %d, want %d", password, got, want)
		}
	}
	servertest.Stop(t, srv)

	out.Reset()
	err = run(t.Context(), []string{"admin-password", "--data", cfg.DataDir},
		func(string) string { return "" }, &out, &errOut)
	if err != nil {
		t.Fatalf("admin-password: %v", err)
	}
	generated := strings.Fields(strings.SplitN(out.String(), "password: ", 2)[1])[0]
	srv = servertest.Start(t, cfg)
	if got := logIn(t, srv.URL(), generated); got != http.StatusSeeOther {
		t.Errorf("log in with the printed password: status %d, want 303", got)
	}
}

// logIn posts the console's log-in form as admin and returns the status.
func logIn(t *testing.T, base, password string) int {
	t.Helper()

	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.PostForm(base+"/console/login",
		url.Values{"username": {"admin"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	return resp.StatusCode
}

// TestAdminPasswordTooShort checks that pnpd admin-password refuses a
// PNPD_ADMIN_PASSWORD an operator could not choose in the console, and
// leaves the old password working.
func TestAdminPasswordTooShort(t *testing.T) {
	t.Parallel()

	cfg := server.Config{DataDir: t.TempDir(), AdminPassword: "the-old-password-3"}
	servertest.Stop(t, servertest.Start(t, cfg))

	var out bytes.Buffer
	err := run(t.Context(), []string{"admin-password", "--data", cfg.DataDir},
		func(k string) string { return map[string]string{"PNPD_ADMIN_PASSWORD": "2short"}[k] },
		&out, &out)
	if err == nil || !strings.Contains(err.Error(), "12 to 256 characters") {
		t.Errorf("admin-password with a 6-character password: %v, want a refusal", err)
	}

	srv := servertest.Start(t, cfg)
	if got := logIn(t, srv.URL(), "the-old-password-3"); got != http.StatusSeeOther {
		t.Errorf("log in with the old password: status %d, want 303", got)
	}
}
