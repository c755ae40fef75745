package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgxlisten"
)

// The channels the nodes notify each other on.
const (
	recipientsChannel = "pnpd_recipients_changed"
	channelsChannel   = "pnpd_channels_changed"
	clockChannel      = "pnpd_clock_moved"
)

const (
	// batchDelay is how long the Bus gathers signals before it sends them:
	// a burst of deliveries then costs a few notifications, not one each.
	batchDelay = 5 * time.Millisecond
	// retryDelay is how long the Bus waits to send again after a failure.
	retryDelay = time.Second
	// sendTimeout bounds one attempt to send, and the last one at stop.
	sendTimeout = 5 * time.Second
	// reconnectDelay is how long the listener waits before it reconnects.
	reconnectDelay = time.Second
)

// Handlers are what a node does when other nodes signal. They run one at
// a time on the listener's goroutine, so each should return quickly; a nil
// handler ignores its signal. Lost is the exception: the Bus also calls it
// from another goroutine when the listener stalls, as it may while another
// handler runs, so it must be safe to call at any time.
type Handlers struct {
	// Changed is called with recipients whose chats changed on another
	// node, to wake their pages here.
	Changed func(recipientIDs ...string)
	// ChannelsChanged is called when another node changed a channel or
	// revoked an access token, to empty what this node remembers of them.
	ChannelsChanged func()
	// ClockMoved is called when another node moved the sandbox's clock, to
	// read the stored offset again.
	ClockMoved func()
	// Resync is called each time the listener has (re)connected: what was
	// signalled while it was away is lost, so caches should be emptied and
	// every page woken.
	Resync func()
	// Lost is called when the listener lost its connection, could not
	// make one, or stopped hearing on it: until the next Resync, news from
	// other nodes may be missed, so nothing that needs it should be
	// trusted (caches should be bypassed).
	Lost func()
}

// Bus carries signals between the nodes sharing a database: recipients
// whose chats changed, channels changed and the clock moved.
//
// Call Publish and ClockMoved after the commit that caused them. The Bus
// sends on a pooled connection of its own, so it needs nothing from the
// store and a failure to signal never fails a write; the price is that a
// signal is lost if the node dies between the commit and the send. A
// change to channels or tokens cannot take that risk (a revoked token
// would go on working on the other nodes), so the store sends
// ChannelsNotify's notification inside the transaction that makes the
// change, and PostgreSQL delivers it exactly when the change commits.
//
// Signals that cannot be sent stay pending and are sent again every second
// until the database takes them, so they arrive at least once; only those
// pending when the node stops and the database is still unreachable are
// lost. A listener that loses its connection misses what is sent until it
// is back, which is what Handlers.Resync is for.
//
// A connection can also stall without failing: a hung server, or a
// half-open TCP connection after a network split or a failover, delivers
// nothing and reports no error. So the Bus pings itself through the pool
// every 2 seconds and listens for its own pings; when one it sent goes
// unheard for 5 seconds, it calls Handlers.Lost and reconnects. A node
// whose listening connection stalls thus stops trusting what it cached
// within 6 to 8 seconds (the next ping, its 5 seconds, and the next look,
// each 2 seconds apart), or about 10 on a busy server, as long as its
// pool still reaches the database: a ping that cannot be sent proves
// nothing either way.
//
// A node does not hear its own signals: it should act on them directly.
// The listener's connection is named pnpd-bus-<node> (application_name),
// so that it can be found in pg_stat_activity.
type Bus struct {
	pool *pgxpool.Pool
	node string
	h    Handlers
	log  *slog.Logger

	wake chan struct{} // holds one token when signals are pending

	mu      sync.Mutex
	pending signals

	// Only the listener's goroutine reads and writes these.
	channels int // how many channels it listens on
	listened int // channels LISTENed on its connection so far

	watch      watch         // the listener's connection and pings
	pingEvery  time.Duration // how often the Bus pings its listener
	stallAfter time.Duration // how long a sent ping may go unheard

	// Tests send the listener's connection here, through a proxy they
	// can freeze, when listenHost is set.
	listenHost string
	listenPort uint16
}

// signals are what the Bus has yet to send.
type signals struct {
	recipients map[string]struct{}
	clockMoved bool
}

// NewBus returns a Bus for node that sends through pool and listens on a
// connection of its own, configured as pool's are. Run starts it.
func NewBus(pool *pgxpool.Pool, node string, h Handlers, log *slog.Logger) *Bus {
	return &Bus{pool: pool, node: node, h: withDefaults(h), log: log,
		wake: make(chan struct{}, 1), pending: signals{recipients: map[string]struct{}{}},
		pingEvery: pingEvery, stallAfter: stallAfter}
}

// withDefaults makes every nil handler one that does nothing.
func withDefaults(h Handlers) Handlers {
	nothing := func() {}
	if h.Changed == nil {
		h.Changed = func(...string) {}
	}
	if h.ChannelsChanged == nil {
		h.ChannelsChanged = nothing
	}
	if h.ClockMoved == nil {
		h.ClockMoved = nothing
	}
	if h.Resync == nil {
		h.Resync = nothing
	}
	if h.Lost == nil {
		h.Lost = nothing
	}

	return h
}

// Publish tells the other nodes that the recipients' chats changed. It
// never blocks: the IDs are sent a few milliseconds later, each once,
// together with any published meanwhile.
func (b *Bus) Publish(recipientIDs ...string) {
	b.signal(func(s *signals) {
		for _, id := range recipientIDs {
			// An ID that cannot be carried is none of pnpd's.
			if plausibleID(id) {
				s.recipients[id] = struct{}{}
			}
		}
	})
}

