package sqlstore

import (
	"context"
	"fmt"

	"github.com/pnpd/pnpd"
)

// queueStates are the River job states of a job that has yet to run.
var queueStates = []string{"available", "scheduled", "retryable"}

// queueKinds are pnpd's job kinds: each is reported, at zero when none
// waits, so that a webhook backlog shows apart from the expiry sweep.
var queueKinds = []string{pnpd.WebhookJob{}.Kind(), pnpd.ExpiryJob{}.Kind()}

// QueueDepth counts the jobs waiting to run by kind, then by state; every
// kind in queueKinds and every state in queueStates is present. It reads
// outside any transaction, so a scrape never waits for a writer.
func (db *DB) QueueDepth(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count queued jobs: %w", err)
	}
	defer rows.Close()

	depth := make(map[string]map[string]int, len(queueKinds))
	for _, kind := range queueKinds {
		depth[kind] = zeroStates()
	}
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, fmt.Errorf("count queued jobs: %w", err)
		}
		if depth[kind] == nil {
			depth[kind] = zeroStates()
		}
		depth[kind][state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count queued jobs: %w", err)
	}

	return depth, nil
}

func zeroStates() map[string]int {
	states := make(map[string]int, len(queueStates))
	for _, s := range queueStates {
		states[s] = 0
	}

	return states
}
