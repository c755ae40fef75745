// Package pnpdtest runs pnpd inside another project's tests and drives its
// sandbox API, so that an integration with LINE notification messages can
// be tested end to end with LINE's own SDK, in seconds, without a network.
//
// Start runs a pnpd server in the test's process, in sandbox mode, on a
// free loopback port with a fresh data folder, and stops it when the test
// ends. Point LINE's SDK at Server.URL. The Client embedded in the Server
// creates channels and recipients, acts as the recipient (agree, verify by
// SMS, block, change the number), moves the clock, waits for a
// notification and its webhook, and injects webhook failures. Its methods
// take the test and fail it on any error, so a test reads as a list of
// steps. Connect gives the same Client for a pnpd that already runs.
//
// Phone numbers are given in E.164 (+819012345678). The package never puts
// one in a failure message: they show masked, as pnpd shows them.
//
// New, Close and Client.Do are the way out for code that wants errors as
// values instead of a failed test.
package pnpdtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/console"
	"github.com/pnpd/pnpd/server"
)

// Server is a pnpd running in the test's process, in sandbox mode.
type Server struct {
	// Client calls this server's sandbox API.
	*Client
	// URL is the base URL to give LINE's SDK, e.g. http://127.0.0.1:41234.
	URL string
	// Token is the sandbox API's token, random for each server.
	Token string

	srv     *server.Server
	tempDir string // removed by Close; empty when the test owns the folder
}

// Option changes how Start and New configure the server.
type Option func(*server.Config)

// WithLogger sends the server's logs to log; by default they are dropped.
func WithLogger(log *slog.Logger) Option {
	return func(c *server.Config) { c.Logger = log }
}

// WithConfig lets f change any part of the server's configuration, such as
// the service countries or the template catalogue. The sandbox stays on.
func WithConfig(f func(*server.Config)) Option {
	return func(c *server.Config) { f(c) }
}

// Start runs a pnpd server for the test tb and stops it when tb ends. It
// listens on 127.0.0.1 on a free port and keeps its data in tb.TempDir().
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()

	// The server outlives the test's context, which ends before cleanups.
	s, err := start(context.Background(), tb.TempDir(), opts)
	if err != nil {
		tb.Fatalf("pnpdtest: start pnpd: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("pnpdtest: stop pnpd: %v", err)
		}
	})

	return s
}

// New runs a pnpd server like Start, outside a test: its data lives in a
// temporary folder that Close removes. Close it when done.
func New(ctx context.Context, opts ...Option) (*Server, error) {
	dir, err := os.MkdirTemp("", "pnpdtest-")
	if err != nil {
		return nil, fmt.Errorf("pnpdtest: data folder: %w", err)
	}

	s, err := start(ctx, dir, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s.tempDir = dir

	return s, nil
}

func start(ctx context.Context, dataDir string, opts []Option) (*Server, error) {
	cfg := server.Config{
		Addr:         "127.0.0.1:0",
		DataDir:      dataDir,
		SandboxToken: pnpd.RandomHex(16),
		Logger:       slog.New(slog.DiscardHandler),
		// The console's first operator gets a random password no one sees;
		// a cheap hash of it keeps each start fast and small.
		PasswordHasher: console.Hasher{Time: 1, MemoryKiB: 64, Threads: 1},
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Sandbox = true

	srv, err := server.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pnpdtest: new server: %w", err)
	}

	if err := srv.Start(ctx); err != nil {
		_ = srv.Shutdown(ctx)
		return nil, fmt.Errorf("pnpdtest: start server: %w", err)
	}

	return &Server{Client: Connect(srv.URL(), cfg.SandboxToken), URL: srv.URL(),
		Token: cfg.SandboxToken, srv: srv}, nil
}

// Close stops the server, giving running requests and jobs 10 s, and
// removes the data folder New made. A second call does nothing more.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	err := s.srv.Shutdown(ctx)
	if s.tempDir != "" {
		if rmErr := os.RemoveAll(s.tempDir); rmErr != nil && err == nil {
			err = fmt.Errorf("pnpdtest: remove data folder: %w", rmErr)
		}
	}

	return err
}
