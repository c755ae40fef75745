package cluster_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/pnpd/pnpd/cluster"
)

// startNodes counts the live nodes as node id, every 50 ms.
func startNodes(t *testing.T, db *database, id string) (*cluster.Nodes, func()) {
	t.Helper()

	n := cluster.NewNodes(db.pool(t), id, slog.New(slog.DiscardHandler))
	cluster.SetHeartbeat(n, 50*time.Millisecond)

	return n, run(t, n.Run)
}

// TestNodes: each node counts the nodes alive now, itself included; a
// node that stops stops counting, and one that crashed counts no more
// after 15 s.
func TestNodes(t *testing.T) {
	t.Parallel()
	db := setup(t)
	crashed := `INSERT INTO node VALUES ('crashed', 0,
		(extract(epoch from clock_timestamp()) * 1000)::bigint - 20000)`
	if _, err := db.pool(t).Exec(context.Background(), crashed); err != nil {
		t.Fatalf("insert a crashed node: %v", err)
	}

	a, _ := startNodes(t, db, "a")
	b, stopB := startNodes(t, db, "b")
	live := func(n *cluster.Nodes, want int) func() bool {
		return func() bool { return n.Live() == want }
	}
	eventually(t, "a counting 2 nodes", live(a, 2))
	eventually(t, "b counting 2 nodes", live(b, 2))

	stopB()
	eventually(t, "a counting 1 node after b stopped", live(a, 1))
}

// TestNodesAtLeastOne: before its first count a node counts itself.
func TestNodesAtLeastOne(t *testing.T) {
	t.Parallel()

	n := cluster.NewNodes(nil, "a", slog.New(slog.DiscardHandler))
	if got := n.Live(); got != 1 {
		t.Errorf("%d nodes before counting, want 1", got)
	}
}
