package messenger_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/messenger"
)

// errDatabaseDown is what a store answers while its database is away.
var errDatabaseDown = errors.New("connection refused")

// sessionsDown is the server's real store, except that checking a session
// fails as it does while the database is away.
type sessionsDown struct{ pnpd.Store }

func (sessionsDown) SessionByHash(context.Context, string, time.Time) (*pnpd.Session, error) {
	return nil, errDatabaseDown
}

// messengerOver serves the messenger over store on loopback, with the
// server's clock, and returns its URL. The cookie jar of a person of e sends
// the same session to it, as both listen on 127.0.0.1.
func (e *env) messengerOver(store pnpd.Store) string {
	e.t.Helper()

	mux := http.NewServeMux()
	(&messenger.API{Store: store, Clock: e.srv.Clock(), Log: slog.New(slog.DiscardHandler),
		DefaultCountry: "JP", SessionFor: time.Hour, Sandbox: true,
		Broker: messenger.NewBroker()}).Register(mux)
	srv := httptest.NewServer(mux)
	e.t.Cleanup(srv.Close)

	return srv.URL
}

// TestStoreFailureKeepsTheSession checks that a signed-in person whose
// session cannot be checked, the database being down, gets the error page or
// the API's 500, is not sent to log in, and is still signed in once the
// database is back.
func TestStoreFailureKeepsTheSession(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345611")
	p.signUp("Aiko", "en")
	down := e.messengerOver(sessionsDown{e.srv.Store()})

	for _, path := range []string{"/", "/chats", "/settings", "/sms"} {
		status, loc, html := p.pageAt(down, "GET", path, nil)
		if status != http.StatusInternalServerError || !strings.Contains(html,
			"Something went wrong") {
			t.Errorf("GET %s, store down: %d to %q, want 500 and the error page", path,
				status, loc)
		}
	}

	resp := send(t, p.client, "GET", down+"/api/v1/me", nil, nil)
	if got := resp.apiError(t); resp.status != http.StatusInternalServerError ||
		got.Error.Code != "internal" {
		t.Errorf("GET /api/v1/me, store down: %d %s, want 500 internal", resp.status, resp.body)
	}
	for _, c := range resp.cookies {
		if c.Name == "pnpd_session" {
			t.Errorf("the API's 500 changed the session cookie: %v", c)
		}
	}

	if status, loc, _ := p.page("GET", "/", nil); status != http.StatusSeeOther ||
		loc != "/chats" {
		t.Errorf("GET / once the store is back: %d to %q, want 303 to /chats", status, loc)
	}
}

// accountGone is the server's real store, except that the recipient a
// session signs in is no longer found.
type accountGone struct{ pnpd.Store }

func (accountGone) Recipient(context.Context, string) (*pnpd.Recipient, error) {
	return nil, pnpd.Errorf(pnpd.ENotFound, "recipient not found")
}

// TestSessionOfAGoneAccount: a live session whose account is gone signs no
// one in: the person is sent to log in, as after the session's end.
func TestSessionOfAGoneAccount(t *testing.T) {
	t.Parallel()

	e := setup(t)
	p := e.person(t, "+819012345612")
	p.signUp("Aiko", "en")
	gone := e.messengerOver(accountGone{e.srv.Store()})

	if status, loc, _ := p.pageAt(gone, "GET", "/", nil); status != http.StatusSeeOther ||
		loc != "/login" {
		t.Errorf("GET /, account gone: %d to %q, want 303 to /login", status, loc)
	}
}
