package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/server"
)

// TestShutdownFinishesPushesInFlight starts a push, begins the shutdown
// while the body is still arriving, and checks that the push is answered
// 200, that new connections are refused meanwhile, that the shutdown ends
// cleanly, and that the notification is there after a restart.
func TestShutdownFinishesPushesInFlight(t *testing.T) {
	t.Parallel()

	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		Logger: slog.New(slog.DiscardHandler)}
	srv, demo := startOn(t, cfg)
	addr := hostOf(t, srv.URL())

	body, err := json.Marshal(map[string]any{
		"to":       pnpd.HashPhone(aiko),
		"messages": []map[string]string{{"type": "text", "text": "Sent while pnpd stopped"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /bot/pnp/push HTTP/1.1\r\nHost: %s\r\n"+
		"Authorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n", addr,
		demo.Credentials.AccessToken, len(body))

	// The server answers 100 Continue once the handler reads the body: from
	// then on the push is in flight. Before, the connection might not even
	// be accepted yet, and the shutdown would refuse it.
	answers := bufio.NewReader(conn)
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(answers, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("waiting for 100 Continue: %v, %v", resp, err)
	}
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(body[:half]); err != nil {
		t.Fatalf("send half the body: %v", err)
	}

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		stopped <- srv.Shutdown(ctx)
	}()

	waitRefused(t, addr)
	select {
	case err := <-stopped:
		t.Fatalf("shutdown ended (%v) with a push still arriving", err)
	default:
	}

	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatalf("send the rest of the body: %v", err)
	}
	resp, err = http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	resp.Body.Close()
	requestID := resp.Header.Get("X-Line-Request-Id")
	if resp.StatusCode != http.StatusOK || requestID == "" {
		t.Fatalf("push in flight at shutdown: %d, request ID %q; want 200 and an ID",
			resp.StatusCode, requestID)
	}

	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	srv, _ = startOn(t, cfg)
	n, err := srv.Store().Notification(t.Context(), requestID)
	if err != nil {
		t.Fatalf("the notification answered 200 during shutdown, after a restart: %v", err)
	}
	if n.State != pnpd.StateDelivered {
		t.Errorf("notification state %q after a restart, want %q", n.State, pnpd.StateDelivered)
	}
}

func hostOf(t *testing.T, rawURL string) string {
	t.Helper()

	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}

	return u.Host
}

// waitRefused waits until the server no longer takes new connections.
func waitRefused(t *testing.T, addr string) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) {
				return
			}
			t.Fatalf("dial: %v", err)
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the server still takes new connections 5 s into its shutdown")
}

// TestShutdownEndsLiveUpdateStreams: a recipient's open live-update stream
// ends when the shutdown begins, so that it neither holds the shutdown up
// to its deadline nor is cut off at it; the page reconnects elsewhere.
func TestShutdownEndsLiveUpdateStreams(t *testing.T) {
	t.Parallel()

	logs := &logBuffer{}
	e := start(t, server.Config{}, slog.New(slog.NewTextHandler(logs, nil)))
	p := e.person(aiko)
	p.logIn()

	resp := p.events(t.Context())
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shut down: %v", err)
	}
	// The server ended the stream before its shutdown returned; the client
	// reads the end of it a moment later, on its own goroutine.
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Error("the stream was still open 10 s after the shutdown")
	}
	if strings.Contains(logs.String(), "did not finish in time") {
		t.Errorf("the stream held the shutdown up:\n%s", logs.String())
	}
}
