package messenger

import (
	"fmt"
	"testing"
	"time"
)

// TestClientLimiterForgetsOnlyFullBuckets: memory holds the clients of the
// last minutes only, and forgetting a client never gives it back tokens
// early.
func TestClientLimiterForgetsOnlyFullBuckets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	l := newClientLimiter(Rate{PerMinute: 1, Burst: 2}, func() time.Time { return now })

	for i := range 1000 {
		l.take(fmt.Sprintf("192.0.2.%d", i)) // one token each, then gone
	}
	l.take("198.51.100.1")
	l.take("198.51.100.1")
	if wait := l.take("198.51.100.1"); wait <= 0 {
		t.Fatal("a third request at once was allowed, want a wait")
	}

	// A minute on, the 1,000 have their token back and are full; the busy
	// client has one of two and must be remembered.
	now = now.Add(61 * time.Second)
	l.take("203.0.113.1")
	if got := len(l.buckets); got != 2 {
		t.Errorf("%d clients remembered after a minute, want 2", got)
	}
	if wait := l.take("198.51.100.1"); wait != 0 {
		t.Errorf("the busy client's refilled token was refused (wait %v)", wait)
	}
	if wait := l.take("198.51.100.1"); wait <= 0 {
		t.Error("the busy client got a token it had not earned back")
	}
}

// TestNoClientLimiter: a rate of 0 limits nothing.
func TestNoClientLimiter(t *testing.T) {
	t.Parallel()
	l := newClientLimiter(Rate{}, time.Now)

	for range 100 {
		if wait := l.take("192.0.2.1"); wait != 0 {
			t.Fatalf("a request waits %v with no limit", wait)
		}
	}
}
