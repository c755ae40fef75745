package receiving_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/receiving"
)

// TestTrace checks that the operator's trace shows the path a notification
// took through the receiving flow, each step at the flow's clock time.
func TestTrace(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		steps []step
		want  []pnpd.TraceStep
	}{
		{
			name: "held for consent, then for an SMS verification, then delivered",
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(time.Hour),
				agree(receiving.Result{SMSVerificationRequired: true}),
				advance(time.Hour),
				verified(receiving.Result{Delivered: 1}),
			},
			want: []pnpd.TraceStep{
				{At: start, State: heldConsent},
				{At: start.Add(time.Hour), State: heldSMS},
				{At: start.Add(2 * time.Hour), State: delivered},
			},
		},
		{
			name:  "held, then expired by the sweep at its expiry time",
			steps: []step{push("a", "A", flow.HoldForConsent), advance(25 * time.Hour), expire(1)},
			want: []pnpd.TraceStep{
				{At: start, State: heldConsent},
				{At: start.Add(day), State: expired},
			},
		},
		{
			name: "held, then dropped when the recipient blocks the channel",
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(time.Minute),
				block("A", receiving.Result{Dropped: 1}),
			},
			want: []pnpd.TraceStep{
				{At: start, State: heldConsent},
				{At: start.Add(time.Minute), State: blocked},
			},
		},
		{
			name: "sent to a recipient who blocked the channel: dropped at once",
			steps: []step{
				block("A", receiving.Result{}),
				push("a", "A", flow.DropBlocked),
			},
			want: []pnpd.TraceStep{{At: start, State: blocked}},
		},
		{
			name: "held, then dropped when the recipient changes number",
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(time.Hour),
				changeNumber(newPhone, receiving.Result{Dropped: 1}),
			},
			want: []pnpd.TraceStep{
				{At: start, State: heldConsent},
				{At: start.Add(time.Hour), State: pnpd.StateNumberChanged},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			f := setup(t)
			f.createRecipient(t, account{consent: notSet, standing: stale})
			for _, s := range tc.steps {
				s(t, f)
			}

			f.checkTrace(t, "a", tc.want)
		})
	}
}

// checkTrace checks the trace of the push labelled so.
func (f *fixture) checkTrace(t *testing.T, label string, want []pnpd.TraceStep) {
	t.Helper()

	id := f.pushes[label].RequestID
	got, err := f.db.NotificationTrace(f.ctx, id)
	if err != nil {
		t.Fatalf("trace of %s: %v", label, err)
	}

	for i := range want {
		want[i].NotificationID = id
	}
	if !slices.Equal(got, want) {
		t.Errorf("trace of %s:\n got %+v\nwant %+v", label, got, want)
	}
}
