package sqlite

import (
	"context"
	"fmt"
)

// queueStates are the River job states of a job that has yet to run.
var queueStates = []string{"available", "scheduled", "retryable"}

// QueueDepth counts the jobs waiting to run, by state, every state in
// queueStates present. It reads on the read pool, so a scrape never waits
// for the single writer.
func (db *DB) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT state, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count queued jobs: %w", err)
	}
	defer rows.Close()

	depth := make(map[string]int, len(queueStates))
	for _, s := range queueStates {
		depth[s] = 0
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count queued jobs: %w", err)
		}
		depth[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count queued jobs: %w", err)
	}

	return depth, nil
}

// Ping checks that the database file answers a query: it reads the schema,
// which a bare "SELECT 1" would not touch.
func (db *DB) Ping(ctx context.Context) error {
	var tables int
	err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables)
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}

	return nil
}
