package receiving_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/receiving"
)

func unit(name string) pushOption {
	return func(p *receiving.Push) { p.AggregationUnit = name }
}

// TestAggregationUnitLimit checks LINE's monthly limit of 1,000 unit names:
// the 1,001st name is not assigned, yet its notification is delivered, and
// counted under no unit; a name the month has already stays usable.
func TestAggregationUnitLimit(t *testing.T) {
	t.Parallel()

	f := setup(t)
	f.createRecipient(t, account{consent: pnpd.ConsentAgreed})
	ch := f.channels["A"]
	month := pnpd.AggregationMonth(start)
	err := f.db.Update(f.ctx, func(q pnpd.Queries) error {
		for i := range pnpd.MaxAggregationUnits - 1 {
			if _, err := q.AssignAggregationUnit(f.ctx, ch.ID, month,
				fmt.Sprintf("u%04d", i), pnpd.MaxAggregationUnits); err != nil {
				return err
			}
		}

		return nil
	})
	if err != nil {
		t.Fatalf("fill the month: %v", err)
	}

	for _, s := range []step{
		push("thousandth", "A", flow.Deliver, unit("z_last")),
		push("one more", "A", flow.Deliver, unit("z_over")),
		push("known name", "A", flow.Deliver, unit("u0005")),
	} {
		s(t, f)
	}

	units := f.storedUnits(t)
	want := map[string]string{"thousandth": "z_last", "one more": "", "known name": "u0005"}
	for label, unit := range want {
		if units[label] != unit {
			t.Errorf("push %s is counted under %q, want %q", label, units[label], unit)
		}
	}

	names, err := f.db.AggregationUnits(f.ctx, ch.ID, month)
	if err != nil || len(names) != pnpd.MaxAggregationUnits ||
		slices.Contains(names, "z_over") || !slices.Contains(names, "z_last") {
		t.Errorf("the month has %d names (%v), want 1000 with z_last, without z_over",
			len(names), err)
	}

	counts, err := f.db.CountDeliveredByUnit(f.ctx, ch.ID, start, start.Add(day))
	if err != nil || len(counts) != 2 {
		t.Errorf("counts by unit = %+v, %v; want z_last and u0005 once each", counts, err)
	}
}

// TestAggregationUnitOnDelivery checks that a held notification's unit is
// assigned when it is delivered, not when it is accepted, as LINE assigns
// units when a message is actually sent.
func TestAggregationUnitOnDelivery(t *testing.T) {
	t.Parallel()

	f := setup(t)
	f.createRecipient(t, account{consent: pnpd.ConsentNotSet})
	ch := f.channels["A"]
	month := pnpd.AggregationMonth(start)

	push("held", "A", flow.HoldForConsent, unit("reminders"))(t, f)
	if names, _ := f.db.AggregationUnits(f.ctx, ch.ID, month); len(names) != 0 {
		t.Errorf("before delivery the month has units %v, want none", names)
	}

	agree(receiving.Result{Delivered: 1})(t, f)
	names, err := f.db.AggregationUnits(f.ctx, ch.ID, month)
	if err != nil || !slices.Equal(names, []string{"reminders"}) {
		t.Errorf("after delivery the month has units %v (%v), want [reminders]", names, err)
	}
	if units := f.storedUnits(t); units["held"] != "reminders" {
		t.Errorf("the delivered notification is counted under %q", units["held"])
	}
}

// storedUnits returns the stored aggregation unit of each push, by label.
func (f *fixture) storedUnits(t *testing.T) map[string]string {
	t.Helper()

	out := map[string]string{}
	for label, p := range f.pushes {
		n, err := f.db.Notification(f.ctx, p.RequestID)
		if err != nil {
			t.Fatalf("notification %s: %v", label, err)
		}
		out[label] = n.AggregationUnit
	}

	return out
}
