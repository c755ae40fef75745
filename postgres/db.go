// Package postgres stores pnpd's data in PostgreSQL (pgx, through
// database/sql) and runs pnpd's background jobs on River's PostgreSQL
// driver for database/sql, so that a job is queued in the same transaction
// as the change that needs it. Several pnpd nodes may share one database:
// each job runs on one node at a time, and a job whose node died is taken
// over by another once its lease (Options.RescueAfter) runs out.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/internal/sqlstore"
	"github.com/pnpd/pnpd/keyring"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultRescueAfter is how long a job may run, when Options do not say,
// before it counts as lost with its node and another node runs it again.
const DefaultRescueAfter = sqlstore.DefaultRescueAfter

// Options configure a DB.
type Options struct {
	// Workers holds the job workers. Add workers to it before Start.
	// Without it the DB only queues jobs, for other nodes to work.
	Workers *river.Workers
	Logger  *slog.Logger
	// PollInterval is how often idle job workers look for new jobs.
	PollInterval time.Duration
	// RescueAfter is the lease of a running job: when its node has not
	// finished it by then, another node runs it again.
	RescueAfter time.Duration
	// MaxConns bounds the node's connections to PostgreSQL (default 20).
	MaxConns int
	// Keyring encrypts the channel secrets at rest. When nil, Open loads
	// KeyFile, creating it when the database holds no encrypted secret
	// yet. Every node of a database needs the same key.
	Keyring *keyring.Keyring
	KeyFile string
	// ChannelsNotify, when its Channel is set, is the notification
	// (pg_notify's channel and payload) a transaction that changes a
	// channel or an access token sends before it commits: PostgreSQL
	// delivers it to the other nodes exactly when the change commits, so
	// that they forget what they remember of it, even if this node dies a
	// moment later.
	ChannelsNotify Notification
	// CacheChannels keeps channels and the tokens that find them in
	// memory. Set it only when the other nodes' changes are heard of, and
	// ChannelsCommitted called for each: until then, this node still sees
	// the old channel, or a revoked token still works here.
	CacheChannels bool
	// Retried, when set, hears of each transaction that runs again, with
	// the reason (one of RetryReasons).
	Retried func(reason string)
}

// Notification is a NOTIFY's channel and payload.
type Notification struct {
	Channel, Payload string
}

// DB is a pnpd.Store on a PostgreSQL database.
type DB struct {
	*sqlstore.DB
	pool    *sql.DB
	log     *slog.Logger
	notify  Notification
	retried func(reason string)
}

var _ pnpd.Store = (*DB)(nil)

// Open connects to the database at url (postgres://...), brings its schema
// and River's up to date, and prepares the job client.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	opts = withDefaults(opts)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, errors.New("--database-url (PNPD_DATABASE_URL) is not a valid " +
			"PostgreSQL URL: check its form, its %-escapes and its sslmode")
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "pnpd"
	}

	pool := sql.OpenDB(rereading{stdlib.GetConnector(*cfg)})
	pool.SetMaxOpenConns(opts.MaxConns)
	pool.SetMaxIdleConns(opts.MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)

	db := &DB{pool: pool, log: opts.Logger, notify: opts.ChannelsNotify,
		retried: opts.Retried}
	if err := db.init(ctx, opts); err != nil {
		pool.Close()
		return nil, err
	}

	return db, nil
}

func withDefaults(opts Options) Options {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 20
	}

	return opts
}

func (db *DB) init(ctx context.Context, opts Options) error {
	if err := db.pool.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", redact(err))
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}

	// A webhook job holds a connection only for its store calls, not while
	// it waits for the receiver.
	jobs, err := river.NewClient(riverdatabasesql.New(db.pool), sqlstore.JobConfig(
		sqlstore.JobOptions{Workers: opts.Workers, Logger: opts.Logger,
			PollInterval: opts.PollInterval, RescueAfter: opts.RescueAfter,
			MaxWorkers: 50}))
	if err != nil {
		return fmt.Errorf("create job client: %w", err)
	}

	db.DB = sqlstore.New(sqlstore.Config{Dialect: dialect, Read: db.pool, Write: db.pool,
		Update: db.update, Jobs: jobs, CacheChannels: opts.CacheChannels,
		Logger: opts.Logger})

	keys, err := db.openKeys(ctx, opts)
	if err != nil {
		return err
	}
	db.SetKeys(keys)

	return nil
}

// dialect is PostgreSQL's: $n parameters, SQLSTATE 23505 for a unique
// violation, whose message names the constraint, and text that holds
// neither NUL nor invalid UTF-8.
var dialect = sqlstore.Dialect{Numbered: true, StrictText: true,
	Unique: func(err error) bool { return sqlState(err) == "23505" }}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}

	return ""
}

