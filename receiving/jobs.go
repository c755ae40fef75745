package receiving

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
)

// ExpiryWorker runs the expiry sweep as a River job. Release checks the
// expiry time too, so a sweep that runs late never lets an expired
// notification through; the sweep only tidies the held ones away.
type ExpiryWorker struct {
	river.WorkerDefaults[pnpd.ExpiryJob]
	Service *Service
}

// Work expires every held notification past its 24 hours.
func (w *ExpiryWorker) Work(ctx context.Context, _ *river.Job[pnpd.ExpiryJob]) error {
	_, err := w.Service.Expire(ctx)
	return err
}

// ExpiryEvery is how often the sweep runs.
const ExpiryEvery = time.Minute

// ExpiryPeriodicJob schedules the sweep every minute, and once at start.
func ExpiryPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(ExpiryEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return pnpd.ExpiryJob{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true})
}
