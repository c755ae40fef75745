package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pnpd/pnpd/internal/pgtest"
	"github.com/pnpd/pnpd/postgres"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// twoNodes starts two sandbox nodes on one new PostgreSQL database, with
// one key file, and seeds the demo through the first.
func twoNodes(t *testing.T) (a, b *env) {
	t.Helper()

	url := pgtest.NewDatabase(t, "")
	key := filepath.Join(t.TempDir(), "pnpd.key")
	node := func() server.Config {
		return server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: url,
			KeyFile: key, Sandbox: true, SandboxToken: sandboxToken,
			Logger: slog.New(slog.DiscardHandler), DatabaseMaxConns: 5, Metrics: true}
	}

	srvA, demo := startOn(t, node())
	srvB := servertest.Start(t, node())

	return &env{t: t, srv: srvA, url: srvA.URL(), demo: demo},
		&env{t: t, srv: srvB, url: srvB.URL(), demo: demo}
}

// TestLiveUpdatesAcrossNodes: a recipient's page open on node A hears of a
// notification that node B delivered.
func TestLiveUpdatesAcrossNodes(t *testing.T) {
	t.Parallel()

	a, b := twoNodes(t)
	p := a.person(aiko)
	p.logIn()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp := p.events(ctx)

	changed := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == "event: changed" {
				changed <- struct{}{}
				return
			}
		}
	}()

	// The stream is open once its headers arrived; a first "changed" may
	// come from node A's listener connecting, so wait until it is quiet.
	drain(changed, 500*time.Millisecond)
	b.mustPush(aiko, http.StatusOK)
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("the page on node A heard nothing of node B's delivery")
	}
}

// drain takes what arrives on c until it has been quiet for d.
func drain(c <-chan struct{}, d time.Duration) {
	for {
		select {
		case <-c:
		case <-time.After(d):
			return
		}
	}
}

// TestRevokedTokenAcrossNodes: a token revoked on node A stops working on
// node B, which had it in memory, within moments.
func TestRevokedTokenAcrossNodes(t *testing.T) {
	t.Parallel()

	a, b := twoNodes(t)
	form := "grant_type=client_credentials&client_id=" + a.demo.Credentials.ChannelID +
		"&client_secret=" + a.demo.Credentials.ChannelSecret
	issued := sendForm(t, a.url+"/v2/oauth/accessToken", form)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(issued.body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("issue token: %d %s", issued.status, issued.body)
	}

	if resp := b.push(tok.AccessToken, aiko); resp.status != http.StatusOK {
		t.Fatalf("push on node B: %d %s", resp.status, resp.body)
	}
	if resp := sendForm(t, a.url+"/v2/oauth/revoke", "access_token="+tok.AccessToken); resp.status != http.StatusOK {
		t.Fatalf("revoke on node A: %d %s", resp.status, resp.body)
	}

	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := b.push(tok.AccessToken, aiko)
		if resp.status == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node B still takes the revoked token: %d %s", resp.status, resp.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSandboxClockAcrossNodes: the clock moved on node A is node B's too.
func TestSandboxClockAcrossNodes(t *testing.T) {
	t.Parallel()

	a, b := twoNodes(t)
	// Node B may read the first move as its listener connects; by the time
	// it shows, B listens, and only A's signal can bring the second.
	a.advance(time.Hour)
	waitForOffset(t, b, time.Hour)
	a.advance(47 * time.Hour)
	waitForOffset(t, b, 48*time.Hour)
}

// waitForOffset waits up to 5 s for e's sandbox clock to be want ahead.
func waitForOffset(t *testing.T, e *env, want time.Duration) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for {
		var clock struct {
			OffsetSeconds int64 `json:"offsetSeconds"`
		}
		e.sandbox("GET", "/sandbox/v1/clock", nil, &clock)
		if clock.OffsetSeconds == int64(want.Seconds()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other node's clock is %d s ahead, want %v", clock.OffsetSeconds,
				want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sendForm(t *testing.T, url, form string) response {
	t.Helper()

	resp, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	var body json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&body)

	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// TestDatabaseKeepsItsMode: a platform refuses a PostgreSQL database a
// sandbox used, naming it without its URL, which may hold a password.
func TestDatabaseKeepsItsMode(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, "")
	key := filepath.Join(t.TempDir(), "pnpd.key")
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: url,
		KeyFile: key, Sandbox: true, SandboxToken: sandboxToken, DatabaseMaxConns: 5}
	servertest.Stop(t, servertest.Start(t, cfg))

	cfg.Sandbox, cfg.PasswordHasher = false, servertest.CheapHasher
	_, err := server.New(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), "PNPD_DATABASE_URL") ||
		strings.Contains(err.Error(), url) {
		t.Fatalf("platform on a sandbox's database: %v; want a refusal naming "+
			"PNPD_DATABASE_URL, not its URL", err)
	}
}

