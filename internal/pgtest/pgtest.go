// Package pgtest gives tests databases of their own on the PostgreSQL
// server PNPD_TEST_POSTGRES_URL names; without it, the tests skip.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Env names the variable that holds the server's URL, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable: a user who
// may create databases, on a database to connect to while creating them.
const Env = "PNPD_TEST_POSTGRES_URL"

// ServerURL returns the server's URL, or skips t when none is set.
func ServerURL(t testing.TB) string {
	t.Helper()

	u := os.Getenv(Env)
	if u == "" {
		t.Skipf("no PostgreSQL to test on: set %s (for example "+
			"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", Env)
	}

	return u
}

// NewDatabase creates an empty database, or one copied from template when
// it is not "", that is dropped when t ends, and returns its URL.
func NewDatabase(t testing.TB, template string) string {
	t.Helper()

	server := ServerURL(t)
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	defer admin.Close()

	name := "pnpd_test_" + strings.ToLower(rand.Text()[:12])
	query := `CREATE DATABASE ` + name
	if template != "" {
		query += ` TEMPLATE ` + template
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, query); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { Drop(t, name) })

	return WithDatabase(t, server, name)
}

// Drop drops a database, closing its connections first.
func Drop(t testing.TB, name string) {
	t.Helper()

	admin, err := sql.Open("pgx", ServerURL(t))
	if err != nil {
		t.Errorf("drop test database: %v", err)
		return
	}
	defer admin.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+
		` WITH (FORCE)`); err != nil {
		t.Errorf("drop test database %s: %v", name, err)
	}
}

// WithDatabase returns server's URL with another database name.
func WithDatabase(t testing.TB, server, name string) string {
	t.Helper()

	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	u.Path = "/" + name

	return u.String()
}

// Name returns the database a URL names.
func Name(t testing.TB, dbURL string) string {
	t.Helper()

	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("database URL: %v", err)
	}

	return fmt.Sprint(u.Path[1:])
}
