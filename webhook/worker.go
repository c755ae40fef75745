package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
)

// MaxAttempts is how many times pnpd tries one event when the channel has
// redelivery on: the first attempt and one per entry of the schedule.
const MaxAttempts = len(redeliverySchedule) + 1

// RedeliveryWindow is how long after the event pnpd keeps redelivering it;
// LINE's own rule tells businesses that no event means no delivery after
// 24 hours.
const RedeliveryWindow = 24 * time.Hour

// JobTimeout bounds one run of the webhook job: one attempt of at most
// DefaultTimeout and the store calls around it.
const JobTimeout = 10 * time.Second

// redeliverySchedule is the wait before each redelivery, indexed by the
// number of attempts made. It adds up to 23 h 51 min 20 s, inside
// RedeliveryWindow.
var redeliverySchedule = [...]time.Duration{
	5 * time.Second,
	15 * time.Second,
	1 * time.Minute,
	5 * time.Minute,
	15 * time.Minute,
	30 * time.Minute,
	1 * time.Hour,
	2 * time.Hour,
	4 * time.Hour,
	8 * time.Hour,
	8 * time.Hour,
}

// RedeliveryDelay returns the wait after the given number of failed
// attempts; past the schedule it repeats the last entry.
func RedeliveryDelay(attempts int) time.Duration {
	i := min(max(attempts-1, 0), len(redeliverySchedule)-1)

	return redeliverySchedule[i]
}

// Worker is the River worker that sends one stored delivery event to its
// channel's webhook per run and records every attempt.
type Worker struct {
	river.WorkerDefaults[pnpd.WebhookJob]

	store  pnpd.Store
	clock  pnpd.Clock
	sender *Sender
	logger *slog.Logger

	// Metrics, when set, is told of every attempt recorded.
	Metrics Metrics
	// InjectFaults makes every attempt take the sandbox's faults for its
	// channel; the server sets it in sandbox mode only.
	InjectFaults bool
	// FaultDelayLimit is the longest delay fault the sandbox accepts; see
	// FaultDelayLimit.
	FaultDelayLimit time.Duration

	// failed holds, by event ID, the attempt a run just failed with, for
	// NextRetry, which River calls right after the run.
	failed sync.Map
}

// Metrics counts webhook attempts; the server passes Prometheus's.
type Metrics interface {
	WebhookAttempt(a *pnpd.WebhookAttempt)
}

