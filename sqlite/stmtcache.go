package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"
)

// The statement cache: SQLite compiles every statement before it runs it,
// and with the pure-Go driver compiling costs more than running a short
// query does. Each connection keeps its statements compiled, keyed by their
// text, for pnpd's queries and River's alike. database/sql hands a
// connection to one goroutine at a time, so a cache needs no lock; it lives
// and dies with its connection, so no other connection, or transaction
// holding one, is ever waited for.

// stmtCacheSize bounds the statements one connection keeps: pnpd and River
// together run fewer than this many distinct statements.
const stmtCacheSize = 256

// baseConn is what the driver's connections offer, all of which the wrapper
// must offer too, or database/sql falls back to older, weaker methods.
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type baseStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type baseRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachingConnector opens the driver's connections with a statement cache.
type cachingConnector struct {
	driver.Connector
}

func newCachingConnector(dsn string) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}

	return cachingConnector{base}, nil
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}

	base, ok := conn.(baseConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite connection %T lacks a method the statement cache needs", conn)
	}

	return &cachingConn{baseConn: base, stmts: make(map[string]*cachedStmt)}, nil
}

type cachingConn struct {
	baseConn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	baseStmt
	// busy is set while rows read from the statement: a second use of the
	// same text meanwhile, as a query inside a loop over rows can make,
	// compiles a statement of its own.
	busy bool
}

// Unwrap gives the driver's own connection, for the driver's extensions.
func (c *cachingConn) Unwrap() driver.Conn { return c.baseConn }

// stmt returns the compiled statement for query, compiling it if needed, or
// nil when the query is to run uncached, its statement being busy. (A
// script of several statements is compiled one by one as it runs, cached
// or not.)
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}

		return s, nil
	}

	if len(c.stmts) >= stmtCacheSize {
		c.evict()
	}

	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}

	bs, ok := ds.(baseStmt)
	if !ok {
		ds.Close()
		return nil, nil
	}

	s := &cachedStmt{baseStmt: bs}
	c.stmts[query] = s

	return s, nil
}

// evict drops one idle statement, any one: a full cache means statements
// are made up on the fly, and then which goes matters little.
func (c *cachingConn) evict() {
	for q, s := range c.stmts {
		if !s.busy {
			s.Close()
			delete(c.stmts, q)

			return
		}
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string,
	args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.baseConn.ExecContext(ctx, query, args)
	}

	return s.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string,
	args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.baseConn.QueryContext(ctx, query, args)
	}

	r, err := s.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}

	br, ok := r.(baseRows)
	if !ok {
		r.Close()
		return nil, fmt.Errorf("sqlite rows %T lack a method the statement cache needs", r)
	}
	s.busy = true

	return &cachedRows{baseRows: br, stmt: s}, nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}

	return c.baseConn.Close()
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	baseRows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.baseRows.Close()
	r.stmt.busy = false

	return err
}
