package pnpdtest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd/pnpdtest"
)

func TestVerifyBySMSFollowsANumberChange(t *testing.T) {
	t.Parallel()
	srv, _, _ := setup(t)
	r := srv.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: aiko})

	const newNumber = "+819087654321"
	srv.RequestNumberChangeCode(t, r.UserID, newNumber)
	srv.ChangeNumber(t, r.UserID, newNumber, srv.LatestCode(t, newNumber))
	srv.Advance(t, 200*24*time.Hour)

	if !srv.Recipient(t, r.UserID).SMSVerificationRequired {
		t.Fatal("200 days after the change: no SMS verification needed")
	}
	srv.VerifyBySMS(t, r.UserID) // reads the code sent to the new number
	if got := srv.Recipient(t, r.UserID); got.SMSVerificationRequired ||
		got.PhoneHash != srv.PhoneHash(newNumber) {
		t.Errorf("after VerifyBySMS: %+v, want verified, on the new number", got)
	}
}

// TestFailuresNeverShowAPhoneNumber: a failed step names what failed, with
// the number masked, as pnpd shows numbers.
func TestFailuresNeverShowAPhoneNumber(t *testing.T) {
	t.Parallel()
	srv, _, _ := setup(t)
	r := srv.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: aiko})

	steps := []struct {
		name string
		step func(tb testing.TB)
	}{
		{"no SMS sent", func(tb testing.TB) { srv.LatestCode(tb, aiko) }},
		{"number taken", func(tb testing.TB) {
			srv.CreateRecipient(tb, pnpdtest.RecipientSpec{PhoneNumber: aiko})
		}},
		{"wrong code", func(tb testing.TB) {
			srv.RequestNumberChangeCode(tb, r.UserID, "+819011112222")
			srv.ChangeNumber(tb, r.UserID, "+819011112222", "000000")
		}},
		{"unknown recipient", func(tb testing.TB) {
			pnpdtest.Connect(srv.URL, srv.Token).VerifyBySMS(tb, r.UserID)
		}},
	}
	for _, s := range steps {
		msg := failure(t, s.step)
		if msg == "" {
			t.Errorf("%s: the step did not fail", s.name)
		}
		if strings.Contains(msg, "9012345678") || strings.Contains(msg, "9011112222") {
			t.Errorf("%s: the failure shows a phone number: %s", s.name, msg)
		}
	}
}
