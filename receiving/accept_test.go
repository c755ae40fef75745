package receiving_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/receiving"
)

// TestConcurrentAccepts: notifications accepted together, which the store
// may commit together, each get their own answer; a refusal among them
// spoils nothing for the others.
func TestConcurrentAccepts(t *testing.T) {
	t.Parallel()

	f := setup(t)
	f.createRecipient(t, account{consent: pnpd.ConsentAgreed, standing: newAccount})

	const n = 120
	var wg sync.WaitGroup
	outcomes := make([]flow.Outcome, n)
	errs := make([]error, n)
	for i := range n {
		to := jpHash
		if i%10 == 0 {
			to = pnpd.HashPhone("+819000000000") // no account: refused
		}
		wg.Go(func() {
			outcomes[i], errs[i] = f.svc.Accept(f.ctx, receiving.Push{
				RequestID: fmt.Sprintf("req-%03d", i), Channel: f.channels["A"],
				Kind: pnpd.KindFlexible, To: to,
				Messages: json.RawMessage(`[{"type":"text","text":"hi"}]`),
			})
		})
	}
	wg.Wait()

	delivered := 0
	for i := range n {
		_, err := f.db.Notification(f.ctx, fmt.Sprintf("req-%03d", i))
		switch {
		case i%10 == 0 && (errs[i] != receiving.ErrRefused || err == nil):
			t.Errorf("push %d: %v, stored %v; want refused and nothing stored", i, errs[i], err)
		case i%10 != 0 && (errs[i] != nil || outcomes[i] != flow.Deliver || err != nil):
			t.Errorf("push %d: %v %v, load %v; want delivered and stored", i,
				outcomes[i], errs[i], err)
		case i%10 != 0:
			delivered++
		}
	}

	got := f.countDelivered(t, "A", start.Add(-time.Hour), start.Add(time.Hour))
	chat, err := f.db.ChatMessages(f.ctx, f.rec.ID, f.channels["A"].ID, 0, 1000)
	if err != nil || got != int64(delivered) || len(chat) != delivered {
		t.Errorf("counted %d, chat %d (%v); want %d each", got, len(chat), err, delivered)
	}
}
