package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// newChannel returns an unsaved channel with every field set and an ID
// unique in f.
func (f *fixture) newChannel() *pnpd.Channel {
	n := f.next()

	return &pnpd.Channel{
		ID:                fmt.Sprintf("%010d", 1_650_000_000+n),
		Name:              fmt.Sprintf("Shop %d", n),
		Secret:            pnpd.RandomHex(16),
		BotUserID:         pnpd.NewUserID(),
		Country:           "TH",
		WebhookURL:        fmt.Sprintf("https://shop%d.example/webhook", n),
		WebhookEnabled:    true,
		RedeliveryEnabled: true,
		FlexibleEnabled:   true,
		TemplateEnabled:   n%2 == 0,
		TemplateKeys:      []string{"bill_issued_th", "payment_due_th"},
		ProviderID:        n,
		CreatedAt:         at(time.Duration(n) * time.Minute),
	}
}

// channel saves a new channel.
func (f *fixture) channel(t *testing.T) *pnpd.Channel {
	t.Helper()

	c := f.newChannel()
	ok(t, "create channel", f.store.CreateChannel(f.ctx, c))

	return c
}

// newRecipient returns an unsaved recipient with a phone number and an ID
// unique in f, who has agreed and verified by SMS.
func (f *fixture) newRecipient() *pnpd.Recipient {
	n := f.next()
	phone := fmt.Sprintf("+6681%07d", n)

	return &pnpd.Recipient{
		ID:                  pnpd.NewUserID(),
		DisplayName:         fmt.Sprintf("Recipient %d", n),
		PhoneNumber:         phone,
		PhoneHash:           pnpd.HashPhone(phone),
		Language:            "th",
		CreatedAt:           at(-48 * time.Hour),
		PhoneChangedAt:      at(-24 * time.Hour),
		SMSVerifiedAt:       at(-23 * time.Hour),
		Consent:             pnpd.ConsentAgreed,
		PrivacyPolicyAgreed: true,
	}
}

// recipient saves a new recipient.
func (f *fixture) recipient(t *testing.T) *pnpd.Recipient {
	t.Helper()

	r := f.newRecipient()
	ok(t, "create recipient", f.store.CreateRecipient(f.ctx, r))

	return r
}

// newNotification returns an unsaved notification from c to r, held for
// consent, accepted at the reference time moved by accepted.
func (f *fixture) newNotification(c *pnpd.Channel, r *pnpd.Recipient,
	accepted time.Duration) *pnpd.Notification {
	return &pnpd.Notification{
		ID:              pnpd.NewRequestID(),
		ChannelID:       c.ID,
		RecipientID:     r.ID,
		Kind:            pnpd.KindFlexible,
		To:              r.PhoneHash,
		Messages:        json.RawMessage(`[{"type":"text","text":"Your parcel is here"}]`),
		AggregationUnit: "",
		State:           pnpd.StateHeldForConsent,
		AcceptedAt:      at(accepted),
		ExpiresAt:       at(accepted + 24*time.Hour),
	}
}

// notification saves n.
func (f *fixture) notification(t *testing.T, n *pnpd.Notification) *pnpd.Notification {
	t.Helper()

	ok(t, "create notification", f.store.CreateNotification(f.ctx, n))

	return n
}

// delivered saves a notification from c to r in state, delivered at the
// reference time moved by d.
func (f *fixture) delivered(t *testing.T, c *pnpd.Channel, r *pnpd.Recipient,
	kind pnpd.NotificationKind, state pnpd.NotificationState, d time.Duration) {
	t.Helper()

	n := f.newNotification(c, r, d-time.Second)
	n.Kind = kind
	n.State = state
	n.DeliveredAt = at(d)
	f.notification(t, n)
}
