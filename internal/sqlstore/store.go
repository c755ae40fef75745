// Package sqlstore holds the queries pnpd's SQL stores share: the sqlite and
// postgres packages open their database, run its migrations and
// transactions, and hand both to a DB from here, which implements
// pnpd.Queries on them. The SQL is written once, in the common part of the
// two dialects, with ? for parameters; a Dialect says how the driver wants
// them and how it reports a unique violation.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/keyring"
)

// Conn is what both *sql.DB and *sql.Tx offer.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is what sets one database's SQL apart.
type Dialect struct {
	// Numbered has the driver take parameters as $1, $2, ... rather than ?.
	Numbered bool
	// Unique reports whether err is a unique-constraint violation; its
	// message then names the columns or the constraint.
	Unique func(err error) bool
	// NoIndex returns an expression of a column that the planner does not
	// look up in an index; nil for the column itself.
	NoIndex func(column string) string
	// StrictText refuses text with a NUL character or invalid UTF-8, as
	// PostgreSQL does; the store then answers for such a value as for any
	// other that nothing stored can hold: not found when it is looked
	// up, EInvalid when it is written.
	StrictText bool
}

// noIndex is the dialect's NoIndex.
func (d Dialect) noIndex(column string) string {
	if d.NoIndex == nil {
		return column
	}

	return d.NoIndex(column)
}

// Config is what a store adapter gives a DB.
type Config struct {
	Dialect Dialect
	// Read runs the reads made outside Update. A write made outside Update
	// runs in an Update of its own, so that it shares the adapter's way of
	// committing; Write runs the queries that return what they write.
	Read, Write Conn
	// Update runs a function in a write transaction: the adapter begins
	// it, calls DB.InTx for the function's Queries, inserts the jobs they
	// collected with DB.InsertJobs, commits, and then calls
	// DB.ChannelsCommitted when they changed a channel.
	Update func(ctx context.Context, fn func(pnpd.Queries) error) error
	Jobs   *river.Client[*sql.Tx]
	// Keys seal the channel secrets at rest; nil keeps them in clear.
	Keys *keyring.Keyring
	// CacheChannels keeps channels and the tokens that find them in
	// memory. Only a store whose every write goes through this process
	// may, or one that hears of other processes' writes and calls
	// ChannelsCommitted.
	CacheChannels bool
	Logger        *slog.Logger
}

// DB implements pnpd.Queries on an adapter's database, and Update through
// the adapter's transactions.
type DB struct {
	queries
	dialect  Dialect
	update   func(ctx context.Context, fn func(pnpd.Queries) error) error
	jobs     *river.Client[*sql.Tx]
	keys     *keyring.Keyring
	channels *channelCache // nil: not cached
	log      *slog.Logger
}

// New returns a DB on the connections and transactions cfg gives.
func New(cfg Config) *DB {
	db := &DB{dialect: cfg.Dialect, update: cfg.Update, jobs: cfg.Jobs, keys: cfg.Keys,
		log: cfg.Logger}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if cfg.CacheChannels {
		db.channels = newChannelCache()
	}
	db.queries = queries{r: db.bind(cfg.Read), w: viaUpdate{db: db, c: db.bind(cfg.Write)},
		db: db}

	return db
}

// Update runs fn in one write transaction of the adapter's.
func (db *DB) Update(ctx context.Context, fn func(pnpd.Queries) error) error {
	return db.update(ctx, fn)
}

// Changes collects what one run of an update's function leaves for its
// commit.
type Changes struct {
	// Jobs are the jobs it queued, to insert just before the commit.
	Jobs []river.InsertManyParams
	// Channels is set when it wrote to a channel or an access token.
	Channels bool
}

// InTx returns the Queries of a function run in tx, which note in ch what
// the commit must do.
func (db *DB) InTx(tx *sql.Tx, ch *Changes) pnpd.Queries {
	c := db.bind(tx)

	return &queries{r: c, w: c, tx: tx, db: db, ch: ch}
}

// InsertJobs queues jobs in tx, in one statement.
func (db *DB) InsertJobs(ctx context.Context, tx *sql.Tx, jobs []river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}

	if _, err := db.jobs.InsertManyFastTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("enqueue %d jobs: %w", len(jobs), err)
	}

	return nil
}

// ChannelsCommitted empties the channel cache: a change to channels or
// tokens has committed, here or, when the adapter hears of it, elsewhere.
func (db *DB) ChannelsCommitted() {
	if db.channels != nil {
		db.channels.invalidate()
	}
}

// TrustChannelCache says whether the adapter hears of other processes'
// changes to channels and tokens now: while it does not, the cache stays
// empty and every lookup reads the database. When it does again, the
// cache starts empty, as news may have been missed.
func (db *DB) TrustChannelCache(trusted bool) {
	if db.channels != nil {
		db.channels.pause(!trusted)
	}
}

// Jobs returns the River client.
func (db *DB) Jobs() *river.Client[*sql.Tx] {
	return db.jobs
}

