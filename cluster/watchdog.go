package cluster

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pingChannel is where each node pings its own listener. Every node hears
// every node's pings, and ignores the others'.
const pingChannel = "pnpd_bus_ping"

const (
	// pingEvery is how often the Bus pings its listener: a ping is one
	// tiny transaction, and every node hears every other node's.
	pingEvery = 2 * time.Second
	// stallAfter is how long a ping that was sent may go unheard before the
	// listener is taken for stalled. A notification arrives within
	// milliseconds of its commit; 5 s leaves room for a busy server or a
	// slow network, since each false alarm costs a reconnect and a resync
	// (every cache emptied and every page woken), yet keeps short the time
	// in which a token revoked elsewhere may still work here.
	stallAfter = 5 * time.Second
	// connectTimeout bounds connecting the listener, so that a hung server
	// cannot keep it from trying again.
	connectTimeout = 10 * time.Second
)

// watch is what the Bus knows of its listener's connection and of its
// pings, shared by the listener's goroutine and the watchdog's.
type watch struct {
	mu      sync.Mutex
	conn    *pgx.Conn // the listener's connection; nil between two
	closed  bool      // the watchdog closed conn, as it stalled
	last    uint64    // the number of the last ping sent
	heard   uint64    // the number of the last ping heard
	unheard []ping    // pings sent and not yet heard, oldest first
}

// ping is one ping the Bus sent: its number, and when the send returned.
type ping struct {
	n  uint64
	at time.Time
}

// watchListener pings the listener every pingEvery until ctx is done, and
// makes it reconnect when it stops hearing.
func (b *Bus) watchListener(ctx context.Context) {
	t := time.NewTicker(b.pingEvery)
	defer t.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}

		if conn := b.watch.stalled(time.Now(), b.stallAfter); conn != nil {
			b.unstall(ctx, conn)
		}
		b.ping(ctx)
	}
}

// unstall stops trusting the listener at once, and closes its connection
// under it, so that it reconnects and resyncs.
func (b *Bus) unstall(ctx context.Context, conn *pgx.Conn) {
	b.h.Lost()
	b.log.WarnContext(ctx, "The listener stopped hearing the other nodes; reconnecting",
		"unheard_for", b.stallAfter)

	// The listener's goroutine owns conn, so only its network connection
	// is closed, which is safe from here: the listener's wait then fails.
	_ = conn.PgConn().Conn().Close()
}

// ping sends the listener a ping through the pool. A ping that cannot be
// sent is not waited for: a node that cannot reach the database learns it
// otherwise.
func (b *Bus) ping(ctx context.Context) {
	n := b.watch.next()
	ctx, cancel := context.WithTimeout(ctx, b.pingEvery)
	defer cancel()

	payload := b.node + "\n" + strconv.FormatUint(n, 10)
	_, err := b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", pingChannel, payload)
	if err != nil {
		if ctx.Err() == nil {
			b.log.DebugContext(ctx, "Could not ping the listener", "error", err)
		}

		return
	}
	b.watch.sent(n, time.Now())
}

// heardPing is called with the items of a ping of this node's.
func (b *Bus) heardPing(items []string) {
	if len(items) != 1 {
		return
	}

	if n, err := strconv.ParseUint(items[0], 10, 64); err == nil {
		b.watch.heardPing(n)
	}
}

// connected records the listener's new connection. Pings sent before it
// will not arrive on it.
func (w *watch) connected(conn *pgx.Conn) {
	w.mu.Lock()
	defer w.mu.Unlock()

	w.conn, w.closed, w.unheard = conn, false, nil
}

// ended records that the listener's connection is gone, and reports
// whether the watchdog closed it.
func (w *watch) ended() (stalled bool) {
	w.mu.Lock()
	defer w.mu.Unlock()

	stalled = w.closed
	w.conn, w.closed = nil, false

	return stalled
}

// forget drops the pings sent so far: those committed before the
// connection LISTENed will never arrive on it.
func (w *watch) forget() {
	w.mu.Lock()
	defer w.mu.Unlock()

	w.unheard = nil
}

// next numbers a new ping.
func (w *watch) next() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()

	w.last++

	return w.last
}

// sent records that ping n was sent at, unless it was heard already.
func (w *watch) sent(n uint64, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()

	if n > w.heard {
		w.unheard = append(w.unheard, ping{n: n, at: at})
	}
}

// heardPing records that ping n arrived. Notifications from one session
// arrive in the order they were committed, so the pings before it either
// arrived or were sent before the connection was made.
func (w *watch) heardPing(n uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()

	w.heard = max(w.heard, n)
	w.unheard = slices.DeleteFunc(w.unheard, func(p ping) bool { return p.n <= n })
}

// stalled returns the listener's connection if a ping sent on it went
// unheard for longer than limit, and marks it closed; nil otherwise. The
// pings are then forgotten, so that the next alarm needs new ones.
func (w *watch) stalled(now time.Time, limit time.Duration) *pgx.Conn {
	w.mu.Lock()
	defer w.mu.Unlock()

	if len(w.unheard) == 0 || now.Sub(w.unheard[0].at) <= limit {
		return nil
	}
	w.unheard = nil
	// Between connections the listener has called Lost already, and
	// connecting is bounded by connectTimeout.
	if w.conn == nil || w.closed {
		return nil
	}
	w.closed = true

	return w.conn
}