// ChannelsNotify returns the channel and payload of the notification that
// tells the other nodes that channels or tokens changed, for a store to
// send with SELECT pg_notify(channel, payload) inside the transaction that
// changes them.
func (b *Bus) ChannelsNotify() (channel, payload string) {
	return channelsChannel, b.node
}

// ClockMoved tells the other nodes that the sandbox's clock moved. It
// never blocks.
func (b *Bus) ClockMoved() {
	b.signal(func(s *signals) { s.clockMoved = true })
}

// signal records a signal and wakes the sender.
func (b *Bus) signal(add func(*signals)) {
	b.mu.Lock()
	add(&b.pending)
	b.mu.Unlock()

	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Run listens and sends until ctx is done, then sends what is pending.
func (b *Bus) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { b.sendLoop(ctx) })
	wg.Go(func() { b.watchListener(ctx) })
	err := b.listener().Listen(ctx)
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}

	return fmt.Errorf("cluster bus: %w", err)
}

// sendLoop sends pending signals whenever there are some, until ctx is
// done; then it sends what is left.
func (b *Bus) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			_ = b.sendPending(context.WithoutCancel(ctx))
			return
		case <-b.wake:
		}

		// Waiting a moment gathers a burst's signals into few notifications.
		sleep(ctx, batchDelay)
		if err := b.sendPending(ctx); err != nil {
			sleep(ctx, retryDelay)
		}
	}
}

// sendPending sends every pending signal in one round trip, or none: what
// could not be sent stays pending.
func (b *Bus) sendPending(ctx context.Context) error {
	s := b.take()
	if len(s.recipients) == 0 && !s.clockMoved {
		return nil
	}

	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := b.send(ctx, s); err != nil {
		b.signal(func(p *signals) { p.merge(s) })
		if !errors.Is(err, context.Canceled) {
			b.log.ErrorContext(ctx, "Could not signal the other nodes", "error", err)
		}

		return err
	}

	return nil
}

// send notifies the other nodes. A batch runs as one implicit transaction,
// so either every notification is delivered or none is.
func (b *Bus) send(ctx context.Context, s signals) error {
	const notify = "SELECT pg_notify($1, $2)"
	batch := &pgx.Batch{}
	for _, p := range payloads(b.node, slices.Collect(maps.Keys(s.recipients))) {
		batch.Queue(notify, recipientsChannel, p)
	}
	if s.clockMoved {
		batch.Queue(notify, clockChannel, b.node)
	}

	if err := b.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}

	return nil
}

// take empties the pending signals and returns them.
func (b *Bus) take() signals {
	b.mu.Lock()
	defer b.mu.Unlock()

	s := b.pending
	b.pending = signals{recipients: map[string]struct{}{}}

	return s
}

// merge adds other's signals to s.
func (s *signals) merge(other signals) {
	maps.Copy(s.recipients, other.recipients)
	s.clockMoved = s.clockMoved || other.clockMoved
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()

	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// listener listens on every channel, each with a handler that acts on
// other nodes' notifications.
func (b *Bus) listener() *pgxlisten.Listener {
	l := &pgxlisten.Listener{Connect: b.connect, LogError: b.logListenError,
		ReconnectDelay: reconnectDelay}
	acts := map[string]func(items []string){
		recipientsChannel: func(ids []string) { b.h.Changed(ids...) },
		channelsChannel:   func([]string) { b.h.ChannelsChanged() },
		clockChannel:      func([]string) { b.h.ClockMoved() },
	}
	for channel, act := range acts {
		l.Handle(channel, handler{bus: b, act: act})
	}
	l.Handle(pingChannel, handler{bus: b, own: true, act: b.heardPing})
	b.channels = len(acts) + 1

	return l
}

// connect opens the listener's connection, named after the node.
func (b *Bus) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := b.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "pnpd-bus-" + b.node
	if b.listenHost != "" {
		cfg.Host, cfg.Port, cfg.Fallbacks = b.listenHost, b.listenPort, nil
	}

	// A hung server would otherwise keep the listener from ever trying
	// again.
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}

	b.listened = 0
	b.watch.connected(conn)

	return conn, nil
}

// logListenError is called when the listener's connection ended or could
// not be made, and it is about to reconnect: the handlers return no
// errors, so pgxlisten has no other error to report.
func (b *Bus) logListenError(ctx context.Context, err error) {
	stalled := b.watch.ended()
	// Stopping ends the listener's wait with an error too.
	if ctx.Err() != nil {
		return
	}

	b.h.Lost()
	if stalled {
		// The watchdog closed the connection and has warned already.
		b.log.DebugContext(ctx, "Closed the stalled listener", "error", err)
		return
	}

	b.log.WarnContext(ctx, "Lost the other nodes' signals; reconnecting", "error", err)
}

// listening counts the channels LISTENed on the listener's connection and
// resyncs once all are: from then on nothing is missed, and what came
// before may have been.
func (b *Bus) listening() {
	b.listened++
	if b.listened == b.channels {
		// Pings sent before may never arrive on this connection.
		b.watch.forget()
		b.log.Info("Listening to the other nodes", "node", b.node)
		b.h.Resync()
	}
}

// handler hands notifications on one channel to act: the other nodes',
// or this node's own when own is set.
type handler struct {
	bus *Bus
	own bool
	act func(items []string)
}

// HandleNotification acts on a notification from the nodes it is for.
func (h handler) HandleNotification(_ context.Context, n *pgconn.Notification,
	_ *pgx.Conn) error {
	if node, items := parse(n.Payload); (node == h.bus.node) == h.own {
		h.act(items)
	}

	return nil
}

// HandleBacklog is called after each LISTEN on a new connection.
func (h handler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.bus.listening()

	return nil
}
