package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// TestDataFolderKeepsItsMode starts a data folder in one mode and then in
// the other: the second start fails, naming what to do, and the folder
// still starts in its own mode.
func TestDataFolderKeepsItsMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second bool // sandbox mode at each start
		want          string
	}{
		{"platform folder refuses the sandbox", false, true,
			"holds a platform's data: sandbox mode (--sandbox, --demo)"},
		{"sandbox folder refuses the platform", true, false,
			"holds a sandbox's test data and moved clock: start it with --sandbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cfg := func(sandbox bool) server.Config {
				return server.Config{DataDir: dir, Sandbox: sandbox, SandboxToken: "t"}
			}
			servertest.Stop(t, servertest.Start(t, cfg(tt.first)))

			srv, err := server.New(context.Background(), cfg(tt.second))
			if err == nil {
				_ = srv.Shutdown(context.Background())
				t.Fatalf("a %v folder started with sandbox %v", tt.first, tt.second)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q, want it to name the folder and say %q", err, tt.want)
			}

			servertest.Stop(t, servertest.Start(t, cfg(tt.first)))
		})
	}
}
