// Package sqlite stores pnpd's data in an embedded SQLite database (the
// pure-Go modernc.org/sqlite driver, WAL mode) and runs pnpd's background
// jobs on River's SQLite driver, so that a job is queued in the same
// transaction as the change that needs it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/internal/sqlstore"
	"github.com/pnpd/pnpd/keyring"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultRescueAfter is how long a job may run, when Options do not say,
// before it counts as lost.
const DefaultRescueAfter = sqlstore.DefaultRescueAfter

// Options configure a DB.
type Options struct {
	// Workers holds the job workers. Add workers to it before Start.
	// Without it the DB only queues jobs, of any kind, for another process.
	Workers *river.Workers
	Logger  *slog.Logger
	// PollInterval is how often idle job workers look for new jobs. SQLite
	// has no LISTEN/NOTIFY, so this bounds the queue's latency.
	PollInterval time.Duration
	// RescueAfter is how long a job may run before a restart treats it as
	// lost and runs it again.
	RescueAfter time.Duration
	// Keyring encrypts the channel secrets at rest. When nil, Open loads
	// KeyFile, creating it when the database holds no encrypted secret
	// yet. Without either, secrets are stored in clear: for tools and
	// tests only, and refused once the database holds encrypted ones.
	Keyring *keyring.Keyring
	KeyFile string
}

// DB is a pnpd.Store on one SQLite file.
type DB struct {
	*sqlstore.DB
	write *sql.DB // one connection: SQLite allows one writer at a time
	read  *sql.DB
	log   *slog.Logger
	// writer runs the updates, grouping them into shared commits.
	writer *writer
	lock   *os.File // held while open; see lockFile
}

var _ pnpd.Store = (*DB)(nil)

// Open opens (creating when needed) the database file at path, brings its
// schema and River's up to date, and prepares the job client.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	opts = withDefaults(opts)
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}

	write, err := openPool(path, 1)
	if err != nil {
		unlock(lock)
		return nil, err
	}

	read, err := openPool(path, 4)
	if err != nil {
		write.Close()
		unlock(lock)
		return nil, err
	}

	db := &DB{write: write, read: read, log: opts.Logger, lock: lock}
	if err := db.init(ctx, opts); err != nil {
		db.Close()
		return nil, err
	}
	db.writer = startWriter(db)

	return db, nil
}

func withDefaults(opts Options) Options {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}

	return opts
}

func openPool(path string, conns int) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)",
		// FULL: a notification the API accepted survives a power loss too.
		"synchronous(FULL)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")

	connector, err := newCachingConnector("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	pool := sql.OpenDB(connector)
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxLifetime(0)

	return pool, nil
}

func (db *DB) init(ctx context.Context, opts Options) error {
	if err := db.migrate(ctx); err != nil {
		return err
	}

	keys, err := db.openKeys(ctx, opts)
	if err != nil {
		return err
	}

	// A webhook job spends its time waiting, for the receiver and for a
	// commit, so many run at once; their attempts share commits.
	jobs, err := river.NewClient(riversqlite.New(db.write), sqlstore.JobConfig(
		sqlstore.JobOptions{Workers: opts.Workers, Logger: opts.Logger,
			PollInterval: opts.PollInterval, RescueAfter: opts.RescueAfter,
			MaxWorkers: 100}))
	if err != nil {
		return fmt.Errorf("create job client: %w", err)
	}

	// Only this process writes the file, so the channel cache hears of
	// every change.
	db.DB = sqlstore.New(sqlstore.Config{Dialect: dialect, Read: read(db),
		Write: db.write, Update: db.update, Jobs: jobs, Keys: keys,
		CacheChannels: true, Logger: opts.Logger})

	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}

	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, sub,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}

	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}

	m, err := rivermigrate.New(riversqlite.New(db.write), nil)
	if err != nil {
		return fmt.Errorf("job migrations: %w", err)
	}

	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job schema: %w", err)
	}

	return nil
}

// Start starts working jobs. Workers must be in Options.Workers by then.
func (db *DB) Start(ctx context.Context) error {
	if err := db.Jobs().Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}

	return nil
}

// Stop stops working jobs, letting running ones finish until ctx is done.
func (db *DB) Stop(ctx context.Context) error {
	err := db.Jobs().Stop(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("stop jobs: %w", err)
	}

	return nil
}

// Close closes the database. Stop the jobs first.
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.stop()
	}

	err := errors.Join(db.write.Close(), db.read.Close())
	unlock(db.lock)

	return err
}

// unlock lets another process open the database; closing the file drops
// its lock.
func unlock(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}

// dialect is SQLite's: ? parameters, unique violations named in the
// message, and a unary "+" to keep a column's index out of a query plan.
var dialect = sqlstore.Dialect{
	Unique: func(err error) bool {
		return strings.Contains(err.Error(), "UNIQUE constraint failed")
	},
	NoIndex: func(column string) string { return "+" + column },
}

// read is the pool reads outside Update run on.
func read(db *DB) sqlstore.Conn { return db.read }
