package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pnpd/pnpd/cluster"
)

// node is a Bus and what its handlers heard from the other nodes.
type node struct {
	id       string
	bus      *cluster.Bus
	changed  chan []string
	channels chan struct{}
	clock    chan struct{}
	resync   chan struct{}
	lost     chan struct{}
}

// startNode starts a node's Bus on db, configured as given, and waits
// until it listens.
func startNode(t *testing.T, db *database, id string, configure ...func(*cluster.Bus)) *node {
	t.Helper()

	n := &node{id: id, changed: make(chan []string, 1000),
		channels: make(chan struct{}, 10), clock: make(chan struct{}, 10),
		resync: make(chan struct{}, 10), lost: make(chan struct{}, 10)}
	n.bus = cluster.NewBus(db.pool(t), id, cluster.Handlers{
		Changed:         func(ids ...string) { n.changed <- ids },
		ChannelsChanged: func() { n.channels <- struct{}{} },
		ClockMoved:      func() { n.clock <- struct{}{} },
		Resync:          func() { n.resync <- struct{}{} },
		Lost: func() {
			select { // each failed reconnect calls it again
			case n.lost <- struct{}{}:
			default:
			}
		},
	}, slog.New(slog.DiscardHandler))
	for _, c := range configure {
		c(n.bus)
	}
	run(t, n.bus.Run)
	receive(t, n.resync, id+" listening")

	return n
}

// receive waits for one signal on ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()

	var v T
	select {
	case v = <-ch:
	case <-time.After(wait):
		t.Fatalf("%s: nothing within %v", what, wait)
	}

	return v
}

// receiveIDs waits until n has heard of want recipients in all, and
// returns them sorted along with how many calls brought them.
func receiveIDs(t *testing.T, n *node, want int) (ids []string, calls int) {
	t.Helper()

	for len(ids) < want {
		ids = append(ids, receive(t, n.changed, n.id+" hearing recipients")...)
		calls++
	}
	slices.Sort(ids)

	return ids, calls
}

// TestPublish: a delivery committed on one node wakes the recipient's
// pages on the others, each recipient once, and the sender hears nothing
// of its own.
func TestPublish(t *testing.T) {
	t.Parallel()
	db := setup(t)
	a, b := startNode(t, db, "a"), startNode(t, db, "b")

	a.bus.Publish("aiko", "ben")
	a.bus.Publish("ben")
	if got, _ := receiveIDs(t, b, 2); !slices.Equal(got, []string{"aiko", "ben"}) {
		t.Errorf("b heard %q, want aiko and ben once each", got)
	}

	// a's own notification was committed before b's answer, so a would
	// hear it first.
	b.bus.Publish("chie")
	if got := receive(t, a.changed, "a hearing b"); !slices.Equal(got, []string{"chie"}) {
		t.Errorf("a heard %q first, want only b's chie", got)
	}
}

// TestPublishLargeBatch: thousands of recipients at once do not fit one
// notification; every one still reaches the other node.
func TestPublishLargeBatch(t *testing.T) {
	t.Parallel()
	db := setup(t)
	a, b := startNode(t, db, "a"), startNode(t, db, "b")

	var want []string
	for i := range 3000 {
		want = append(want, fmt.Sprintf("%026d", i))
	}
	a.bus.Publish(want...)

	got, calls := receiveIDs(t, b, len(want))
	if !slices.Equal(got, want) {
		t.Errorf("b heard %d recipients, want the %d published", len(got), len(want))
	}
	if calls < 10 {
		t.Errorf("the recipients came in %d notifications, want 10 or more", calls)
	}
}

// TestChannelsChangedAndClockMoved: the other nodes hear that channels
// changed and the clock moved; the sender does not.
func TestChannelsChangedAndClockMoved(t *testing.T) {
	t.Parallel()
	db := setup(t)
	a, b := startNode(t, db, "a"), startNode(t, db, "b")
	tests := []struct {
		name string
		send func(*node)
		hear func(*node) chan struct{}
	}{
		{"channels changed", func(n *node) {
			// As a store does, inside the transaction of the change.
			channel, payload := n.bus.ChannelsNotify()
			_, err := db.pool(t).Exec(t.Context(), "SELECT pg_notify($1, $2)", channel, payload)
			if err != nil {
				t.Fatal(err)
			}
		},
			func(n *node) chan struct{} { return n.channels }},
		{"clock moved", func(n *node) { n.bus.ClockMoved() },
			func(n *node) chan struct{} { return n.clock }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.send(a)
			receive(t, tc.hear(b), "b hearing a")

			// Notifications arrive in the order they were committed: had a
			// heard its own signal, b's would be waiting behind it once a
			// hears b's later recipient.
			tc.send(b)
			receive(t, tc.hear(a), "a hearing b")
			b.bus.Publish("aiko")
			receive(t, a.changed, "a hearing b's recipient")
			if got := len(tc.hear(a)); got != 0 {
				t.Errorf("a heard the signal %d more times, want once, from b", got)
			}
		})
	}
}

