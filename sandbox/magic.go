package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
)

// MagicNumber is a phone number that, in sandbox mode, always behaves one
// way without setup: its recipient (or its lack of one) is seeded at start
// and after a reset, and no action changes it.
type MagicNumber struct {
	PhoneNumber string `json:"phoneNumber"`
	// Behaviour is what a notification to the number does.
	Behaviour string `json:"behaviour"`
	// Answer is what the push endpoints answer: 200 (202 for template
	// notifications) or 422.
	Answer int `json:"answer"`
	// State is the state the notification reaches at once, or "" when the
	// API refuses it.
	State pnpd.NotificationState `json:"state,omitempty"`
}

// MagicNumbers are the sandbox's magic numbers, in a block of Japanese
// mobile numbers (+81 90-0000-00xx) reserved for them.
var MagicNumbers = []MagicNumber{
	{"+819000000001", "consent agreed, SMS not needed: delivered at once, webhook sent",
		200, pnpd.StateDelivered},
	{"+819000000002", "no account has the number: 422 Failed to send messages", 422, ""},
	{"+819000000003", "consent rejected: 422 Failed to send messages", 422, ""},
	{"+819000000004", "consent not set: held for consent, never given; expires after 24 hours",
		200, pnpd.StateHeldForConsent},
	{"+819000000005", "consent agreed, SMS verification needed and never done; " +
		"expires after 24 hours", 200, pnpd.StateHeldForSMS},
	{"+819000000006", "blocked every channel: 200, never delivered, no webhook",
		200, pnpd.StateBlocked},
	{"+819000000007", "never answers: consent not set and SMS needed, the recipient never " +
		"opens the messenger; expires after 24 hours", 200, pnpd.StateHeldForConsent},
	{"+819000000008", "privacy policy not agreed: 422 Failed to send messages", 422, ""},
}

// IsMagicNumber reports whether e164 is one of the sandbox's magic numbers.
func IsMagicNumber(e164 string) bool {
	for _, m := range MagicNumbers {
		if m.PhoneNumber == e164 {
			return true
		}
	}

	return false
}

// magicRecipient is the fixed state of a magic number's recipient.
type magicRecipient struct {
	name    string
	consent pnpd.Consent
	privacy bool
	// verifiedAgo is how long before the clock's now the recipient last
	// verified the number by SMS: after 30 days a notification needs no
	// SMS verification, after 200 days it does.
	verifiedAgo time.Duration
}

// magicRecipients are the recipients of the magic numbers that have one.
var magicRecipients = map[string]magicRecipient{
	"+819000000001": {"Always delivered", pnpd.ConsentAgreed, true, 30 * day},
	"+819000000003": {"Always rejects", pnpd.ConsentRejected, true, 30 * day},
	"+819000000004": {"Never agrees", pnpd.ConsentNotSet, true, 30 * day},
	"+819000000005": {"Never verifies", pnpd.ConsentAgreed, true, 200 * day},
	"+819000000006": {"Blocks every channel", pnpd.ConsentAgreed, true, 30 * day},
	"+819000000007": {"Never answers", pnpd.ConsentNotSet, true, 200 * day},
	"+819000000008": {"No privacy policy", pnpd.ConsentAgreed, false, 30 * day},
}

// magicCreatedAt is when every magic number's account was created: long
// enough ago that the account's age never waives an SMS verification.
var magicCreatedAt = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// blockingMagicNumber is the magic number whose recipient blocks every
// channel.
const blockingMagicNumber = "+819000000006"

// errMagic is what every action on a magic number's recipient answers.
var errMagic = &pnpd.Error{Code: pnpd.EConflict, Field: "phoneNumber",
	Message: "This phone number is a magic number of the sandbox; it always behaves " +
		"one way. Create a recipient with POST /sandbox/v1/recipients to act on."}

// errMagicTaken is what creating a recipient with a magic number, or moving
// one to it, answers: the magic number's behaviour is the sandbox's.
var errMagicTaken = &pnpd.Error{Code: pnpd.EConflict, Field: "phoneNumber",
	Message: "This phone number is a magic number of the sandbox; give the " +
		"recipient another number."}

// RefuseMagic returns a conflict for a magic number and nil for any other:
// in sandbox mode it is the receiving flow's Reserved check, so that no
// action changes a magic number's recipient and no account takes one.
func RefuseMagic(e164 string) error {
	if IsMagicNumber(e164) {
		return errMagic
	}

	return nil
}

