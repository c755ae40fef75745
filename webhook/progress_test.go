package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// TestTrack checks when an event counts as settled and when its next
// attempt is due.
func TestTrack(t *testing.T) {
	t.Parallel()

	e := testEvent(testPhoneHash)
	on := &pnpd.Channel{WebhookURL: "http://127.0.0.1/hook", WebhookEnabled: true,
		RedeliveryEnabled: true}
	noRedelivery := &pnpd.Channel{WebhookURL: on.WebhookURL, WebhookEnabled: true}
	off := &pnpd.Channel{WebhookURL: on.WebhookURL}
	failed := func(n int, after time.Duration) []pnpd.WebhookAttempt {
		out := failedAttempts(n)
		out[n-1].At = e.Timestamp.Add(after)
		return out
	}
	success := append(failedAttempts(1), pnpd.WebhookAttempt{Attempt: 2})
	disabled := []pnpd.WebhookAttempt{{Attempt: 1, Reason: pnpd.ReasonWebhookDisabled}}

	tests := []struct {
		name     string
		ch       *pnpd.Channel
		attempts []pnpd.WebhookAttempt
		now      time.Duration // after the event
		want     Progress
	}{
		{"first attempt on its way", on, nil, 0, Progress{}},
		{"delivered", on, success, time.Minute, Progress{Delivered: true, Settled: true}},
		{"delivered, webhook off since", off, success, 0,
			Progress{Delivered: true, Settled: true}},
		{"webhook off", off, nil, 0, Progress{Settled: true}},
		{"channel gone", nil, failed(1, 0), 0, Progress{Settled: true}},
		{"skipped while off", on, disabled, 0, Progress{Settled: true}},
		{"failed once", on, failed(1, time.Second), time.Second,
			Progress{NextAttemptAt: e.Timestamp.Add(6 * time.Second)}},
		{"failed twice", on, failed(2, time.Minute), time.Minute,
			Progress{NextAttemptAt: e.Timestamp.Add(time.Minute + 15*time.Second)}},
		{"clock past the next attempt", on, failed(1, 0), time.Hour,
			Progress{NextAttemptAt: e.Timestamp.Add(5 * time.Second)}},
		{"no redelivery", noRedelivery, failed(1, 0), 0, Progress{Settled: true}},
		{"attempts used up", on, failed(MaxAttempts, time.Hour), time.Hour,
			Progress{Settled: true}},
		{"next attempt past 24 hours", on, failed(5, 24*time.Hour-time.Minute),
			24*time.Hour - time.Minute, Progress{Settled: true}},
		{"clock past 24 hours", on, failed(1, 0), 25 * time.Hour, Progress{Settled: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := Track(e, tt.ch, tt.attempts, e.Timestamp.Add(tt.now))
			if got != tt.want {
				t.Errorf("Track = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestNextRetryFollowsTheClock checks that River is told to redeliver when
// the failed attempt's delay ends on pnpd's clock, however far that clock
// moved since the attempt: at once, and not at a past time, once it moved
// past the delay.
func TestNextRetryFollowsTheClock(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		fail  bool          // the run fails with an attempt recorded
		moved time.Duration // how far the clock moved after the attempt
		want  time.Duration // from the wall clock
	}{
		{"no attempt recorded", false, 0, 15 * time.Second},
		{"attempt just made", true, 0, 5 * time.Second},
		{"clock moved 3 s since", true, 3 * time.Second, 2 * time.Second},
		{"clock moved past it", true, time.Hour, 0},
		{"clock moved back", true, -time.Hour, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			now := time.UnixMilli(testTimestamp).Add(time.Minute)
			s := setup(t, []int{500}, now, nil)
			if tt.fail {
				_ = s.worker.Work(context.Background(), job(1, testEventID))
			}

			s.worker.clock = fixedClock{now.Add(tt.moved)}
			before := time.Now()
			got := s.worker.NextRetry(job(2, testEventID)).Sub(before)
			if d := got - tt.want; d < -time.Second || d > time.Second {
				t.Errorf("NextRetry is %v from now, want %v", got, tt.want)
			}
			// River ignores a time before its now and waits its own backoff.
			if got < 0 {
				t.Errorf("NextRetry is %v in the past; River would wait its own backoff", -got)
			}
		})
	}
}
