package server_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// TestAdminPasswordIgnoredLater checks that a password for admin given
// once admin exists changes nothing and says so at start, pointing at what
// does; the first start and a start without one say nothing.
func TestAdminPasswordIgnoredLater(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	starts := []struct {
		name, password string
		warns          bool
	}{
		{"first start", "the-first-password-1", false},
		{"later, with a password", "another-password-2", true},
		{"later, without", "", false},
	}
	for _, s := range starts {
		logs := &logBuffer{}
		srv := servertest.Start(t, server.Config{DataDir: dir, AdminPassword: s.password,
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
		servertest.Stop(t, srv)

		warned := strings.Contains(logs.String(), "level=WARN msg=\"Ignored the admin password")
		if warned != s.warns || warned && !strings.Contains(logs.String(),
			"pnpd admin-password") {
			t.Errorf("%s: warned %v, want %v:\n%s", s.name, warned, s.warns, logs)
		}
		if strings.Contains(logs.String(), "password-") {
			t.Errorf("%s: the log holds the password:\n%s", s.name, logs)
		}
	}
}

// TestShortAdminPasswordRefused checks that a server is not started with an
// admin password an operator could not choose in the console.
func TestShortAdminPasswordRefused(t *testing.T) {
	t.Parallel()

	srv, err := server.New(t.Context(), server.Config{Addr: "127.0.0.1:0",
		DataDir: t.TempDir(), AdminPassword: "short-pw", PasswordHasher: servertest.CheapHasher})
	if err == nil {
		_ = srv.Shutdown(t.Context())
		t.Fatal("a server started with an 8-character admin password")
	}
	if !strings.Contains(err.Error(), "12 to 256 characters, not 8") {
		t.Errorf("error %q does not say how long the password must be", err)
	}
}
