package sandbox

import (
	"context"

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

// SeedMagicNumbers creates, inside q's transaction, the recipients of the
// magic numbers that have one, in their fixed state, unless they exist;
// the blocking one blocks every channel there is.
// TODO(#6): implemented with the sandbox's recipients.
func SeedMagicNumbers(ctx context.Context, q pnpd.Queries, clock pnpd.Clock) error {
	return nil
}
