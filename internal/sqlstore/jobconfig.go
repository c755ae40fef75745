package sqlstore

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd/internal/quietlog"
)

// DefaultRescueAfter is how long a job may run, unless a store's options
// say otherwise, before it counts as lost with its process and runs again.
const DefaultRescueAfter = 30 * time.Second

// JobOptions are how a store's River client works jobs.
type JobOptions struct {
	// Workers holds the job workers; without it the client only queues
	// jobs, for another process to work.
	Workers *river.Workers
	Logger  *slog.Logger
	// PollInterval is how often idle workers look for new jobs; 50 ms
	// when zero.
	PollInterval time.Duration
	// RescueAfter is how long a job may run before it counts as lost and
	// runs again; DefaultRescueAfter when zero.
	RescueAfter time.Duration
	// MaxWorkers bounds the jobs the process runs at once.
	MaxWorkers int
}

// JobConfig returns the River client's configuration for opts. A run is
// cut off at half the rescue time, and at 10 s, so that a job is never
// rescued while its first run still goes on.
func JobConfig(opts JobOptions) *river.Config {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	if opts.RescueAfter == 0 {
		opts.RescueAfter = DefaultRescueAfter
	}

	var queues map[string]river.QueueConfig
	if opts.Workers != nil {
		queues = map[string]river.QueueConfig{river.QueueDefault: {
			MaxWorkers: opts.MaxWorkers}}
	}

	return &river.Config{
		Queues:               queues,
		Workers:              opts.Workers,
		Logger:               quietLogger(opts.Logger).With("component", "jobs"),
		FetchPollInterval:    opts.PollInterval,
		FetchCooldown:        opts.PollInterval / 2,
		JobTimeout:           min(opts.RescueAfter/2, 10*time.Second),
		RescueStuckJobsAfter: opts.RescueAfter,
	}
}

// quietPeriod is how often one failure of the job workers' is logged while
// it goes on: River's fetcher, for one, fails on every poll while the
// database is down.
const quietPeriod = 10 * time.Second

func quietLogger(log *slog.Logger) *slog.Logger {
	return slog.New(quietlog.New(log.Handler(), quietPeriod))
}
