package postgres_test

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/internal/pgtest"
	"github.com/pnpd/pnpd/keyring"
	"github.com/pnpd/pnpd/postgres"
	"github.com/pnpd/pnpd/storetest"
)

// TestStore holds the PostgreSQL store to the conformance suite, each case
// on a database of its own.
func TestStore(t *testing.T) {
	t.Parallel()

	tpl := template(t)
	storetest.Run(t, func(t *testing.T) pnpd.Store {
		return setup(t, pgtest.NewDatabase(t, tpl), postgres.Options{Keyring: keys})
	})
}

// keys seal every test database's secrets, so that copies of the template
// open with them.
var keys = keyring.Generate()

var (
	templateOnce sync.Once
	templateName string
)

// template migrates a database once per run, for the cases to copy: a copy
// takes a fraction of the migrations' time.
func template(t *testing.T) string {
	t.Helper()

	pgtest.ServerURL(t)
	templateOnce.Do(func() {
		tb := &cleanupLater{T: t}
		u := pgtest.NewDatabase(tb, "")
		db, err := postgres.Open(t.Context(), u, postgres.Options{Keyring: keys})
		if err != nil {
			t.Fatalf("migrate template: %v", err)
		}
		db.Close()
		templateName = pgtest.Name(t, u)
		templateCleanup = tb.fns
	})
	if templateName == "" {
		t.Fatal("no template database")
	}

	return templateName
}

var templateCleanup []func()

// cleanupLater keeps the template's cleanup for TestMain, since the first
// test to ask for it ends before the others.
type cleanupLater struct {
	*testing.T
	fns []func()
}

func (c *cleanupLater) Cleanup(fn func()) { c.fns = append(c.fns, fn) }

func TestMain(m *testing.M) {
	code := m.Run()
	for _, fn := range templateCleanup {
		fn()
	}
	os.Exit(code)
}

// setup opens a store on a database that is closed when t ends.
func setup(t *testing.T, url string, opts postgres.Options) *postgres.DB {
	t.Helper()

	if opts.MaxConns == 0 {
		// The cases run in parallel, on one server's hundred connections.
		opts.MaxConns = 4
	}
	db, err := postgres.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})

	return db
}

// TestNodesShareOneKey: a node whose key is not the one the database's
// secrets are sealed with does not start, and says why.
func TestNodesShareOneKey(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, template(t))
	setup(t, url, postgres.Options{Keyring: keys})

	_, err := postgres.Open(t.Context(), url, postgres.Options{Keyring: keyring.Generate()})
	if err == nil || !strings.Contains(err.Error(), "is not the key") {
		t.Fatalf("open with another key: %v, want a refusal", err)
	}
}

// TestUpdateOutlivesLostConnections: when PostgreSQL ends the node's
// sessions (an administrator, a restart, a failover) while updates are
// under way, those not yet committing run again on new connections rather
// than fail.
func TestUpdateOutlivesLostConnections(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, template(t))
	var mu sync.Mutex
	retries := map[string]int{}
	db := setup(t, url, postgres.Options{Keyring: keys, Retried: func(reason string) {
		mu.Lock()
		retries[reason]++
		mu.Unlock()
	}})
	admin := setup(t, url, postgres.Options{Keyring: keys, MaxConns: 2})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := db.Update(t.Context(), func(q pnpd.Queries) error {
					return q.SetSetting(t.Context(), fmt.Sprintf("test%d", w), strconv.Itoa(i))
				})
				if err != nil {
					failed.Add(1)
					t.Logf("update: %v", err)
				}
			}
		})
	}

	// The admin store's sessions are named alike; it ends the others'.
	ended := 0
	for range 5 {
		time.Sleep(100 * time.Millisecond)
		var n int
		err := admin.Pool().QueryRowContext(t.Context(), `SELECT count(*)
			FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND application_name = 'pnpd' AND state <> 'idle'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		ended += n
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d updates failed when their sessions ended", n)
	}

	// Each session ended mid-transaction made that transaction run
	// again, and the store said why.
	mu.Lock()
	defer mu.Unlock()
	t.Logf("ended %d sessions; transactions run again: %v", ended, retries)
	lost := 0
	for reason, n := range retries {
		switch reason {
		case postgres.RetrySessionEnded, postgres.RetryConnectionLost:
			lost += n
		case postgres.RetrySerialization, postgres.RetryDeadlock:
		default:
			t.Errorf("a transaction ran again for %q", reason)
		}
	}
	if ended > 0 && lost == 0 {
		t.Errorf("%d sessions ended under way, and no transaction ran again for it", ended)
	}
}

// TestReadsOutliveLostConnections: when PostgreSQL ends the node's
// sessions (an administrator, a restart, a failover) while reads are under
// way or their connections wait in the pool, the reads run again on new
// connections rather than fail.
func TestReadsOutliveLostConnections(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, template(t))
	db := setup(t, url, postgres.Options{Keyring: keys, MaxConns: 4})
	if err := db.SetSetting(t.Context(), "test", "read me"); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", url+"&application_name=pnpd-test-admin")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, failed atomic.Int64
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := db.Setting(t.Context(), "test")
				reads.Add(1)
				if err != nil || v != "read me" {
					failed.Add(1)
					t.Logf("read: %q, %v", v, err)
				}
			}
		})
	}

	ended := 0
	for range 5 {
		time.Sleep(100 * time.Millisecond)
		var n int
		err := admin.QueryRowContext(t.Context(), `SELECT count(*)
			FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'pnpd'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		ended += n
	}
	close(stop)
	wg.Wait()
	t.Logf("ended %d sessions during %d reads", ended, reads.Load())
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d reads failed when their sessions ended", n, reads.Load())
	}
}
