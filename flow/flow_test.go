package flow_test

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
)

const day = 24 * time.Hour

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// verification describes how the recipient stands with the 180-day rule.
type verification int

const (
	verifiedRecently verification = iota // SMS verified 10 days ago
	stale                                // everything older than 180 days
	newAccount                           // waiver: account 179 days old
	numberChanged                        // waiver: number changed 179 days ago
	staleByOneSecond                     // verified exactly 180 days ago
)

func recipient(c pnpd.Consent, v verification, phone string, privacy bool) *pnpd.Recipient {
	r := &pnpd.Recipient{
		ID: "U1", PhoneNumber: phone, Consent: c, PrivacyPolicyAgreed: privacy,
		CreatedAt: now.Add(-400 * day), SMSVerifiedAt: now.Add(-300 * day),
	}
	switch v {
	case verifiedRecently:
		r.SMSVerifiedAt = now.Add(-10 * day)
	case newAccount:
		r.CreatedAt, r.SMSVerifiedAt = now.Add(-179*day), time.Time{}
	case numberChanged:
		r.PhoneChangedAt = now.Add(-179 * day)
	case staleByOneSecond:
		r.SMSVerifiedAt = now.Add(-180 * day)
	}

	return r
}

func TestAccept(t *testing.T) {
	t.Parallel()

	const jp, th, tw, us = "+819012345678", "+66812345678", "+886912345678", "+12025550123"
	agreed, notSet, rejected := pnpd.ConsentAgreed, pnpd.ConsentNotSet, pnpd.ConsentRejected
	tests := []struct {
		name    string
		rec     *pnpd.Recipient
		blocked bool
		want    flow.Outcome
	}{
		{"no account has the number", nil, false, flow.Refuse},
		{"number outside the service countries", recipient(agreed, verifiedRecently, us, true),
			false, flow.Refuse},
		{"consent rejected", recipient(rejected, verifiedRecently, jp, true), false, flow.Refuse},
		{"consent rejected and blocked", recipient(rejected, verifiedRecently, jp, true), true,
			flow.Refuse},
		{"privacy policy not agreed", recipient(agreed, verifiedRecently, jp, false), false,
			flow.Refuse},
		{"privacy policy not agreed and blocked", recipient(agreed, newAccount, jp, false), true,
			flow.Refuse},
		{"agreed, blocked", recipient(agreed, verifiedRecently, jp, true), true,
			flow.DropBlocked},
		{"not set, blocked", recipient(notSet, stale, jp, true), true, flow.DropBlocked},
		{"agreed, verified recently", recipient(agreed, verifiedRecently, jp, true), false,
			flow.Deliver},
		{"agreed, Thailand", recipient(agreed, verifiedRecently, th, true), false, flow.Deliver},
		{"agreed, Taiwan", recipient(agreed, verifiedRecently, tw, true), false, flow.Deliver},
		{"agreed, stale verification", recipient(agreed, stale, jp, true), false,
			flow.HoldForSMS},
		{"agreed, verified exactly 180 days ago", recipient(agreed, staleByOneSecond, jp, true),
			false, flow.HoldForSMS},
		{"agreed, new account waives SMS", recipient(agreed, newAccount, jp, true), false,
			flow.Deliver},
		{"agreed, number change waives SMS", recipient(agreed, numberChanged, jp, true), false,
			flow.Deliver},
		{"not set, verified recently", recipient(notSet, verifiedRecently, jp, true), false,
			flow.HoldForConsent},
		{"not set, stale verification", recipient(notSet, stale, jp, true), false,
			flow.HoldForConsent},
		{"not set, new account", recipient(notSet, newAccount, jp, true), false,
			flow.HoldForConsent},
		{"not set, number changed", recipient(notSet, numberChanged, jp, true), false,
			flow.HoldForConsent},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := flow.DefaultRules().Accept(tt.rec, tt.blocked, now)
			if got != tt.want {
				t.Errorf("Accept = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	t.Parallel()

	const jp = "+819012345678"
	held := func(state pnpd.NotificationState, age time.Duration) *pnpd.Notification {
		return &pnpd.Notification{State: state, AcceptedAt: now.Add(-age),
			ExpiresAt: now.Add(-age).Add(24 * time.Hour)}
	}
	agreed, notSet, rejected := pnpd.ConsentAgreed, pnpd.ConsentNotSet, pnpd.ConsentRejected
	tests := []struct {
		name    string
		n       *pnpd.Notification
		rec     *pnpd.Recipient
		blocked bool
		want    flow.Outcome
	}{
		{"agreed within 24 hours", held(pnpd.StateHeldForConsent, 23*time.Hour),
			recipient(agreed, newAccount, jp, true), false, flow.Deliver},
		{"agreed at exactly 24 hours", held(pnpd.StateHeldForConsent, 24*time.Hour),
			recipient(agreed, newAccount, jp, true), false, flow.Expire},
		{"agreed after 25 hours", held(pnpd.StateHeldForConsent, 25*time.Hour),
			recipient(agreed, newAccount, jp, true), false, flow.Expire},
		{"agreed, SMS now needed", held(pnpd.StateHeldForConsent, time.Hour),
			recipient(agreed, stale, jp, true), false, flow.HoldForSMS},
		{"verified after agreeing", held(pnpd.StateHeldForSMS, time.Hour),
			recipient(agreed, verifiedRecently, jp, true), false, flow.Deliver},
		{"verified after 24 hours", held(pnpd.StateHeldForSMS, 30*time.Hour),
			recipient(agreed, verifiedRecently, jp, true), false, flow.Expire},
		{"rejected", held(pnpd.StateHeldForConsent, time.Hour),
			recipient(rejected, newAccount, jp, true), false, flow.DropRejected},
		{"blocked while held", held(pnpd.StateHeldForConsent, time.Hour),
			recipient(agreed, newAccount, jp, true), true, flow.DropBlocked},
		{"still not set", held(pnpd.StateHeldForConsent, time.Hour),
			recipient(notSet, newAccount, jp, true), false, flow.HoldForConsent},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := flow.DefaultRules().Release(tt.n, tt.rec, tt.blocked, now)
			if got != tt.want {
				t.Errorf("Release = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNotices(t *testing.T) {
	t.Parallel()

	received, pending := pnpd.NoticeReceived, pnpd.NoticePending
	consentReq, smsReq := pnpd.NoticeConsentRequest, pnpd.NoticeSMSRequest
	tests := []struct {
		name string
		o    flow.Outcome
		n    pnpd.Notification
		want []pnpd.NoticeKind
	}{
		{"new, delivered", flow.Deliver, pnpd.Notification{}, []pnpd.NoticeKind{received}},
		{"new, held for consent", flow.HoldForConsent, pnpd.Notification{},
			[]pnpd.NoticeKind{pending, consentReq}},
		{"new, held for SMS", flow.HoldForSMS, pnpd.Notification{},
			[]pnpd.NoticeKind{received, smsReq}},
		{"new, blocked", flow.DropBlocked, pnpd.Notification{}, nil},
		{"consent given, delivered", flow.Deliver,
			pnpd.Notification{State: pnpd.StateHeldForConsent}, []pnpd.NoticeKind{received}},
		{"consent given, SMS next", flow.HoldForSMS,
			pnpd.Notification{State: pnpd.StateHeldForConsent}, nil},
		{"verified, announced when held", flow.Deliver,
			pnpd.Notification{State: pnpd.StateHeldForSMS, Announced: true}, nil},
		{"verified, held for consent first", flow.Deliver,
			pnpd.Notification{State: pnpd.StateHeldForSMS}, []pnpd.NoticeKind{received}},
		{"expired", flow.Expire, pnpd.Notification{State: pnpd.StateHeldForSMS}, nil},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := flow.Notices(tt.o, &tt.n)
			if len(got) != len(tt.want) {
				t.Fatalf("Notices = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("Notices = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestNumberChanged(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		age  time.Duration
		want flow.Outcome
	}{
		{"held 23 hours: dropped", 23 * time.Hour, flow.DropNumberChanged},
		{"held 24 hours: expired already", 24 * time.Hour, flow.Expire},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			n := &pnpd.Notification{State: pnpd.StateHeldForSMS,
				ExpiresAt: now.Add(-tt.age).Add(24 * time.Hour)}
			if got := flow.DefaultRules().NumberChanged(n, now); got != tt.want {
				t.Errorf("NumberChanged = %v, want %v", got, tt.want)
			}
		})
	}
}
