package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// heartbeat is how often a node marks itself alive and counts the rest.
	heartbeat = 5 * time.Second
	// liveWindow is how recently a node must have been seen to count: a
	// node that stopped without saying so counts for this long.
	liveWindow = 15 * time.Second
	// forgetAfter is when a node that stopped without saying so loses its
	// row, so that crashed nodes do not pile up.
	forgetAfter = time.Hour
)

// Times in the node table are the database's, in Unix milliseconds: one
// clock for every node, however far theirs drift.
const nowMillis = `(extract(epoch from clock_timestamp()) * 1000)::bigint`

const (
	markAlive = `INSERT INTO node (id, started_at, seen_at)
SELECT $1, now_ms, now_ms FROM (SELECT ` + nowMillis + ` AS now_ms) AS clock
ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at`
	countLive  = `SELECT count(*) FROM node WHERE seen_at >= ` + nowMillis + ` - $1`
	forgetDead = `DELETE FROM node WHERE seen_at < ` + nowMillis + ` - $1`
	markGone   = `DELETE FROM node WHERE id = $1`
)

// Nodes keeps this node's row in the node table fresh and counts the live
// nodes, so that each node can take its share of a channel's rate limit.
//
// Sharing a limit this way is approximate. Let r be a channel's limit on
// an endpoint (requests a second), N the live nodes, and b = max(1,
// floor(r/N)) each node's burst. Each node admits at most (r/N)·t + b
// requests in any t seconds, however requests are balanced, so while every
// node counts N correctly the cluster admits at most r·t + N·b: about r a
// second, with bursts up to N·b, which is r or less when r ≥ N and N
// (more than r) when r < N.
//
// The count is wrong for a while whenever nodes come or go. A node that
// starts counts itself and the others at once, but the others count it
// only at their next heartbeat, up to 5 s later; meanwhile the cluster may
// admit up to r·(1 + 1/N) a second. A node that stops cleanly deletes its
// row, and the others admit too little, r·(N−1)/N a second, until their
// next heartbeat, up to 5 s. A node that crashes keeps being counted until
// its row is 15 s old and the others next count, up to 20 s; meanwhile
// they admit r·(N−1)/N. Several nodes changing at once add up likewise.
//
// The bound above counts admissions; whether r a second can be admitted
// depends on the load balancer. Each node refuses once its own r/N is
// spent, so with an uneven balancer a node that receives more than 1/N of
// a channel's requests refuses early and the cluster admits less than r:
// with two nodes splitting 70/30, a channel sending r a second has 0.5r
// plus 0.3r admitted. A balancer that routes by connection rather than by
// request is the worst case: a business that sends over one kept-alive
// connection reaches one node and gets r/N.
type Nodes struct {
	pool  *pgxpool.Pool
	node  string
	log   *slog.Logger
	every time.Duration
	live  atomic.Int64
}

// NewNodes returns the live-node count for node, at 1 until Run first
// counts.
func NewNodes(pool *pgxpool.Pool, node string, log *slog.Logger) *Nodes {
	n := &Nodes{pool: pool, node: node, log: log, every: heartbeat}
	n.live.Store(1)

	return n
}

// Live returns how many nodes were alive when last counted, this one
// included: at least 1.
func (n *Nodes) Live() int {
	return int(n.live.Load())
}

// Run marks this node alive and counts the live nodes every 5 seconds
// until ctx is done; then it removes this node, so that the others stop
// counting it at their next count.
func (n *Nodes) Run(ctx context.Context) error {
	t := time.NewTicker(n.every)
	defer t.Stop()

	for {
		if err := n.beat(ctx); err != nil && ctx.Err() == nil {
			// The last count stands until the database answers again.
			n.log.ErrorContext(ctx, "Could not count the live nodes", "error", err)
		}

		select {
		case <-ctx.Done():
			return n.leave(context.WithoutCancel(ctx))
		case <-t.C:
		}
	}
}

// beat marks this node alive, counts the live nodes and forgets long-dead
// ones.
func (n *Nodes) beat(ctx context.Context) error {
	if _, err := n.pool.Exec(ctx, markAlive, n.node); err != nil {
		return fmt.Errorf("mark node alive: %w", err)
	}

	var live int64
	err := n.pool.QueryRow(ctx, countLive, liveWindow.Milliseconds()).Scan(&live)
	if err != nil {
		return fmt.Errorf("count live nodes: %w", err)
	}
	n.live.Store(max(1, live))

	if _, err := n.pool.Exec(ctx, forgetDead, forgetAfter.Milliseconds()); err != nil {
		return fmt.Errorf("forget dead nodes: %w", err)
	}

	return nil
}

// leave removes this node's row.
func (n *Nodes) leave(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()

	if _, err := n.pool.Exec(ctx, markGone, n.node); err != nil {
		return fmt.Errorf("remove node: %w", err)
	}

	return nil
}
