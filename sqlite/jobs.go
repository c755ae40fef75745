package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// pendingStates are the states of a job that waits to run.
var pendingStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// jobBatch is how many jobs one River call lists or deletes, River's most.
const jobBatch = 10_000

// deletePendingJobs deletes, in tx, every job waiting to run. River never
// deletes a running job; it finishes, and finds its data gone.
func (db *DB) deletePendingJobs(ctx context.Context, tx *sql.Tx) error {
	params := river.NewJobDeleteManyParams().States(pendingStates...).First(jobBatch)
	for {
		res, err := db.jobs.JobDeleteManyTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("delete pending jobs: %w", err)
		}
		if len(res.Jobs) < jobBatch {
			return nil
		}
	}
}