// NewWorker returns a Worker. A nil sender is a zero Sender; a nil logger
// discards.
func NewWorker(store pnpd.Store, clock pnpd.Clock, sender *Sender,
	logger *slog.Logger) *Worker {
	if sender == nil {
		sender = &Sender{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	return &Worker{store: store, clock: clock, sender: sender, logger: logger}
}

// Register adds w to the workers a River client runs.
func Register(workers *river.Workers, w *Worker) {
	river.AddWorker(workers, w)
}

// NextRetry schedules the next redelivery at the time the delivery view
// shows: the failed attempt's time plus its delay, on pnpd's clock, turned
// into the wall-clock time River compares with. So a clock moved while the
// attempt was being recorded moves the redelivery too. A run that recorded
// no attempt waits the delay for River's count of runs.
func (w *Worker) NextRetry(job *river.Job[pnpd.WebhookJob]) time.Time {
	now := time.Now()
	v, ok := w.failed.LoadAndDelete(job.Args.EventID)
	if !ok {
		return now.Add(RedeliveryDelay(job.Attempt))
	}

	a := v.(pnpd.WebhookAttempt)
	due := now.Add(NextAttemptAt(a).Sub(w.clock.Now()))
	// A clock moved back since the attempt must not put it off longer.
	if latest := now.Add(RedeliveryDelay(a.Attempt)); due.After(latest) {
		return latest
	}
	// A clock moved past the delay makes the redelivery due at once. River
	// takes a time before its own now as a mistake and waits its default
	// backoff instead (1 s, 16 s, 81 s... by the runs so far), so a past
	// time must not reach it.
	if due.Before(now) {
		return now
	}

	return due
}

// Timeout bounds one run of the job; with faults, it allows for the
// longest delay.
func (w *Worker) Timeout(*river.Job[pnpd.WebhookJob]) time.Duration {
	if w.InjectFaults {
		return JobTimeout + w.FaultDelayLimit
	}

	return JobTimeout
}

// Work sends the job's event once. It returns nil when the receiver
// answered 2xx or nothing is to be sent, an error when River should
// redeliver later, and a cancelling error when pnpd gives up.
func (w *Worker) Work(ctx context.Context, job *river.Job[pnpd.WebhookJob]) error {
	w.failed.Delete(job.Args.EventID)
	e, ch, err := w.load(ctx, job.Args.EventID)
	if err != nil {
		return err
	}

	previous, err := w.store.WebhookAttempts(ctx, e.ID)
	if err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}

	if delivered(previous) {
		// A run that crashed after recording success must not send twice.
		w.log(ctx, slog.LevelDebug, "Webhook already delivered", e, ch)

		return nil
	}

	a := &pnpd.WebhookAttempt{
		EventID: e.ID,
		Attempt: len(previous) + 1,
		// River re-runs a job that crashed mid-send; the receiver may
		// have seen that first try, so this one is a redelivery too.
		Redelivery: len(previous) > 0 || job.Attempt > 1,
	}

	return w.attempt(ctx, e, ch, a, failed(previous))
}

// attempt decides whether to send, sends and records the attempt.
func (w *Worker) attempt(ctx context.Context, e *pnpd.WebhookEvent, ch *pnpd.Channel,
	a *pnpd.WebhookAttempt, failedBefore bool) error {
	if !ch.WebhookEnabled || ch.WebhookURL == "" {
		return w.skip(ctx, e, ch, a)
	}

	if failedBefore && !w.mayRedeliver(e, ch) {
		w.log(ctx, slog.LevelInfo, "Webhook redelivery not allowed", e, ch)

		return river.JobCancel(errors.New("send webhook: redelivery not allowed"))
	}

	fault, err := w.takeFault(ctx, ch, a)
	if err != nil {
		return err
	}
	if fault != nil && fault.Kind == pnpd.FaultStatus {
		// Recorded with the fault taken: nothing is sent.
		w.count(a)

		return w.outcome(ctx, e, ch, a)
	}

	return w.send(ctx, e, ch, a, fault)
}

// send sends the event once (twice for a duplicate fault), as the fault
// says, and records each attempt.
func (w *Worker) send(ctx context.Context, e *pnpd.WebhookEvent, ch *pnpd.Channel,
	a *pnpd.WebhookAttempt, fault *pnpd.WebhookFault) error {
	if fault != nil {
		a.Injected = fault.Kind
	}

	body := Body(e, a.Redelivery)
	res := w.deliver(ctx, ch, body, fault)
	if err := ctx.Err(); err != nil {
		// The run was cut short; River runs it again as a redelivery.
		return fmt.Errorf("send webhook: %w", err)
	}

	if fault != nil && fault.Kind == pnpd.FaultDuplicate {
		return w.duplicate(ctx, e, ch, a, body, res)
	}

	if err := w.record(ctx, a, res); err != nil {
		return err
	}

	return w.outcome(ctx, e, ch, a)
}

// load reads the event and its channel; either missing cancels the job,
// since no later run could find them.
func (w *Worker) load(ctx context.Context,
	eventID string) (*pnpd.WebhookEvent, *pnpd.Channel, error) {
	e, err := w.store.WebhookEvent(ctx, eventID)
	if err != nil {
		return nil, nil, w.loadError(ctx, "Webhook event not found", err,
			"event_id", eventID)
	}

	ch, err := w.store.Channel(ctx, e.ChannelID)
	if err != nil {
		return nil, nil, w.loadError(ctx, "Webhook channel not found", err,
			"event_id", e.ID, "channel_id", e.ChannelID)
	}

	return e, ch, nil
}

func (w *Worker) loadError(ctx context.Context, msg string, err error,
	attrs ...any) error {
	err = fmt.Errorf("send webhook: %w", err)
	if pnpd.ErrorCode(err) != pnpd.ENotFound {
		return err
	}

	w.logger.WarnContext(ctx, msg, attrs...)

	return river.JobCancel(err)
}

// skip records that the channel's webhook is off; nothing is sent and the
// event is not retried.
func (w *Worker) skip(ctx context.Context, e *pnpd.WebhookEvent, ch *pnpd.Channel,
	a *pnpd.WebhookAttempt) error {
	a.At = w.clock.Now()
	a.Reason = pnpd.ReasonWebhookDisabled
	if err := w.store.AddWebhookAttempt(ctx, a); err != nil {
		return storeError(err)
	}
	w.count(a)

	w.log(ctx, slog.LevelInfo, "Webhook disabled", e, ch)

	return nil
}

func (w *Worker) record(ctx context.Context, a *pnpd.WebhookAttempt, res Result) error {
	w.fill(a, res)
	if err := w.store.AddWebhookAttempt(ctx, a); err != nil {
		return storeError(err)
	}
	w.count(a)

	return nil
}

// fill sets what an attempt's result says, at pnpd's time now.
func (w *Worker) fill(a *pnpd.WebhookAttempt, res Result) {
	a.At = w.clock.Now()
	a.StatusCode = res.StatusCode
	a.Reason = res.Reason
	a.Detail = res.Detail
	a.Latency = res.Latency
}

// storeError wraps a failure to record an attempt. An event gone from the
// store (the sandbox reset the data meanwhile) cancels the job: no later
// run could find it.
func storeError(err error) error {
	err = fmt.Errorf("send webhook: %w", err)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return river.JobCancel(err)
	}

	return err
}

