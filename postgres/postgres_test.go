package postgres_test

import (
	"os"
	"strings"
	"sync"
	"testing"

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
