package cluster_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// nodeTable is the table the postgres migrations create.
const nodeTable = `CREATE TABLE node (id TEXT PRIMARY KEY, started_at BIGINT NOT NULL,
seen_at BIGINT NOT NULL)`

// wait is how long a test waits for a signal to arrive.
const wait = 10 * time.Second

// database is a fresh PostgreSQL database for one test.
type database struct {
	cfg   *pgxpool.Config
	admin *pgx.Conn // on the database it was made from, not on it
}

// setup makes a database with a random name, with the node table, dropped
// when the test ends. It skips the test when no PostgreSQL is given.
func setup(t *testing.T) *database {
	t.Helper()

	url := os.Getenv("PNPD_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("PNPD_TEST_POSTGRES_URL is not set, so there is no PostgreSQL to test on")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("PNPD_TEST_POSTGRES_URL: %v", err)
	}

	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { admin.Close(ctx) })

	cfg.ConnConfig.Database = "pnpd_test_" + strings.ToLower(rand.Text())
	create := "CREATE DATABASE " + pgx.Identifier{cfg.ConnConfig.Database}.Sanitize()
	if _, err := admin.Exec(ctx, create); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		drop := "DROP DATABASE " + pgx.Identifier{cfg.ConnConfig.Database}.Sanitize() +
			" WITH (FORCE)"
		if _, err := admin.Exec(ctx, drop); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})

	db := &database{cfg: cfg, admin: admin}
	if _, err := db.pool(t).Exec(ctx, nodeTable); err != nil {
		t.Fatalf("create node table: %v", err)
	}

	return db
}

// pool opens a pool on the database, as a node would, closed when the test
// ends.
func (db *database) pool(t *testing.T) *pgxpool.Pool {
	t.Helper()

	p, err := pgxpool.NewWithConfig(context.Background(), db.cfg.Copy())
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(p.Close)

	return p
}

// run runs a node's loop until the test ends, then checks that it stopped
// cleanly.
func run(t *testing.T, loop func(ctx context.Context) error) (stop func()) {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- loop(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stop: %v", err)
		}
	}
	t.Cleanup(stop)

	return stop
}

// eventually waits until ok holds, failing the test after wait.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()

	deadline := time.Now().Add(wait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