// TestClockMovesAddUpAcrossNodes: moves of the sandbox clock made at once
// on two nodes all count.
func TestClockMovesAddUpAcrossNodes(t *testing.T) {
	t.Parallel()

	a, b := twoNodes(t)
	var wg sync.WaitGroup
	for i := range 8 {
		e := []*env{a, b}[i%2]
		wg.Go(func() { e.advance(100 * time.Second) })
	}
	wg.Wait()

	waitForOffset(t, a, 800*time.Second)
	waitForOffset(t, b, 800*time.Second)
}

// TestMetricsCountDatabaseRetries: a node on PostgreSQL counts the
// transactions it ran again, by reason, each reason from the first scrape.
func TestMetricsCountDatabaseRetries(t *testing.T) {
	t.Parallel()

	a, _ := twoNodes(t)
	s := a.scrape()
	for _, reason := range postgres.RetryReasons {
		key := `pnpd_database_retries_total{reason="` + reason + `"}`
		if _, ok := s[key]; !ok {
			t.Errorf("/metrics has no %s", key)
		}
	}
}

// TestAPIGivesUpOnAHungDatabase: while the database holds a request's
// reads or writes back (here, another session locks the tables they need),
// a push, whether its token is remembered or must be looked up, and a
// token's issue answer 500 once the timeout passes; and nothing the
// business was told failed is stored when the database frees up.
func TestAPIGivesUpOnAHungDatabase(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, "")
	e := start(t, server.Config{DatabaseURL: url, DatabaseMaxConns: 5,
		APITimeout: 500 * time.Millisecond}, slog.New(slog.DiscardHandler))
	e.mustPush(aiko, http.StatusOK) // the node now remembers the demo token

	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(table string) int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	issue := func() response {
		return sendForm(t, e.url+"/v2/oauth/accessToken", "grant_type=client_credentials"+
			"&client_id="+e.demo.Credentials.ChannelID+
			"&client_secret="+e.demo.Credentials.ChannelSecret)
	}
	newToken := func() string {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		resp := issue()
		if err := json.Unmarshal(resp.body, &tok); err != nil || tok.AccessToken == "" {
			t.Fatalf("issue a token: %d %s", resp.status, resp.body)
		}
		return tok.AccessToken
	}
	const lineErr = `{"message":"An internal error occurred. Try again later."}`
	const oauthErr = `{"error":"server_error",` +
		`"error_description":"An internal error occurred. Try again later."}`

	tests := []struct {
		name, tables, stores string
		// prepare runs before the lock and returns the request to send.
		prepare func() func() response
		want    string
	}{
		{"push, token remembered", "notification", "notification", func() func() response {
			return func() response { return e.push(e.demo.Credentials.AccessToken, aiko) }
		}, lineErr},
		{"push, token looked up", "channel, access_token, notification", "notification",
			func() func() response {
				tok := newToken() // no node remembers a token just issued
				return func() response { return e.push(tok, aiko) }
			}, lineErr},
		{"issue a token", "access_token", "access_token",
			func() func() response { return issue }, oauthErr},
	}
	for _, tc := range tests {
		send := tc.prepare()
		before := count(tc.stores)
		lock, err := db.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lock.Exec(`LOCK TABLE ` + tc.tables + ` IN ACCESS EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}

		// The lock holds for 3 s: without a timeout, the request would
		// wait for it and succeed.
		released := make(chan error, 1)
		time.AfterFunc(3*time.Second, func() { released <- lock.Rollback() })
		resp := send()
		if err := <-released; err != nil {
			t.Fatal(err)
		}
		if resp.status != http.StatusInternalServerError ||
			strings.TrimSpace(string(resp.body)) != tc.want {
			t.Errorf("%s while the database hangs: %d %s", tc.name, resp.status, resp.body)
		}

		// Once the database frees up, what failed is still not stored.
		time.Sleep(100 * time.Millisecond)
		if n := count(tc.stores); n != before {
			t.Errorf("%s: %s holds %d rows, not %d: what failed was stored", tc.name,
				tc.stores, n, before)
		}
	}
	e.mustPush(aiko, http.StatusOK)
}
