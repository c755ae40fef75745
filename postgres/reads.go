package postgres

import (
	"context"
	"database/sql/driver"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// rereading opens connections whose reads outside a transaction run again
// on another connection when theirs was lost under them: PostgreSQL ended
// the session (an administrator, a restart, a failover) or the network
// dropped it. database/sql runs a query again on another connection when
// the driver says driver.ErrBadConn, which pgx says only when nothing was
// sent; a read may run again whatever was sent. Updates run again on their
// own (DB.update), and other statements outside a transaction, River's,
// are left as pgx reports them.
type rereading struct {
	driver.Connector
}

func (c rereading) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if pc, ok := conn.(*stdlib.Conn); ok {
		return rereadingConn{pc}, nil
	}

	return conn, nil
}

// rereadingConn is pgx's connection, whose failed reads database/sql runs
// again.
type rereadingConn struct {
	*stdlib.Conn
}

func (c rereadingConn) QueryContext(ctx context.Context, query string,
	args []driver.NamedValue) (driver.Rows, error) {
	pc := c.Conn.Conn()
	inTx := pc.PgConn().TxStatus() != 'I'
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if !isRead(query) {
		return rows, err
	}
	// A connection the failure closed was lost; a failure of the query
	// alone (a bad argument, a cancelled context) leaves it open, or is
	// the caller's to hear.
	if err != nil && !inTx && pc.IsClosed() && ctx.Err() == nil {
		return nil, driver.ErrBadConn
	}
	if r, ok := rows.(*stdlib.Rows); ok {
		return readRows{Rows: r, conn: pc}, nil
	}

	return rows, err
}

// readRows are a read's rows. QueryRowContext reads the first row and then
// closes them, and closing reads the rest of the answer: a connection lost
// then, after the row the caller has, fails nothing the caller needs. The
// pool sees the loss when it next hands the connection out.
type readRows struct {
	*stdlib.Rows
	conn *pgx.Conn
}

func (r readRows) Close() error {
	err := r.Rows.Close()
	if err != nil && r.conn.IsClosed() {
		return nil
	}

	return err
}

// isRead reports whether query is a plain SELECT, which changes nothing
// and may run twice.
func isRead(query string) bool {
	const spaces = " \t\r\n"
	q := strings.TrimLeft(query, spaces)
	if len(q) <= 6 || !strings.EqualFold(q[:6], "SELECT") ||
		!strings.ContainsRune(spaces, rune(q[6])) {
		return false
	}

	// These SELECTs do change something.
	return !strings.Contains(q, "pg_notify") && !strings.Contains(q, "pg_advisory")
}
