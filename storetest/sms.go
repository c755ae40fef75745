package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var smsTests = []test{
	{"LatestCode", testLatestSMSCode},
	{"NoCode", testNoSMSCode},
	{"UpdateCode", testUpdateSMSCode},
	{"CodeStats", testSMSCodeStats},
	{"Outbox", testOutbox},
}

// phone returns a phone number unique in f.
func (f *fixture) phone() string {
	return fmt.Sprintf("+6682%07d", f.next())
}

// newCode returns an unsaved, unused code for phone, sent at the reference
// time moved by sent.
func newCode(phone string, purpose pnpd.SMSPurpose, sent time.Duration) *pnpd.SMSCode {
	return &pnpd.SMSCode{
		PhoneNumber: phone,
		Purpose:     purpose,
		CodeHash:    pnpd.HashToken(fmt.Sprint(phone, purpose, sent)),
		CreatedAt:   at(sent),
		ExpiresAt:   at(sent + 10*time.Minute),
	}
}

// code saves c and checks that it got an ID.
func (f *fixture) code(t *testing.T, c *pnpd.SMSCode) *pnpd.SMSCode {
	t.Helper()

	ok(t, "create sms code", f.store.CreateSMSCode(f.ctx, c))
	if c.ID == 0 {
		t.Errorf("CreateSMSCode left the ID zero")
	}

	return c
}

// testLatestSMSCode checks that LatestSMSCode returns, in full, the newest
// code sent to the number for the purpose.
func testLatestSMSCode(t *testing.T, f *fixture) {
	phone, r := f.phone(), f.recipient(t)
	f.code(t, newCode(phone, pnpd.PurposeLogIn, 0))
	login := newCode(phone, pnpd.PurposeLogIn, time.Minute)
	login.RecipientID = r.ID
	f.code(t, login)
	signUp := f.code(t, newCode(phone, pnpd.PurposeSignUp, 2*time.Minute))
	f.code(t, newCode(f.phone(), pnpd.PurposeLogIn, 3*time.Minute))

	for _, want := range []*pnpd.SMSCode{login, signUp} {
		got, err := f.store.LatestSMSCode(f.ctx, phone, want.Purpose)
		ok(t, "latest sms code", err)
		equal(t, "latest "+string(want.Purpose)+" code", got, want)
	}
}

func testNoSMSCode(t *testing.T, f *fixture) {
	phone := f.phone()
	f.code(t, newCode(phone, pnpd.PurposeLogIn, 0))

	_, err := f.store.LatestSMSCode(f.ctx, phone, pnpd.PurposeChangeNumber)
	wantCode(t, "latest code for another purpose", err, pnpd.ENotFound)

	_, err = f.store.LatestSMSCode(f.ctx, f.phone(), pnpd.PurposeLogIn)
	wantCode(t, "latest code for another number", err, pnpd.ENotFound)
}

// testUpdateSMSCode checks that a code's use and wrong tries are saved.
func testUpdateSMSCode(t *testing.T, f *fixture) {
	phone := f.phone()
	want := f.code(t, newCode(phone, pnpd.PurposeVerify, 0))
	other := f.code(t, newCode(phone, pnpd.PurposeLogIn, 0))
	want.WrongTries = 2
	want.UsedAt = at(time.Minute)
	ok(t, "update sms code", f.store.UpdateSMSCode(f.ctx, want))

	for _, c := range []*pnpd.SMSCode{want, other} {
		got, err := f.store.LatestSMSCode(f.ctx, phone, c.Purpose)
		ok(t, "latest sms code", err)
		equal(t, "code after update", got, c)
	}
}

// sentCode is a code in an SMSCodeStats case.
type sentCode struct {
	purpose pnpd.SMSPurpose
	at      time.Duration // since the reference time, which is `since`
	wrong   int
	used    bool
}

// testSMSCodeStats checks the limits' counts: codes sent since a time, and
// wrong tries since the number's last successful verification.
func testSMSCodeStats(t *testing.T, f *fixture) {
	v, l := pnpd.PurposeVerify, pnpd.PurposeLogIn
	cases := []struct {
		name        string
		codes       []sentCode
		sent, wrong int
	}{
		{"none", nil, 0, 0},
		{"wrong tries add up", []sentCode{{v, 1, 2, false}, {v, 2, 1, false}}, 2, 3},
		{"a new code does not reset",
			[]sentCode{{v, 1, 3, false}, {v, 2, 0, false}}, 2, 3},
		{"verification resets",
			[]sentCode{{v, 1, 2, false}, {v, 2, 1, true}, {v, 3, 1, false}}, 3, 1},
		{"verified last", []sentCode{{v, 1, 2, false}, {v, 2, 1, true}}, 2, 0},
		{"verification for another purpose resets",
			[]sentCode{{l, 1, 2, false}, {v, 2, 0, true}, {l, 3, 1, false}}, 3, 1},
		{"sent at since counts, before does not",
			[]sentCode{{v, -1, 2, false}, {v, 0, 1, false}}, 1, 1},
	}

	phones := make([]string, len(cases))
	for i, tc := range cases {
		phones[i] = f.phone()
		f.sendCodes(t, phones[i], tc.codes)
	}
	// Another number's tries and verification, after all the others.
	f.sendCodes(t, f.phone(), []sentCode{{v, 4, 5, false}, {v, 5, 0, true}})

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			sent, wrong, err := f.store.SMSCodeStats(f.ctx, phones[i], base)
			ok(t, "sms code stats", err)
			equal(t, "sent, wrong", []int{sent, wrong}, []int{tc.sent, tc.wrong})
		})
	}
}

// sendCodes saves codes for phone in order, each at minute s.at.
func (f *fixture) sendCodes(t *testing.T, phone string, codes []sentCode) {
	t.Helper()

	for _, s := range codes {
		c := newCode(phone, s.purpose, s.at*time.Minute)
		c.WrongTries = s.wrong
		if s.used {
			c.UsedAt = c.CreatedAt.Add(time.Second)
		}
		f.code(t, c)
	}
}

// testOutbox checks that the outbox lists SMS newest first, for one number
// or for all.
func testOutbox(t *testing.T, f *fixture) {
	a, b := f.phone(), f.phone()
	var sent []pnpd.SMS
	for i, phone := range []string{a, b, a} {
		m := pnpd.SMS{PhoneNumber: phone, Text: fmt.Sprintf("Code %d", i),
			CreatedAt: at(time.Duration(i) * time.Second)}
		ok(t, "add sms", f.store.AddSMS(f.ctx, &m))
		sent = append(sent, m)
	}

	cases := []struct {
		name  string
		phone string
		limit int
		want  []pnpd.SMS
	}{
		{"one number", a, 10, []pnpd.SMS{sent[2], sent[0]}},
		{"every number", "", 10, []pnpd.SMS{sent[2], sent[1], sent[0]}},
		{"limit", "", 2, []pnpd.SMS{sent[2], sent[1]}},
		{"no SMS", f.phone(), 10, []pnpd.SMS{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.Outbox(f.ctx, tc.phone, tc.limit)
			ok(t, "outbox", err)
			equal(t, "outbox", nonNil(got), tc.want)
		})
	}
}