// migrationLock is the advisory lock that lets one node at a time bring
// the schema up to date.
const migrationLock = 0x706e7064 // "pnpd"

func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()

	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migrate: wait for other nodes: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), //nolint:errcheck // ends with the session
		`SELECT pg_advisory_unlock($1)`, migrationLock)

	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}

	p, err := goose.NewProvider(goose.DialectPostgres, db.pool, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithTableName("pnpd_schema_version"))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}

	m, err := rivermigrate.New(riverdatabasesql.New(db.pool), nil)
	if err != nil {
		return fmt.Errorf("job migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job schema: %w", err)
	}

	return nil
}

// maxTries bounds how often Update runs a function whose transaction
// PostgreSQL could not serialize with others.
const maxTries = 20

// update runs fn in a SERIALIZABLE transaction, jobs included. Several
// nodes write at once, and serializability keeps each decision (hold or
// deliver, release what is held) as right as one writer would make it:
// when two transactions could not have run one after the other,
// PostgreSQL fails one, and fn runs again, up to maxTries times.
func (db *DB) update(ctx context.Context, fn func(pnpd.Queries) error) error {
	for try := 1; ; try++ {
		changed, committing, err := db.tryUpdate(ctx, fn)
		if err == nil {
			if changed {
				db.ChannelsCommitted()
			}

			return nil
		}
		reason := retryReason(err, committing)
		if reason == "" {
			return err
		}
		if try == maxTries {
			db.log.WarnContext(ctx, "Gave up on a transaction PostgreSQL could not "+
				"complete", "tries", try, "reason", reason, "error", err)

			return err
		}
		db.log.DebugContext(ctx, "Running a transaction again", "try", try,
			"reason", reason, "error", err)
		if db.retried != nil {
			db.retried(reason)
		}

		// Back off a little, at random, so that the same transactions do
		// not collide again.
		wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(try, 6)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// tryUpdate runs fn in one transaction and reports whether it changed
// channels; committing says whether a failure came at the commit, when
// whether it committed may be unknown.
func (db *DB) tryUpdate(ctx context.Context,
	fn func(pnpd.Queries) error) (changed, committing bool, err error) {
	tx, err := db.pool.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return false, false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var ch sqlstore.Changes
	if err := fn(db.InTx(tx, &ch)); err != nil {
		return false, false, err
	}
	if err := db.InsertJobs(ctx, tx, ch.Jobs); err != nil {
		return false, false, err
	}
	if ch.Channels && db.notify.Channel != "" {
		_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, db.notify.Channel,
			db.notify.Payload)
		if err != nil {
			return false, false, fmt.Errorf("notify the other nodes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, true, fmt.Errorf("commit: %w", err)
	}

	return ch.Channels, false, nil
}

// The reasons a transaction runs again, as Options.Retried gets them.
const (
	RetrySerialization  = "serialization_failure"
	RetryDeadlock       = "deadlock"
	RetrySessionEnded   = "session_ended"
	RetryConnectionLost = "connection_lost"
)

// RetryReasons are all the reasons a transaction may run again.
var RetryReasons = []string{RetrySerialization, RetryDeadlock, RetrySessionEnded,
	RetryConnectionLost}

// retryReason says why a transaction that failed with err may run again,
// or "" when it may not; committing says that it failed at the commit.
func retryReason(err error, committing bool) string {
	switch {
	case sqlState(err) == "40001":
		return RetrySerialization
	case sqlState(err) == "40P01":
		return RetryDeadlock
	case sessionEnded(err):
		return RetrySessionEnded
	case !committing && connectionLost(err):
		return RetryConnectionLost
	}

	return ""
}

// sessionEnded reports that the server answered with the end of the
// session (an administrator, a restart, a failover: SQLSTATE 57P01 to
// 57P03). The server answered, so the transaction did not commit, even
// when the answer was to COMMIT, and it may run again on another
// connection.
func sessionEnded(err error) bool {
	return strings.HasPrefix(sqlState(err), "57P")
}

// connectionLost reports a connection that failed without the server's
// word. Before the commit nothing was committed, and the transaction may
// run again; at the commit, whether it committed is unknown.
func connectionLost(err error) bool {
	return strings.HasPrefix(sqlState(err), "08") || errors.Is(err, driver.ErrBadConn)
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

// Close closes the connections. Stop the jobs first.
func (db *DB) Close() error {
	return db.pool.Close()
}

// Pool is the connection pool, for the nodes' other uses of the database.
func (db *DB) Pool() *sql.DB {
	return db.pool
}

// Ping checks that the database answers a query on pnpd's schema.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	if err := db.pool.QueryRowContext(ctx, `SELECT count(*) FROM setting`).Scan(&n); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}

	return nil
}

// redact keeps a connection error's SQLSTATE and message but drops what
// might repeat the URL.
func redact(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}

	return err
}
