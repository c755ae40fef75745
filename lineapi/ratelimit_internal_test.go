package lineapi

import (
	"sync/atomic"
	"testing"
	"time"
)

// allowed is how many of n requests at once the channel's push bucket lets
// through.
func allowed(a *API, channelID string, n int) int {
	passed := 0
	for range n {
		if a.limit(channelID, "push") == nil {
			passed++
		}
	}

	return passed
}

// TestRateLimitShared: with several nodes each allows its share of the
// channel's limit, so that together they allow about the limit.
func TestRateLimitShared(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		nodes func() int
		want  int // requests allowed at once of 50
	}{
		{"one node when nobody says", nil, 20},
		{"one node", func() int { return 1 }, 20},
		{"four nodes share the bucket", func() int { return 4 }, 5},
		{"three nodes round down", func() int { return 3 }, 6},
		{"more nodes than requests still allow one", func() int { return 40 }, 1},
		{"no nodes counts as one", func() int { return 0 }, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &API{RateLimit: 20, Nodes: tc.nodes}

			// 50 quick requests refill well under one token at 20 a second.
			if got := allowed(a, "shop", 50); got != tc.want {
				t.Errorf("%d of 50 requests allowed, want %d", got, tc.want)
			}
		})
	}
}

// TestRateLimitFollowsNodes: a node that learns of more nodes shrinks its
// buckets at once, and one that learns of fewer lets them refill faster.
func TestRateLimitFollowsNodes(t *testing.T) {
	t.Parallel()
	var nodes atomic.Int64
	nodes.Store(1)
	a := &API{RateLimit: 1000, Nodes: func() int { return int(nodes.Load()) }}

	if got := allowed(a, "shop", 10); got != 10 {
		t.Fatalf("%d of 10 requests allowed alone, want 10", got)
	}

	// 990 tokens are left, but a hundredth of the limit holds only 10.
	nodes.Store(100)
	if got := allowed(a, "shop", 100); got < 10 || got > 12 {
		t.Errorf("%d of 100 requests allowed among 100 nodes, want 10 to 12", got)
	}

	// Alone again, the bucket refills at 1000 a second, not 10.
	nodes.Store(1)
	allowed(a, "shop", 1)
	time.Sleep(50 * time.Millisecond)
	if got := allowed(a, "shop", 100); got < 40 {
		t.Errorf("%d of 100 requests allowed 50 ms after going back to one node, "+
			"want at least 40", got)
	}
}