// TestResync: when the listener's connection is lost, the node reconnects
// by itself and resyncs, since it may have missed signals meanwhile.
func TestResync(t *testing.T) {
	t.Parallel()
	db := setup(t)
	a, b := startNode(t, db, "a"), startNode(t, db, "b")

	var killed bool
	// Only this test's database: the tests run at once, with nodes named
	// alike in databases of their own.
	err := db.admin.QueryRow(context.Background(), `SELECT pg_terminate_backend(pid)
		FROM pg_stat_activity WHERE application_name = $1 AND datname = $2`,
		"pnpd-bus-a", db.cfg.ConnConfig.Database).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("terminate a's listener: %v, %v", killed, err)
	}

	receive(t, a.lost, "a losing its listener")
	receive(t, a.resync, "a resyncing")
	b.bus.Publish("aiko")
	if got := receive(t, a.changed, "a hearing b"); !slices.Equal(got, []string{"aiko"}) {
		t.Errorf("a heard %q after reconnecting, want aiko", got)
	}
}

// TestStalledListener: when the listener's connection stops carrying
// anything without failing, as to a hung server or after a network split,
// the node stops trusting its cache, reconnects and resyncs, and hears the
// other nodes again.
func TestStalledListener(t *testing.T) {
	t.Parallel()
	db := setup(t)
	px := startProxy(t, db)
	a := startNode(t, db, "a", func(bus *cluster.Bus) {
		cluster.ListenVia(bus, px.host, px.port)
		cluster.SetPings(bus, 200*time.Millisecond, 2*time.Second)
	})
	b := startNode(t, db, "b")
	pool := db.pool(t)
	if got := px.connections(); got != 1 {
		t.Fatalf("a's listener made %d connections through the proxy, want 1", got)
	}

	// b revokes a token that a may have cached, while a hears nothing.
	px.freeze()
	notifyChannelsChanged(t, pool, b)
	receive(t, a.lost, "a noticing that its listener stalled")
	receive(t, a.resync, "a resyncing")
	if got := px.connections(); got < 2 {
		t.Fatalf("a's listener made %d connections through the proxy, want a new one", got)
	}

	notifyChannelsChanged(t, pool, b)
	receive(t, a.channels, "a hearing b's channels change after reconnecting")
	b.bus.Publish("aiko")
	if got := receive(t, a.changed, "a hearing b"); !slices.Equal(got, []string{"aiko"}) {
		t.Errorf("a heard %q after reconnecting, want aiko", got)
	}
}

// notifyChannelsChanged has n tell the others that channels changed, as a
// store does inside the transaction of the change.
func notifyChannelsChanged(t *testing.T, pool *pgxpool.Pool, n *node) {
	t.Helper()

	channel, payload := n.bus.ChannelsNotify()
	_, err := pool.Exec(t.Context(), "SELECT pg_notify($1, $2)", channel, payload)
	if err != nil {
		t.Fatalf("notify: %v", err)
	}
}

// TestPublishNeverBlocks: a node publishes even when it cannot send yet;
// what it published goes out once it can.
func TestPublishNeverBlocks(t *testing.T) {
	t.Parallel()
	db := setup(t)
	b := startNode(t, db, "b")
	bus := cluster.NewBus(db.pool(t), "a", cluster.Handlers{}, slog.New(slog.DiscardHandler))

	for i := range 10000 {
		bus.Publish(fmt.Sprint(i % 10))
	}
	run(t, bus.Run)

	if got, _ := receiveIDs(t, b, 10); len(got) != 10 {
		t.Errorf("b heard %d recipients, want the 10 published before a ran", len(got))
	}
}
