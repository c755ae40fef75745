package receiving_test

import (
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/receiving"
)

// outcomeLog records what the service tells Outcomes.
type outcomeLog struct {
	mu     sync.Mutex
	counts map[flow.Outcome]int
}

func (l *outcomeLog) add(o flow.Outcome, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.counts[o] += n
}

func (l *outcomeLog) snapshot() map[flow.Outcome]int {
	l.mu.Lock()
	defer l.mu.Unlock()

	return maps.Clone(l.counts)
}

// committed runs an in-transaction action as the messenger does: the SMS
// check's transaction, then Committed.
func committed(name string, do func(*fixture, pnpd.Queries) (receiving.Result, error)) step {
	return func(t *testing.T, f *fixture) {
		t.Helper()

		res, err := inTx(f, func(q pnpd.Queries) (receiving.Result, error) { return do(f, q) })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.svc.Committed(res, f.rec.ID)
	}
}

var (
	verifiedCommitted = committed("verified", func(f *fixture,
		q pnpd.Queries) (receiving.Result, error) {
		return f.svc.Verified(f.ctx, q, f.rec.ID)
	})
	numberChangedCommitted = committed("change number", func(f *fixture,
		q pnpd.Queries) (receiving.Result, error) {
		return f.svc.ChangeNumber(f.ctx, q, f.rec.ID, newPhone)
	})
)

// verifiedRolledBack verifies in a transaction that then fails, as when
// the SMS check's commit does.
func verifiedRolledBack(t *testing.T, f *fixture) {
	t.Helper()

	failed := errors.New("disk full")
	_, err := inTx(f, func(q pnpd.Queries) (receiving.Result, error) {
		if _, err := f.svc.Verified(f.ctx, q, f.rec.ID); err != nil {
			return receiving.Result{}, err
		}

		return receiving.Result{}, failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("verified: error %v, want the transaction's own", err)
	}
}

// TestOutcomesAfterCommit checks what Outcomes hears of held notifications
// that the recipient's actions or the sweep settle: what metrics count as
// delivered, dropped and expired after the push.
func TestOutcomesAfterCommit(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		account account
		steps   []step
		want    map[flow.Outcome]int
	}{
		{
			name:    "agree releases: delivered",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{push("a", "A", flow.HoldForConsent),
				push("b", "B", flow.HoldForConsent), agree(receiving.Result{Delivered: 2})},
			want: map[flow.Outcome]int{flow.Deliver: 2},
		},
		{
			name:    "agree moves on to SMS, verification delivers",
			account: account{consent: notSet, standing: stale},
			steps: []step{push("a", "A", flow.HoldForConsent),
				agree(receiving.Result{SMSVerificationRequired: true}), verifiedCommitted},
			want: map[flow.Outcome]int{flow.HoldForSMS: 1, flow.Deliver: 1},
		},
		{
			name:    "a verification that rolls back counts nothing",
			account: account{consent: agreed, standing: stale},
			steps:   []step{push("a", "A", flow.HoldForSMS), verifiedRolledBack},
			want:    map[flow.Outcome]int{},
		},
		{
			name:    "block while held: blocked",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{push("a", "A", flow.HoldForConsent),
				block("A", receiving.Result{Dropped: 1})},
			want: map[flow.Outcome]int{flow.DropBlocked: 1},
		},
		{
			name:    "reject: rejected",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{push("a", "A", flow.HoldForConsent),
				reject(receiving.Result{Dropped: 1})},
			want: map[flow.Outcome]int{flow.DropRejected: 1},
		},
		{
			name:    "number change: number changed",
			account: account{consent: agreed, standing: stale},
			steps:   []step{push("a", "A", flow.HoldForSMS), numberChangedCommitted},
			want:    map[flow.Outcome]int{flow.DropNumberChanged: 1},
		},
		{
			name:    "sweep after 25 hours: expired",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{push("a", "A", flow.HoldForConsent),
				push("b", "B", flow.HoldForConsent), advance(25 * time.Hour), expire(2)},
			want: map[flow.Outcome]int{flow.Expire: 2},
		},
		{
			name:    "agree after 24 hours, before the sweep: expired",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{push("a", "A", flow.HoldForConsent), advance(24 * time.Hour),
				agree(receiving.Result{Dropped: 1})},
			want: map[flow.Outcome]int{flow.Expire: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			log := &outcomeLog{counts: map[flow.Outcome]int{}}
			f.svc.Outcomes = log.add
			f.createRecipient(t, tt.account)

			for _, s := range tt.steps {
				s(t, f)
			}

			if got := log.snapshot(); !maps.Equal(got, tt.want) {
				t.Errorf("Outcomes heard %v, want %v", got, tt.want)
			}
		})
	}
}
