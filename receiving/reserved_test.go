package receiving_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/receiving"
)

// errReserved is what the test's Reserved answers for a reserved number.
var errReserved = pnpd.Errorf(pnpd.EConflict, "This phone number is reserved.")

// reserving returns a Reserved that refuses the given numbers.
func reserving(numbers ...string) func(string) error {
	return func(e164 string) error {
		for _, n := range numbers {
			if n == e164 {
				return errReserved
			}
		}

		return nil
	}
}

// TestReservedNumbers checks that no action changes the recipient of a
// reserved number or what it holds, and that no recipient moves to one.
func TestReservedNumbers(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		reserved []string // besides the recipient's
		do       func(f *fixture) (receiving.Result, error)
	}{
		{name: "agree", do: func(f *fixture) (receiving.Result, error) {
			return f.svc.Agree(f.ctx, f.rec.ID)
		}},
		{name: "reject", do: func(f *fixture) (receiving.Result, error) {
			return f.svc.Reject(f.ctx, f.rec.ID)
		}},
		{name: "privacy policy", do: func(f *fixture) (receiving.Result, error) {
			return f.svc.AgreePrivacyPolicy(f.ctx, f.rec.ID)
		}},
		{name: "verified", do: func(f *fixture) (receiving.Result, error) {
			return inTx(f, func(q pnpd.Queries) (receiving.Result, error) {
				return f.svc.Verified(f.ctx, q, f.rec.ID)
			})
		}},
		{name: "change number", do: func(f *fixture) (receiving.Result, error) {
			return inTx(f, func(q pnpd.Queries) (receiving.Result, error) {
				return f.svc.ChangeNumber(f.ctx, q, f.rec.ID, newPhone)
			})
		}},
		{name: "block", do: func(f *fixture) (receiving.Result, error) {
			return f.svc.SetBlocked(f.ctx, f.rec.ID, f.channels["A"].ID, true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.createRecipient(t, account{consent: notSet, standing: verifiedRecently})
			push("a", "A", flow.HoldForConsent)(t, f)
			f.svc.Reserved = reserving(jpPhone)

			_, err := tt.do(f)
			if !errors.Is(err, errReserved) {
				t.Fatalf("error %v, want the one Reserved gave", err)
			}
			checkUnchanged(t, f)
			stateIs("a", heldConsent)(t, f)
		})
	}
}

// TestNoMoveToReservedNumber checks that a recipient whose own number is
// free cannot change it to a reserved one.
func TestNoMoveToReservedNumber(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.createRecipient(t, account{consent: agreed, standing: verifiedRecently})
	f.svc.Reserved = reserving(newPhone)

	_, err := inTx(f, func(q pnpd.Queries) (receiving.Result, error) {
		return f.svc.ChangeNumber(f.ctx, q, f.rec.ID, newPhone)
	})
	if !errors.Is(err, errReserved) {
		t.Fatalf("error %v, want the one Reserved gave", err)
	}
	checkUnchanged(t, f)
}

// checkUnchanged checks that the stored recipient is as created and
// blocks nothing.
func checkUnchanged(t *testing.T, f *fixture) {
	t.Helper()

	got, err := f.db.Recipient(f.ctx, f.rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f.rec) {
		t.Errorf("recipient %+v, want it unchanged: %+v", got, f.rec)
	}

	blocked, err := f.db.BlockedChannels(f.ctx, f.rec.ID)
	if err != nil || len(blocked) != 0 {
		t.Errorf("blocked channels %v (%v), want none", blocked, err)
	}
}
