package webhook

import (
	"time"

	"github.com/pnpd/pnpd"
)

// Progress is where the sending of a delivery event stands.
type Progress struct {
	// Delivered is set once an attempt got a 2xx answer.
	Delivered bool
	// Settled is set once no further attempt will be made.
	Settled bool
	// NextAttemptAt is when the next redelivery is due on pnpd's clock;
	// zero when none will come, or the first attempt is still on its way.
	NextAttemptAt time.Time
}

// Track tells where an event stands from its channel (nil when gone), its
// attempts in order and pnpd's clock now, by the worker's own rules.
func Track(e *pnpd.WebhookEvent, ch *pnpd.Channel, attempts []pnpd.WebhookAttempt,
	now time.Time) Progress {
	switch {
	case delivered(attempts):
		return Progress{Delivered: true, Settled: true}
	case ch == nil || !ch.WebhookEnabled || ch.WebhookURL == "":
		return Progress{Settled: true}
	case len(attempts) == 0:
		return Progress{}
	}

	last := attempts[len(attempts)-1]
	next := NextAttemptAt(last)
	// The redelivery runs when due, or at once when the clock is past it;
	// the worker then checks the window.
	runs := next
	if now.After(runs) {
		runs = now
	}
	if last.Reason == pnpd.ReasonWebhookDisabled || !ch.RedeliveryEnabled ||
		last.Attempt >= MaxAttempts || runs.Sub(e.Timestamp) >= RedeliveryWindow {
		return Progress{Settled: true}
	}

	return Progress{NextAttemptAt: next}
}

// NextAttemptAt is when the redelivery after a failed attempt is due, on
// pnpd's clock.
func NextAttemptAt(last pnpd.WebhookAttempt) time.Time {
	return last.At.Add(RedeliveryDelay(last.Attempt))
}