// Keyring returns the keyring the channel secrets are sealed with, nil
// when the store keeps them in clear; its TokenKey signs access tokens.
func (db *DB) Keyring() *keyring.Keyring {
	return db.keys
}

// SetKeys changes the keyring, for an adapter that opens it after New.
func (db *DB) SetKeys(keys *keyring.Keyring) {
	db.keys = keys
}

func (db *DB) isUniqueViolation(err error) bool {
	return err != nil && db.dialect.Unique(err)
}

// bind gives c the dialect's parameters and text.
func (db *DB) bind(c Conn) Conn {
	if c == nil {
		return c
	}
	if db.dialect.Numbered {
		c = numbered{c}
	}
	if db.dialect.StrictText {
		c = strictText{c}
	}

	return c
}

// errText is what a write of text no stored value can hold gets.
var errText = pnpd.Errorf(pnpd.EInvalid,
	"A value holds a NUL character or invalid UTF-8, which cannot be stored.")

// strictText keeps text the database would refuse from reaching it.
type strictText struct {
	c Conn
}

func (s strictText) ExecContext(ctx context.Context, query string,
	args ...any) (sql.Result, error) {
	if !storable(args) {
		return nil, errText
	}

	return s.c.ExecContext(ctx, query, args...)
}

func (s strictText) QueryContext(ctx context.Context, query string,
	args ...any) (*sql.Rows, error) {
	if !storable(args) {
		return nil, errText
	}

	return s.c.QueryContext(ctx, query, args...)
}

// QueryRowContext finds no row for text no stored value can hold.
func (s strictText) QueryRowContext(ctx context.Context, query string,
	args ...any) *sql.Row {
	if !storable(args) {
		return s.c.QueryRowContext(ctx, `SELECT 1 WHERE 1 = 0`)
	}

	return s.c.QueryRowContext(ctx, query, args...)
}

// storable reports whether every text argument is valid UTF-8 without NUL.
func storable(args []any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && (!utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0) {
			return false
		}
	}

	return true
}

// numbered rewrites each query's ? parameters as $1, $2, ...; pnpd's SQL
// has no ? inside a string literal.
type numbered struct {
	c Conn
}

func (n numbered) ExecContext(ctx context.Context, query string,
	args ...any) (sql.Result, error) {
	return n.c.ExecContext(ctx, renumber(query), args...)
}

func (n numbered) QueryContext(ctx context.Context, query string,
	args ...any) (*sql.Rows, error) {
	return n.c.QueryContext(ctx, renumber(query), args...)
}

func (n numbered) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return n.c.QueryRowContext(ctx, renumber(query), args...)
}

// renumbered keeps each query's rewrite: pnpd runs a few hundred distinct
// queries, over and over.
var renumbered sync.Map // query → its rewrite

func renumber(query string) string {
	if q, ok := renumbered.Load(query); ok {
		return q.(string)
	}

	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteString("$" + strconv.Itoa(n))
	}
	renumbered.Store(query, b.String())

	return b.String()
}

// sealSecret returns a channel's secret as the database keeps it.
func (db *DB) sealSecret(channelID, secret string) string {
	if db.keys == nil {
		return secret
	}

	return db.keys.SealSecret(channelID, secret)
}

// openSecret puts a channel's secret in clear, as the database gave it.
func (db *DB) openSecret(c *pnpd.Channel) error {
	if !keyring.Sealed(c.Secret) {
		return nil
	}
	if db.keys == nil {
		return errors.New("open channel secret: the store has no key")
	}

	secret, err := db.keys.OpenSecret(c.ID, c.Secret)
	if err != nil {
		return fmt.Errorf("open channel secret: %w", err)
	}
	c.Secret = secret

	return nil
}

// viaUpdate runs each write made outside Update in an Update of its own.
type viaUpdate struct {
	db *DB
	c  Conn
}

func (v viaUpdate) ExecContext(ctx context.Context, query string,
	args ...any) (sql.Result, error) {
	var res sql.Result
	err := v.db.Update(ctx, func(q pnpd.Queries) error {
		var err error
		// The write is the transaction's now: a caller that goes away must
		// not interrupt a transaction others may share.
		res, err = q.(*queries).w.ExecContext(context.WithoutCancel(ctx), query, args...)

		return err
	})

	return res, err
}

func (v viaUpdate) QueryContext(ctx context.Context, query string,
	args ...any) (*sql.Rows, error) {
	return v.c.QueryContext(ctx, query, args...)
}

func (v viaUpdate) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return v.c.QueryRowContext(ctx, query, args...)
}

// insertID runs an INSERT into a table whose key is an id the database
// picks, and returns that id; outside Update, in an Update of its own.
func (q *queries) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	if q.tx == nil {
		var id int64
		err := q.db.Update(ctx, func(tq pnpd.Queries) error {
			var err error
			id, err = tq.(*queries).insertID(context.WithoutCancel(ctx), query, args...)

			return err
		})

		return id, err
	}

	var id int64
	err := q.w.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)

	return id, err
}
