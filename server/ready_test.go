package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestReadyzFollowsTheLifecycle asks for readiness before Start, while
// running and once Shutdown has begun. A probe over the network cannot
// reach a server that closed its listener, so this one calls the handler.
func TestReadyzFollowsTheLifecycle(t *testing.T) {
	t.Parallel()
	s, err := New(t.Context(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}

	assertReady(t, s, http.StatusServiceUnavailable, "job workers not running")
	if err := s.Start(context.WithoutCancel(t.Context())); err != nil {
		t.Fatalf("start server: %v", err)
	}
	assertReady(t, s, http.StatusOK, "ok")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shut down: %v", err)
	}
	assertReady(t, s, http.StatusServiceUnavailable, "shutting down")
}

func assertReady(t *testing.T, s *Server, status int, body string) {
	t.Helper()

	rec := httptest.NewRecorder()
	s.http.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != status || strings.TrimSpace(rec.Body.String()) != body {
		t.Errorf("GET /readyz = %d %q, want %d %q", rec.Code, rec.Body, status, body)
	}
}
