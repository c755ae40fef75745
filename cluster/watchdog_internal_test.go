package cluster

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestWatchStalled: the listener is taken for stalled only when a ping
// that was sent on its connection went unheard for longer than the limit,
// and then once.
func TestWatchStalled(t *testing.T) {
	t.Parallel()
	const limit = 5 * time.Second
	t0 := time.Unix(1000, 0)
	late := t0.Add(limit + time.Second)
	tests := []struct {
		name    string
		steps   func(w *watch)
		stalled bool
	}{
		{"unheard past the limit", func(w *watch) { w.sent(w.next(), t0) }, true},
		{"unheard within the limit", func(w *watch) { w.sent(w.next(), late) }, false},
		{"heard", func(w *watch) {
			n := w.next()
			w.sent(n, t0)
			w.heardPing(n)
		}, false},
		{"heard before its send returned", func(w *watch) {
			n := w.next()
			w.heardPing(n)
			w.sent(n, t0)
		}, false},
		{"a later ping heard", func(w *watch) {
			w.sent(w.next(), t0)
			n := w.next()
			w.sent(n, t0)
			w.heardPing(n)
		}, false},
		{"an earlier ping heard", func(w *watch) {
			n := w.next()
			w.sent(w.next(), t0)
			w.heardPing(n)
		}, true},
		{"sent before resyncing", func(w *watch) {
			w.sent(w.next(), t0)
			w.forget()
		}, false},
		{"sent before connecting", func(w *watch) {
			w.sent(w.next(), t0)
			w.connected(&pgx.Conn{})
		}, false},
		{"between connections", func(w *watch) {
			w.ended()
			w.sent(w.next(), t0)
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &watch{}
			conn := &pgx.Conn{}
			w.connected(conn)

			tc.steps(w)
			if got := w.stalled(late, limit) != nil; got != tc.stalled {
				t.Fatalf("stalled = %v, want %v", got, tc.stalled)
			}
			if got := w.stalled(late, limit); got != nil {
				t.Errorf("stalled again with no new ping, want once")
			}
		})
	}
}
