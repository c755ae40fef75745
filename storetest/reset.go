package storetest

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var resetTests = []test{
	{"Everything", func(t *testing.T, f *fixture) { testReset(t, f, false) }},
	{"KeepChannels", func(t *testing.T, f *fixture) { testReset(t, f, true) }},
	{"RolledBack", testResetRolledBack},
}

// world is one of everything a store keeps.
type world struct {
	channel   *pnpd.Channel
	token     *pnpd.AccessToken
	recipient *pnpd.Recipient
	session   *pnpd.Session
	tagged    *pnpd.Notification
	event     *pnpd.WebhookEvent
	code      *pnpd.SMSCode
	key       *pnpd.ChannelKey
}

// world saves one of everything, a setting included.
func (f *fixture) world(t *testing.T) *world {
	t.Helper()

	w := &world{event: f.event(t)}
	w.channel, w.recipient = f.channel(t), f.recipient(t)
	w.token = &pnpd.AccessToken{Hash: pnpd.HashToken(pnpd.RandomHex(16)),
		ChannelID: w.channel.ID, Kind: "long_lived", CreatedAt: base}
	ok(t, "create token", f.store.CreateAccessToken(f.ctx, w.token))
	w.key = f.key(t, w.channel, 0)
	ok(t, "block", f.store.SetBlocked(f.ctx, w.recipient.ID, w.channel.ID, true))
	ok(t, "friend", f.store.SetFriend(f.ctx, w.recipient.ID, w.channel.ID, true))
	w.session = f.session(t, time.Hour)

	w.tagged = f.newNotification(w.channel, w.recipient, 0)
	w.tagged.DeliveryTag = "order-1"
	f.notification(t, w.tagged)
	f.chat(t, w.channel)

	a := attempt(w.event, 1, 500, pnpd.ReasonErrorStatusCode)
	ok(t, "add attempt", f.store.AddWebhookAttempt(f.ctx, &a))
	f.fault(t, newFault(w.channel, pnpd.FaultStatus, 2))
	w.code = f.code(t, newCode(f.phone(), pnpd.PurposeVerify, 0))
	ok(t, "add sms", f.store.AddSMS(f.ctx, &pnpd.SMS{PhoneNumber: w.code.PhoneNumber,
		Text: "code", CreatedAt: base}))
	_, err := f.store.AssignAggregationUnit(f.ctx, w.channel.ID, "202504", "bills", 10)
	ok(t, "assign unit", err)
	ok(t, "set setting", f.store.SetSetting(f.ctx, "demo_seeded", "true"))

	return w
}

// testReset checks that Reset leaves only the settings and, when asked,
// the channels and their tokens.
func testReset(t *testing.T, f *fixture, keepChannels bool) {
	w := f.world(t)

	ok(t, "reset", f.store.Reset(f.ctx, keepChannels))

	wantGone(t, f, w)
	wantSetting(t, f.store, f, "true")

	_, err := f.store.Channel(f.ctx, w.channel.ID)
	_, tokenErr := f.store.ChannelByToken(f.ctx, w.token.Hash, base)
	_, keyErr := f.store.ChannelKey(f.ctx, w.key.KID)
	want := pnpd.ENotFound
	if keepChannels {
		want = ""
	}
	wantCode(t, "channel after reset", err, want)
	wantCode(t, "token after reset", tokenErr, want)
	wantCode(t, "channel key after reset", keyErr, want)

	// The store is usable again: the same recipient may come back.
	ok(t, "create recipient again", f.store.CreateRecipient(f.ctx, w.recipient))
}

// wantGone checks that none of w's data but channels and settings is left.
func wantGone(t *testing.T, f *fixture, w *world) {
	t.Helper()

	ctx, s := f.ctx, f.store
	lookups := map[string]error{
		"recipient":    errOf(s.Recipient(ctx, w.recipient.ID)),
		"session":      errOf(s.SessionByHash(ctx, w.session.Hash, base)),
		"notification": errOf(s.Notification(ctx, w.tagged.ID)),
		"by tag":       errOf(s.NotificationByDeliveryTag(ctx, "order-1", "")),
		"event":        errOf(s.WebhookEvent(ctx, w.event.ID)),
		"fault":        errOf(s.TakeWebhookFault(ctx, w.channel.ID)),
		"sms code":     errOf(s.LatestSMSCode(ctx, w.code.PhoneNumber, w.code.Purpose)),
	}
	for name, err := range lookups {
		wantCode(t, name+" after reset", err, pnpd.ENotFound)
	}

	wantEmpty(t, f, w)
}

// errOf returns a lookup's error.
func errOf[T any](_ T, err error) error {
	return err
}

// wantEmpty checks that the lists of w's data are empty.
func wantEmpty(t *testing.T, f *fixture, w *world) {
	t.Helper()

	blocked, err := f.store.IsBlocked(f.ctx, w.recipient.ID, w.channel.ID)
	ok(t, "is blocked", err)
	friend, err := f.store.IsFriend(f.ctx, w.recipient.ID, w.channel.ID)
	ok(t, "is friend", err)
	attempts, err := f.store.WebhookAttempts(f.ctx, w.event.ID)
	ok(t, "attempts", err)
	outbox, err := f.store.Outbox(f.ctx, "", 10)
	ok(t, "outbox", err)
	units, err := f.store.AggregationUnits(f.ctx, w.channel.ID, "202504")
	ok(t, "units", err)
	chats, err := f.store.Chats(f.ctx, w.recipient.ID)
	ok(t, "chats", err)
	steps, err := f.store.NotificationTrace(f.ctx, w.tagged.ID)
	ok(t, "trace", err)

	equal(t, "left after reset (blocked, friend, attempts, outbox, units, chats, steps)",
		[]any{blocked, friend, len(attempts), len(outbox), len(units), len(chats), len(steps)},
		[]any{false, false, 0, 0, 0, 0, 0})
}

// testResetRolledBack checks that a reset in an update that fails deletes
// nothing.
func testResetRolledBack(t *testing.T, f *fixture) {
	w := f.world(t)

	err := f.store.Update(f.ctx, func(q pnpd.Queries) error {
		ok(t, "reset", q.Reset(f.ctx, false))
		_, err := q.Recipient(f.ctx, w.recipient.ID)
		wantCode(t, "recipient inside the reset", err, pnpd.ENotFound)

		return errTest
	})
	wantCode(t, "failed update", err, pnpd.EInternal)

	got, err := f.store.Recipient(f.ctx, w.recipient.ID)
	ok(t, "recipient after the rollback", err)
	equal(t, "recipient after the rollback", got, w.recipient)
	_, err = f.store.Channel(f.ctx, w.channel.ID)
	ok(t, "channel after the rollback", err)
}
