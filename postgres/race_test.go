package postgres_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/internal/pgtest"
	"github.com/pnpd/pnpd/postgres"
	"github.com/pnpd/pnpd/receiving"
)

// TestPushesRaceConsent sends notifications to a recipient from several
// goroutines, each with a store of its own as a node would have, while the
// recipient agrees to receive them on yet another. Whichever way the
// transactions interleave, none may stay held once the recipient has
// agreed, and each must reach the chat once: a push that read "not set"
// and an agreement that did not see that push's notification cannot both
// commit.
func TestPushesRaceConsent(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, template(t))
	const nodes, perNode = 3, 40
	stores := make([]*postgres.DB, nodes+1)
	for i := range stores {
		stores[i] = setup(t, url, postgres.Options{Keyring: keys})
	}

	now := time.Now().UTC()
	clock := &pnpd.OffsetClock{}
	ch := &pnpd.Channel{ID: "1000000001", Name: "Shop", Secret: pnpd.RandomHex(16),
		BotUserID: pnpd.NewUserID(), Country: "JP", CreatedAt: now.Add(-time.Hour)}
	rec := &pnpd.Recipient{ID: pnpd.NewUserID(), DisplayName: "Hanako",
		PhoneNumber: "+819012345678", PhoneHash: pnpd.HashPhone("+819012345678"),
		Language: "ja", Consent: pnpd.ConsentNotSet, PrivacyPolicyAgreed: true,
		CreatedAt: now.Add(-400 * 24 * time.Hour), SMSVerifiedAt: now.Add(-24 * time.Hour)}
	if err := stores[0].CreateChannel(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	if err := stores[0].CreateRecipient(t.Context(), rec); err != nil {
		t.Fatal(err)
	}

	service := func(s pnpd.Store) *receiving.Service {
		return &receiving.Service{Store: s, Rules: flow.DefaultRules(), Clock: clock,
			Log: slog.New(slog.DiscardHandler)}
	}

	var wg sync.WaitGroup
	errs := make(chan error, nodes*perNode+1)
	for n := range nodes {
		svc := service(stores[n])
		wg.Go(func() {
			for i := range perNode {
				text := fmt.Sprintf("node %d push %d", n, i)
				msgs, _ := json.Marshal([]map[string]string{{"type": "text", "text": text}})
				_, err := svc.Accept(t.Context(), receiving.Push{RequestID: pnpd.NewRequestID(),
					Channel: ch, Kind: pnpd.KindFlexible, To: rec.PhoneHash, Messages: msgs})
				if err != nil {
					errs <- fmt.Errorf("%s: %w", text, err)
				}
			}
		})
	}
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		if _, err := service(stores[nodes]).Agree(t.Context(), rec.ID); err != nil {
			errs <- fmt.Errorf("agree: %w", err)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	held, err := stores[0].HeldNotifications(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) > 0 {
		t.Errorf("%d notifications still held after the recipient agreed", len(held))
	}

	msgs, err := stores[0].ChatMessages(t.Context(), rec.ID, ch.ID, 0, 10*nodes*perNode)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		if m.Message == nil {
			continue // a notice
		}
		var one struct{ Text string }
		if err := json.Unmarshal(m.Message, &one); err != nil {
			t.Fatalf("chat message %s: %v", m.Message, err)
		}
		seen[one.Text]++
	}
	for n := range nodes {
		for i := range perNode {
			if text := fmt.Sprintf("node %d push %d", n, i); seen[text] != 1 {
				t.Errorf("%q shows %d times in the chat, want once", text, seen[text])
			}
		}
	}
}
