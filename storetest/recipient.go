package storetest

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var recipientTests = []test{
	{"RoundTrip", testRecipientRoundTrip},
	{"UnknownID", testRecipientUnknown},
	{"ByPhoneHash", testRecipientByPhoneHash},
	{"SamePhoneTwice", testRecipientSamePhone},
	{"Update", testRecipientUpdate},
	{"UpdateToUsedPhone", testRecipientUpdateToUsedPhone},
	{"Blocks", testBlocks},
	{"Friends", testFriends},
}

// testRecipientRoundTrip checks that Recipient returns every field as
// saved; a time never set comes back zero.
func testRecipientRoundTrip(t *testing.T, f *fixture) {
	cases := []struct {
		name string
		edit func(r *pnpd.Recipient)
	}{
		{"verified", func(*pnpd.Recipient) {}},
		{"new", func(r *pnpd.Recipient) {
			r.PhoneChangedAt, r.SMSVerifiedAt = time.Time{}, time.Time{}
			r.Consent, r.PrivacyPolicyAgreed = pnpd.ConsentNotSet, false
		}},
		{"rejected", func(r *pnpd.Recipient) { r.Consent = pnpd.ConsentRejected }},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			want := f.newRecipient()
			tc.edit(want)
			ok(t, "create recipient", f.store.CreateRecipient(f.ctx, want))

			got, err := f.store.Recipient(f.ctx, want.ID)
			ok(t, "recipient", err)
			equal(t, "recipient", got, want)
		})
	}
}

func testRecipientUnknown(t *testing.T, f *fixture) {
	f.recipient(t)

	_, err := f.store.Recipient(f.ctx, pnpd.NewUserID())
	wantCode(t, "recipient of an unknown ID", err, pnpd.ENotFound)
}

func testRecipientByPhoneHash(t *testing.T, f *fixture) {
	want := f.recipient(t)
	f.recipient(t)

	got, err := f.store.RecipientByPhoneHash(f.ctx, want.PhoneHash)
	ok(t, "recipient by phone hash", err)
	equal(t, "recipient by phone hash", got, want)

	_, err = f.store.RecipientByPhoneHash(f.ctx, pnpd.HashPhone("+66800000000"))
	wantCode(t, "recipient by an unknown phone hash", err, pnpd.ENotFound)
}

// testRecipientSamePhone checks that a phone number has one account.
func testRecipientSamePhone(t *testing.T, f *fixture) {
	first := f.recipient(t)
	second := f.newRecipient()
	second.PhoneNumber, second.PhoneHash = first.PhoneNumber, first.PhoneHash

	err := f.store.CreateRecipient(f.ctx, second)
	wantCode(t, "second recipient with the same phone", err, pnpd.EConflict)

	_, err = f.store.Recipient(f.ctx, second.ID)
	wantCode(t, "recipient refused", err, pnpd.ENotFound)
}

// testRecipientUpdate checks that UpdateRecipient saves every field a
// recipient can change.
func testRecipientUpdate(t *testing.T, f *fixture) {
	want := f.recipient(t)
	f.recipient(t)
	want.DisplayName = "Somchai"
	want.PhoneNumber = "+66899999999"
	want.PhoneHash = pnpd.HashPhone(want.PhoneNumber)
	want.Language = "en"
	want.PhoneChangedAt = at(time.Hour)
	want.SMSVerifiedAt = time.Time{}
	want.Consent = pnpd.ConsentRejected
	want.PrivacyPolicyAgreed = false
	ok(t, "update recipient", f.store.UpdateRecipient(f.ctx, want))

	got, err := f.store.Recipient(f.ctx, want.ID)
	ok(t, "recipient", err)
	equal(t, "updated recipient", got, want)

	got, err = f.store.RecipientByPhoneHash(f.ctx, want.PhoneHash)
	ok(t, "recipient by new phone hash", err)
	equal(t, "recipient by new phone hash", got.ID, want.ID)
}

// testRecipientUpdateToUsedPhone checks that a recipient cannot take a
// number another account uses, and stays as it was.
func testRecipientUpdateToUsedPhone(t *testing.T, f *fixture) {
	other := f.recipient(t)
	want := f.recipient(t)
	changed := *want
	changed.PhoneNumber, changed.PhoneHash = other.PhoneNumber, other.PhoneHash

	err := f.store.UpdateRecipient(f.ctx, &changed)
	wantCode(t, "update to a used phone", err, pnpd.EConflict)

	got, err := f.store.Recipient(f.ctx, want.ID)
	ok(t, "recipient", err)
	equal(t, "recipient after refused update", got, want)
}

// testBlocks checks blocking a channel, twice, listing blocks in order and
// unblocking.
func testBlocks(t *testing.T, f *fixture) {
	r := f.recipient(t)
	other := f.recipient(t)
	a, b, c := f.channel(t), f.channel(t), f.channel(t)

	for _, ch := range []*pnpd.Channel{c, a, b, a} {
		ok(t, "block", f.store.SetBlocked(f.ctx, r.ID, ch.ID, true))
	}
	ok(t, "block for another recipient",
		f.store.SetBlocked(f.ctx, other.ID, a.ID, true))
	wantBlocked(t, f, r.ID, []string{a.ID, b.ID, c.ID})

	ok(t, "unblock", f.store.SetBlocked(f.ctx, r.ID, b.ID, false))
	ok(t, "unblock again", f.store.SetBlocked(f.ctx, r.ID, b.ID, false))
	wantBlocked(t, f, r.ID, []string{a.ID, c.ID})
	wantIsBlocked(t, f, r.ID, b.ID, false)
	wantBlocked(t, f, other.ID, []string{a.ID})
}

// testFriends checks adding a channel as a friend, twice, and removing it,
// per recipient.
func testFriends(t *testing.T, f *fixture) {
	r, other := f.recipient(t), f.recipient(t)
	a, b := f.channel(t), f.channel(t)

	ok(t, "add friend", f.store.SetFriend(f.ctx, r.ID, a.ID, true))
	ok(t, "add friend again", f.store.SetFriend(f.ctx, r.ID, a.ID, true))
	wantFriend(t, f, r.ID, a.ID, true)
	wantFriend(t, f, r.ID, b.ID, false)
	wantFriend(t, f, other.ID, a.ID, false)

	ok(t, "remove friend", f.store.SetFriend(f.ctx, r.ID, a.ID, false))
	wantFriend(t, f, r.ID, a.ID, false)
}

func wantFriend(t *testing.T, f *fixture, recipientID, channelID string, want bool) {
	t.Helper()

	got, err := f.store.IsFriend(f.ctx, recipientID, channelID)
	ok(t, "is friend", err)
	if got != want {
		t.Errorf("IsFriend(%s, %s) = %v, want %v", recipientID, channelID, got, want)
	}
}

// wantBlocked checks BlockedChannels and IsBlocked for every channel in
// want.
func wantBlocked(t *testing.T, f *fixture, recipientID string, want []string) {
	t.Helper()

	got, err := f.store.BlockedChannels(f.ctx, recipientID)
	ok(t, "blocked channels", err)
	equal(t, "blocked channels", got, want)

	for _, id := range want {
		wantIsBlocked(t, f, recipientID, id, true)
	}
}

func wantIsBlocked(t *testing.T, f *fixture, recipientID, channelID string, want bool) {
	t.Helper()

	got, err := f.store.IsBlocked(f.ctx, recipientID, channelID)
	ok(t, "is blocked", err)
	if got != want {
		t.Errorf("IsBlocked(%s, %s) = %v, want %v", recipientID, channelID, got, want)
	}
}
