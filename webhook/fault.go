package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
)

// MaxFaultDelay is the longest wait a delay fault may ask for.
const MaxFaultDelay = 30 * time.Second

// FaultDelayLimit is the longest delay fault a server whose jobs count as
// lost after rescueAfter can hold: the job that waits must end before then,
// or a second run would send the event while the first still waits.
func FaultDelayLimit(rescueAfter time.Duration) time.Duration {
	const margin = 2 * time.Second

	return min(max(rescueAfter-JobTimeout-margin, 0), MaxFaultDelay)
}

// takeFault takes one unit of the channel's oldest sandbox fault, when the
// worker injects faults, and returns it (nil when there is none). A status
// fault sends nothing, so its attempt is recorded in the transaction that
// takes the unit; the other kinds' attempts are recorded after sending,
// since no transaction may stay open while a receiver answers.
func (w *Worker) takeFault(ctx context.Context, ch *pnpd.Channel,
	a *pnpd.WebhookAttempt) (*pnpd.WebhookFault, error) {
	if !w.InjectFaults {
		return nil, nil
	}

	var fault *pnpd.WebhookFault
	err := w.store.Update(ctx, func(q pnpd.Queries) error {
		var err error
		fault, err = q.TakeWebhookFault(ctx, ch.ID)
		if pnpd.ErrorCode(err) == pnpd.ENotFound {
			fault = nil
			return nil
		}
		if err != nil || fault.Kind != pnpd.FaultStatus {
			return err
		}

		injectStatus(a, fault, w.clock.Now())

		return q.AddWebhookAttempt(ctx, a)
	})
	if err != nil {
		return nil, storeError(err)
	}

	return fault, nil
}

// injectStatus fills in an attempt that a status fault answered.
func injectStatus(a *pnpd.WebhookAttempt, f *pnpd.WebhookFault, now time.Time) {
	res := statusResult(f.StatusCode, 0)
	a.At = now
	a.StatusCode, a.Reason, a.Detail = res.StatusCode, res.Reason, res.Detail
	a.Injected = f.Kind
}

// deliver sends body once, after waiting for a delay fault, or dropping
// the connection for a drop fault. A wait cut short by ctx sends nothing;
// the caller checks ctx.
func (w *Worker) deliver(ctx context.Context, ch *pnpd.Channel, body []byte,
	fault *pnpd.WebhookFault) Result {
	var kind pnpd.FaultKind
	if fault != nil {
		kind = fault.Kind
	}

	switch kind {
	case pnpd.FaultDelay:
		if !sleep(ctx, fault.Delay) {
			return Result{}
		}
	case pnpd.FaultDrop:
		return w.sender.SendDropped(ctx, ch.WebhookURL, ch.Secret, body)
	}

	return w.sender.Send(ctx, ch.WebhookURL, ch.Secret, body)
}

// sleep waits d and reports whether ctx let it.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()

	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// duplicate sends the identical request (same body, same signature) again
// after the first copy, which got res, and records both at once, so that
// no one sees the event settled between them. It goes on as the better of
// the two went: the event arrived if either copy did.
func (w *Worker) duplicate(ctx context.Context, e *pnpd.WebhookEvent, ch *pnpd.Channel,
	first *pnpd.WebhookAttempt, body []byte, res Result) error {
	again := w.sender.Send(ctx, ch.WebhookURL, ch.Secret, body)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}

	second := *first
	second.Attempt++
	w.fill(first, res)
	w.fill(&second, again)
	err := w.store.Update(ctx, func(q pnpd.Queries) error {
		if err := q.AddWebhookAttempt(ctx, first); err != nil {
			return err
		}

		return q.AddWebhookAttempt(ctx, &second)
	})
	if err != nil {
		return storeError(err)
	}
	w.count(first)
	w.count(&second)

	if first.Reason == "" {
		return w.outcome(ctx, e, ch, first)
	}

	return w.outcome(ctx, e, ch, &second)
}
