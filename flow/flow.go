// Package flow decides what happens to a notification: the receiving flow
// of PRODUCT.md as pure functions of the recipient's state, the channel and
// the time. Nothing here reads or writes anything.
package flow

import (
	"slices"
	"time"

	"github.com/pnpd/pnpd"
)

// Outcome is what becomes of a notification.
type Outcome int

// The outcomes, in the order the rules are checked.
const (
	// Refuse: the API answers 422 and nothing is stored (rule 1).
	Refuse Outcome = iota
	// DropBlocked: the API answers 200, nothing is ever delivered (rule 2).
	DropBlocked
	// HoldForConsent: held until the recipient agrees (rule 3).
	HoldForConsent
	// HoldForSMS: held until the recipient verifies the number by SMS.
	HoldForSMS
	// Deliver: delivered at once.
	Deliver
	// DropRejected: a held notification whose recipient rejected.
	DropRejected
	// Expire: a held notification past its 24 hours (rule 6).
	Expire
	// DropNumberChanged: held for a number the recipient left (rule 7).
	DropNumberChanged
)

var outcomeNames = [...]string{"refuse", "drop_blocked", "hold_for_consent",
	"hold_for_sms", "deliver", "drop_rejected", "expire", "drop_number_changed"}

// String names the outcome for logs and tests.
func (o Outcome) String() string {
	return outcomeNames[o]
}

// State is the notification state an outcome leaves behind; Refuse leaves
// none.
func (o Outcome) State() pnpd.NotificationState {
	switch o {
	case DropBlocked:
		return pnpd.StateBlocked
	case HoldForConsent:
		return pnpd.StateHeldForConsent
	case HoldForSMS:
		return pnpd.StateHeldForSMS
	case Deliver:
		return pnpd.StateDelivered
	case DropRejected:
		return pnpd.StateRejected
	case Expire:
		return pnpd.StateExpired
	case DropNumberChanged:
		return pnpd.StateNumberChanged
	}

	return ""
}

// Rules are the flow's settings.
type Rules struct {
	// ServiceCountries lists where numbers may receive notifications.
	ServiceCountries []string
	// HoldFor is how long a held notification waits (24 h).
	HoldFor time.Duration
	// VerificationValidFor is how long an SMS verification, a new account
	// or a number change waives the next verification (180 days).
	VerificationValidFor time.Duration
}

// DefaultRules are LINE's: Japan, Thailand and Taiwan; 24 hours; 180 days.
func DefaultRules() Rules {
	return Rules{
		ServiceCountries:     []string{"JP", "TH", "TW"},
		HoldFor:              24 * time.Hour,
		VerificationValidFor: 180 * 24 * time.Hour,
	}
}

// Accept decides a new notification for the recipient the phone hash
// named (nil when no account has it), sent by a channel the recipient has
// or has not blocked.
func (r Rules) Accept(rec *pnpd.Recipient, blocked bool, now time.Time) Outcome {
	switch {
	case rec == nil,
		!slices.Contains(r.ServiceCountries, pnpd.PhoneCountry(rec.PhoneNumber)),
		rec.Consent == pnpd.ConsentRejected,
		!rec.PrivacyPolicyAgreed:
		return Refuse
	case blocked:
		return DropBlocked
	}

	return r.waiting(rec, now)
}

// Release decides a held notification after the recipient's state
// changed: it may now be delivered, wait on, or be dropped.
func (r Rules) Release(n *pnpd.Notification, rec *pnpd.Recipient, blocked bool,
	now time.Time) Outcome {
	switch {
	case !now.Before(n.ExpiresAt):
		return Expire
	case rec.Consent == pnpd.ConsentRejected:
		return DropRejected
	case blocked:
		return DropBlocked
	}

	return r.waiting(rec, now)
}

// NumberChanged decides a held notification when its recipient changes the
// phone number: it is dropped, unless it had expired already.
func (r Rules) NumberChanged(n *pnpd.Notification, now time.Time) Outcome {
	if !now.Before(n.ExpiresAt) {
		return Expire
	}

	return DropNumberChanged
}

func (r Rules) waiting(rec *pnpd.Recipient, now time.Time) Outcome {
	switch {
	case rec.Consent == pnpd.ConsentNotSet:
		return HoldForConsent
	case r.SMSNeeded(rec, now):
		return HoldForSMS
	}

	return Deliver
}

// SMSNeeded reports whether the recipient must verify the phone number by
// SMS before receiving: unless the last verification, the account or the
// latest number change is younger than 180 days (rule 4).
func (r Rules) SMSNeeded(rec *pnpd.Recipient, now time.Time) bool {
	for _, t := range []time.Time{rec.SMSVerifiedAt, rec.CreatedAt, rec.PhoneChangedAt} {
		if !t.IsZero() && now.Sub(t) < r.VerificationValidFor {
			return false
		}
	}

	return true
}

// ExpiresAt is when a notification accepted at the given time expires.
func (r Rules) ExpiresAt(accepted time.Time) time.Time {
	return accepted.Add(r.HoldFor)
}

// Notices are the system account's notices that come with an outcome for
// a notification, in the order they are posted. The "received" notice is
// posted once per notification; the orchestration marks it Announced.
func Notices(o Outcome, n *pnpd.Notification) []pnpd.NoticeKind {
	switch {
	case o == HoldForConsent && n.State == "":
		return []pnpd.NoticeKind{pnpd.NoticePending, pnpd.NoticeConsentRequest}
	case o == HoldForSMS && n.State == "":
		return []pnpd.NoticeKind{pnpd.NoticeReceived, pnpd.NoticeSMSRequest}
	case o == Deliver && !n.Announced:
		return []pnpd.NoticeKind{pnpd.NoticeReceived}
	}

	return nil
}