// SeedMagicNumbers creates, inside q's transaction, the recipients of the
// magic numbers that have one, or sets existing ones back to their fixed
// state; the blocking one blocks every channel there is. The last SMS
// verification is set from the clock's now, so that seeding again after
// the clock moved keeps each behaving as the table says.
func SeedMagicNumbers(ctx context.Context, q pnpd.Queries, clock pnpd.Clock) error {
	now := clock.Now().Truncate(time.Millisecond)
	for _, m := range MagicNumbers {
		spec, ok := magicRecipients[m.PhoneNumber]
		if !ok {
			continue
		}

		if err := seedMagic(ctx, q, spec.recipient(m.PhoneNumber, now)); err != nil {
			return fmt.Errorf("seed magic number: %w", err)
		}
	}

	return blockEveryChannel(ctx, q)
}

func (m magicRecipient) recipient(e164 string, now time.Time) *pnpd.Recipient {
	return &pnpd.Recipient{
		// A stable ID keeps the recipient recognisable across resets.
		ID:                  "U" + pnpd.HashPhone("sandbox magic " + e164)[:32],
		DisplayName:         m.name,
		PhoneNumber:         e164,
		PhoneHash:           pnpd.HashPhone(e164),
		Language:            "en",
		CreatedAt:           magicCreatedAt,
		SMSVerifiedAt:       now.Add(-m.verifiedAgo),
		Consent:             m.consent,
		PrivacyPolicyAgreed: m.privacy,
	}
}

// seedMagic creates the recipient or, when an account has its number
// already, gives that account the recipient's state.
func seedMagic(ctx context.Context, q pnpd.Queries, rec *pnpd.Recipient) error {
	old, err := q.RecipientByPhoneHash(ctx, rec.PhoneHash)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return q.CreateRecipient(ctx, rec)
	}
	if err != nil {
		return err
	}

	rec.ID = old.ID

	return q.UpdateRecipient(ctx, rec)
}

func blockEveryChannel(ctx context.Context, q pnpd.Queries) error {
	rec, err := blockingRecipient(ctx, q)
	if rec == nil {
		return err
	}

	ids, err := q.ChannelIDs(ctx)
	if err != nil {
		return err
	}

	for _, id := range ids {
		if err := q.SetBlocked(ctx, rec.ID, id, true); err != nil {
			return fmt.Errorf("block for the magic number: %w", err)
		}
	}

	return nil
}

// blockForMagic has the blocking magic number's recipient, when there is
// one, block a new channel.
func blockForMagic(ctx context.Context, q pnpd.Queries, channelID string) error {
	rec, err := blockingRecipient(ctx, q)
	if rec == nil {
		return err
	}

	if err := q.SetBlocked(ctx, rec.ID, channelID, true); err != nil {
		return fmt.Errorf("block for the magic number: %w", err)
	}

	return nil
}

// blockingRecipient returns the blocking magic number's recipient, or nil
// when there is none, as outside sandbox mode.
func blockingRecipient(ctx context.Context, q pnpd.Queries) (*pnpd.Recipient, error) {
	rec, err := q.RecipientByPhoneHash(ctx, pnpd.HashPhone(blockingMagicNumber))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}

	return rec, nil
}

// magicNumberView is a magic number as GET /magic-numbers lists it.
type magicNumberView struct {
	PhoneNumber string                 `json:"phoneNumber"`
	PhoneHash   string                 `json:"phoneHash"`
	Behaviour   string                 `json:"behaviour"`
	Answer      int                    `json:"answer"`
	State       pnpd.NotificationState `json:"state,omitempty"`
}

// magicNumbers is GET /sandbox/v1/magic-numbers: the table, with the hash
// a business sends to each number.
func (a *API) magicNumbers(w http.ResponseWriter, _ *http.Request) error {
	out := make([]magicNumberView, 0, len(MagicNumbers))
	for _, m := range MagicNumbers {
		out = append(out, magicNumberView{PhoneNumber: m.PhoneNumber,
			PhoneHash: pnpd.HashPhone(m.PhoneNumber), Behaviour: m.Behaviour,
			Answer: m.Answer, State: m.State})
	}

	writeJSON(w, http.StatusOK, map[string]any{"magicNumbers": out})

	return nil
}
