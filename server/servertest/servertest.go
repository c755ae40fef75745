// Package servertest runs a pnpd server in process, for other packages'
// tests.
package servertest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/console"
	"github.com/pnpd/pnpd/server"
)

// CheapHasher hashes operators' passwords in a fraction of a millisecond:
// far too weak for production, fast enough for many servers in parallel.
var CheapHasher = console.Hasher{Time: 1, MemoryKiB: 64, Threads: 1}

// Start runs a server with cfg on a free loopback port, with a fresh data
// folder unless cfg names one and no logs unless cfg has a logger. It is
// shut down when tb ends, if the test has not done so with Stop.
func Start(tb testing.TB, cfg server.Config) *server.Server {
	tb.Helper()

	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = tb.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PasswordHasher == (console.Hasher{}) {
		cfg.PasswordHasher = CheapHasher
	}

	// The server outlives the test's context, which ends before cleanups.
	ctx := context.Background()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		tb.Fatalf("new server: %v", err)
	}
	tb.Cleanup(func() { Stop(tb, srv) })
	if err := srv.Start(ctx); err != nil {
		tb.Fatalf("start server: %v", err)
	}

	return srv
}

// Stop shuts srv down, giving it 10 s; a second call changes nothing.
func Stop(tb testing.TB, srv *server.Server) {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		tb.Errorf("shut down: %v", err)
	}
}

// AwayFromMidnight moves srv's clock two hours on when midnight in UTC+9,
// where the statistics' days and months turn, is less than an hour away:
// a test's deliveries and its reading of the day then fall on one day.
// Two hours keep a console session, idle for at most 12.
func AwayFromMidnight(srv *server.Server) {
	clock := srv.Clock()
	now := clock.Now().In(pnpd.StatisticsZone)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0,
		pnpd.StatisticsZone)
	if midnight.Sub(now) < time.Hour {
		clock.SetOffset(clock.Offset() + 2*time.Hour)
	}
}