func (w *Worker) count(a *pnpd.WebhookAttempt) {
	if w.Metrics != nil {
		w.Metrics.WebhookAttempt(a)
	}
}

// outcome logs a recorded attempt and tells River what to do next.
func (w *Worker) outcome(ctx context.Context, e *pnpd.WebhookEvent, ch *pnpd.Channel,
	a *pnpd.WebhookAttempt) error {
	if a.Reason == "" {
		w.logAttempt(ctx, slog.LevelInfo, "Webhook delivered", e, ch, a)

		return nil
	}

	err := fmt.Errorf("send webhook: attempt %d: %s: %s", a.Attempt, a.Reason, a.Detail)
	if a.Attempt < MaxAttempts && w.mayRedeliver(e, ch) {
		w.logAttempt(ctx, slog.LevelWarn, "Webhook attempt failed", e, ch, a)
		w.failed.Store(e.ID, *a)

		return err
	}

	w.logAttempt(ctx, slog.LevelWarn, "Webhook delivery abandoned", e, ch, a)

	return river.JobCancel(err)
}

// mayRedeliver reports whether the channel wants redelivery and the event
// is still inside RedeliveryWindow by pnpd's clock.
func (w *Worker) mayRedeliver(e *pnpd.WebhookEvent, ch *pnpd.Channel) bool {
	return ch.RedeliveryEnabled && w.clock.Now().Sub(e.Timestamp) < RedeliveryWindow
}

// log writes a message about an event. It never logs delivery.data, which
// may be a phone hash, nor the channel secret.
func (w *Worker) log(ctx context.Context, level slog.Level, msg string,
	e *pnpd.WebhookEvent, ch *pnpd.Channel) {
	w.logger.Log(ctx, level, msg, "event_id", e.ID, "channel_id", ch.ID)
}

func (w *Worker) logAttempt(ctx context.Context, level slog.Level, msg string,
	e *pnpd.WebhookEvent, ch *pnpd.Channel, a *pnpd.WebhookAttempt) {
	w.logger.Log(ctx, level, msg,
		"event_id", e.ID,
		"channel_id", ch.ID,
		"attempt", a.Attempt,
		"redelivery", a.Redelivery,
		"status", a.StatusCode,
		"reason", a.Reason,
		"detail", a.Detail,
		"latency_ms", a.Latency.Milliseconds(),
	)
}

// delivered reports whether an attempt already got a 2xx.
func delivered(attempts []pnpd.WebhookAttempt) bool {
	for _, a := range attempts {
		if a.Reason == "" {
			return true
		}
	}

	return false
}

// failed reports whether an attempt reached for the receiver and failed; a
// skip while the webhook was off does not count.
func failed(attempts []pnpd.WebhookAttempt) bool {
	for _, a := range attempts {
		if a.Reason != "" && a.Reason != pnpd.ReasonWebhookDisabled {
			return true
		}
	}

	return false
}
