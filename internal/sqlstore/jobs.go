package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pnpd/pnpd"
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

// settleWait bounds how long MakeDue waits for the jobs running when it was
// called to be marked done. River marks a finished job in batches every
// 50 ms; a job still running after this is sending, and will schedule its
// retry by the clock as it is after the move.
const settleWait = 500 * time.Millisecond

// MakeDue makes every job scheduled to run at or before until (a wall-clock
// time) available at once, and returns how many it moved. The sandbox calls
// it when its clock moves forward, so that a webhook redelivery waiting on
// its backoff follows the clock.
func (db *DB) MakeDue(ctx context.Context, until time.Time) (int, error) {
	// A job that failed just before the move may not be marked retryable
	// yet; its retry is due within the moved span all the same.
	if err := db.settleRunning(ctx); err != nil {
		return 0, err
	}

	var n int
	err := db.Update(ctx, func(q pnpd.Queries) error {
		var err error
		n, err = db.retryDue(ctx, q.(*queries).tx, until)

		return err
	})
	if err != nil {
		return 0, fmt.Errorf("make jobs due: %w", err)
	}

	return n, nil
}

// settleRunning waits, up to settleWait, until the jobs running now are no
// longer marked running.
func (db *DB) settleRunning(ctx context.Context) error {
	running := river.NewJobListParams().States(rivertype.JobStateRunning).First(jobBatch)
	deadline := time.Now().Add(settleWait)
	for {
		res, err := db.jobs.JobList(ctx, running)
		if err != nil {
			return fmt.Errorf("list running jobs: %w", err)
		}
		if len(res.Jobs) == 0 || time.Now().After(deadline) {
			return nil
		}
		running = running.IDs(jobIDs(res.Jobs)...)

		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func jobIDs(jobs []*rivertype.JobRow) []int64 {
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}

	return ids
}

// retryDue makes due, in tx, the jobs waiting for a time at or before
// until. River keeps a retry due within its scheduler's interval available
// with a future time, so available jobs count too. A scheduled or retryable
// job whose time has passed is not due yet either: it waits for River's
// scheduler, which runs every 5 s. Listing and retrying in the writer's
// transaction keeps a job from finishing in between and being run again.
func (db *DB) retryDue(ctx context.Context, tx *sql.Tx, until time.Time) (int, error) {
	params := river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateRetryable,
			rivertype.JobStateScheduled).
		OrderBy(river.JobListOrderByTime, river.SortOrderAsc).First(jobBatch)
	now, n := time.Now(), 0
	for {
		res, err := db.jobs.JobListTx(ctx, tx, params)
		if err != nil {
			return n, fmt.Errorf("list waiting jobs: %w", err)
		}

		for _, j := range res.Jobs {
			if j.ScheduledAt.After(until) {
				return n, nil
			}
			if j.State == rivertype.JobStateAvailable && !j.ScheduledAt.After(now) {
				continue // due already
			}
			if _, err := db.jobs.JobRetryTx(ctx, tx, j.ID); err != nil {
				return n, fmt.Errorf("retry job %d: %w", j.ID, err)
			}
			n++
		}
		if len(res.Jobs) < jobBatch {
			return n, nil
		}
		params = params.After(res.LastCursor)
	}
}
