package storetest

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var channelTests = []test{
	{"RoundTrip", testChannelRoundTrip},
	{"RoundTripInUTC", testChannelInUTC},
	{"UnknownID", testChannelUnknown},
	{"ListIDs", testChannelIDs},
	{"ByToken", testChannelByToken},
	{"ByTokenAsTimeGoesOn", testChannelByTokenOverTime},
	{"UpdateWebhook", testChannelUpdateWebhook},
	{"UpdateWebhookOfUnknownID", testChannelUpdateWebhookUnknown},
	{"AccessTokenRoundTrip", testAccessTokenRoundTrip},
	{"DeleteAccessToken", testAccessTokenDelete},
	{"TrimAccessTokens", testAccessTokenTrim},
	{"ListValidAccessTokens", testValidAccessTokens},
	{"PurgeAccessTokens", testPurgeAccessTokens},
	{"ChannelKeyRoundTrip", testChannelKeyRoundTrip},
	{"ChannelKeysInOrder", testChannelKeysList},
	{"DeleteChannelKey", testChannelKeyDelete},
}

// testChannelRoundTrip checks that Channel returns every field as saved,
// with the webhook switches on and off.
func testChannelRoundTrip(t *testing.T, f *fixture) {
	cases := []struct {
		name string
		edit func(c *pnpd.Channel)
	}{
		{"webhook on", func(*pnpd.Channel) {}},
		{"webhook off", func(c *pnpd.Channel) {
			c.WebhookURL, c.WebhookEnabled, c.RedeliveryEnabled = "", false, false
		}},
		{"template notifications only, every template", func(c *pnpd.Channel) {
			c.FlexibleEnabled, c.TemplateEnabled, c.TemplateKeys = false, true, nil
		}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			want := f.newChannel()
			tc.edit(want)
			ok(t, "create channel", f.store.CreateChannel(f.ctx, want))

			got, err := f.store.Channel(f.ctx, want.ID)
			ok(t, "channel", err)
			equal(t, "channel", got, want)
		})
	}
}

// testChannelInUTC checks that a time saved in another zone comes back as
// the same instant in UTC.
func testChannelInUTC(t *testing.T, f *fixture) {
	c := f.newChannel()
	c.CreatedAt = base.In(time.FixedZone("ICT", 7*60*60))
	ok(t, "create channel", f.store.CreateChannel(f.ctx, c))

	got, err := f.store.Channel(f.ctx, c.ID)
	ok(t, "channel", err)
	equal(t, "created at", got.CreatedAt, base)
}

func testChannelUnknown(t *testing.T, f *fixture) {
	f.channel(t)

	_, err := f.store.Channel(f.ctx, "1999999999")
	wantCode(t, "channel of an unknown ID", err, pnpd.ENotFound)
}

// testChannelIDs checks that ChannelIDs lists every channel in order of ID,
// the one created in an update that has not committed yet included for
// that update.
func testChannelIDs(t *testing.T, f *fixture) {
	ids, err := f.store.ChannelIDs(f.ctx)
	ok(t, "channel IDs of an empty store", err)
	equal(t, "channel IDs of an empty store", len(ids), 0)

	first, second, third := f.newChannel(), f.newChannel(), f.newChannel()
	// Created out of the order of their IDs, which the list follows.
	ok(t, "create channel", f.store.CreateChannel(f.ctx, second))
	ok(t, "create channel", f.store.CreateChannel(f.ctx, first))
	// Update runs on the store's writer, not the test's goroutine: the
	// checks wait until it returns.
	var inUpdate []string
	ok(t, "update", f.store.Update(f.ctx, func(q pnpd.Queries) error {
		if err := q.CreateChannel(f.ctx, third); err != nil {
			return err
		}

		var err error
		inUpdate, err = q.ChannelIDs(f.ctx)

		return err
	}))
	equal(t, "channel IDs in the update", inUpdate, []string{first.ID, second.ID, third.ID})
}

// testChannelByToken checks which tokens authenticate their channel at the
// reference time: an unexpired one or one that never expires.
func testChannelByToken(t *testing.T, f *fixture) {
	c := f.channel(t)
	tokens := []struct {
		name    string
		expires time.Time
		found   bool
	}{
		{"never expires", time.Time{}, true},
		{"expires later", at(time.Millisecond), true},
		{"expires now", at(0), false},
		{"expired", at(-time.Hour), false},
	}

	for _, tc := range tokens {
		ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &pnpd.AccessToken{
			Hash: pnpd.HashToken(tc.name), ChannelID: c.ID, Kind: "short_lived",
			CreatedAt: at(-2 * time.Hour), ExpiresAt: tc.expires,
		}))
	}

	for _, tc := range tokens {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantChannelByToken(t, f, pnpd.HashToken(tc.name), c, tc.found)
		})
	}

	t.Run("unknown hash", func(t *testing.T) {
		t.Parallel()
		wantChannelByToken(t, f, pnpd.HashToken("unknown"), c, false)
	})
}

// wantChannelByToken checks that the token hash finds c at the reference
// time, or, when found is false, that it finds nothing.
func wantChannelByToken(t *testing.T, f *fixture, hash string, c *pnpd.Channel,
	found bool) {
	t.Helper()

	got, err := f.store.ChannelByToken(f.ctx, hash, base)
	if !found {
		wantCode(t, "channel by token", err, pnpd.ENotFound)
		return
	}

	ok(t, "channel by token", err)
	equal(t, "channel by token", got, c)
}

// testChannelByTokenOverTime checks that a token found once is still judged
// by the time of each lookup, that a token unknown at first is found once
// it is created, and that changes are seen at once in and after Update.
func testChannelByTokenOverTime(t *testing.T, f *fixture) {
	c := f.channel(t)
	hour := pnpd.HashToken("an hour")
	ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &pnpd.AccessToken{
		Hash: hour, ChannelID: c.ID, Kind: "short_lived",
		CreatedAt: at(-time.Hour), ExpiresAt: at(time.Hour),
	}))

	for _, step := range []struct {
		at    time.Duration
		found bool
	}{{0, true}, {0, true}, {2 * time.Hour, false}, {time.Minute, true}} {
		got, err := f.store.ChannelByToken(f.ctx, hour, at(step.at))
		if !step.found {
			wantCode(t, "channel by an expired token", err, pnpd.ENotFound)
			continue
		}
		ok(t, "channel by token", err)
		equal(t, "channel by token", got, c)
		got.Name = "changed by the caller"
	}

	later := pnpd.HashToken("created later")
	wantChannelByToken(t, f, later, c, false)
	ok(t, "update", f.store.Update(f.ctx, func(q pnpd.Queries) error {
		ok(t, "create access token", q.CreateAccessToken(f.ctx, &pnpd.AccessToken{
			Hash: later, ChannelID: c.ID, Kind: "long_lived", CreatedAt: at(0),
		}))
		got, err := q.ChannelByToken(f.ctx, later, base)
		ok(t, "channel by token inside the update", err)
		equal(t, "channel by token inside the update", got, c)

		return nil
	}))
	wantChannelByToken(t, f, later, c, true)
	got, err := f.store.Channel(f.ctx, c.ID)
	ok(t, "channel", err)
	equal(t, "channel after a caller changed a copy", got, c)
}

// testChannelUpdateWebhook checks that a channel's new webhook settings are
// seen at once by both lookups, though each read the channel before, and
// inside the Update that makes them.
func testChannelUpdateWebhook(t *testing.T, f *fixture) {
	c := f.channel(t)
	hash := pnpd.HashToken("webhook settings")
	ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &pnpd.AccessToken{
		Hash: hash, ChannelID: c.ID, Kind: "long_lived", CreatedAt: at(0),
	}))
	wantChannelByToken(t, f, hash, c, true)
	_, err := f.store.Channel(f.ctx, c.ID)
	ok(t, "channel", err)

	c.WebhookURL, c.WebhookEnabled = "http://127.0.0.1:8080/hook", false
	ok(t, "update webhook", f.store.UpdateChannelWebhook(f.ctx, c.ID, c.WebhookURL, false))
	wantChannelByToken(t, f, hash, c, true)
	got, err := f.store.Channel(f.ctx, c.ID)
	ok(t, "channel", err)
	equal(t, "channel after the update", got, c)

	c.WebhookURL, c.WebhookEnabled = "https://shop.example/new", true
	ok(t, "update", f.store.Update(f.ctx, func(q pnpd.Queries) error {
		ok(t, "update webhook", q.UpdateChannelWebhook(f.ctx, c.ID, c.WebhookURL, true))
		got, err := q.Channel(f.ctx, c.ID)
		ok(t, "channel inside the update", err)
		equal(t, "channel inside the update", got, c)

		return nil
	}))
	wantChannelByToken(t, f, hash, c, true)
}

func testChannelUpdateWebhookUnknown(t *testing.T, f *fixture) {
	f.channel(t)

	err := f.store.UpdateChannelWebhook(f.ctx, "1999999999", "https://x.example/", true)
	wantCode(t, "update webhook of an unknown ID", err, pnpd.ENotFound)
}

// testAccessTokenRoundTrip checks that AccessToken returns a token as saved,
// expired or not, and ENotFound for an unknown hash.
func testAccessTokenRoundTrip(t *testing.T, f *fixture) {
	c := f.channel(t)
	want := &pnpd.AccessToken{Hash: pnpd.HashToken("round trip"), ChannelID: c.ID,
		Kind: "short_lived", CreatedAt: at(-2 * time.Hour), ExpiresAt: at(-time.Hour)}
	ok(t, "create access token", f.store.CreateAccessToken(f.ctx, want))

	got, err := f.store.AccessToken(f.ctx, want.Hash)
	ok(t, "access token", err)
	equal(t, "access token", got, want)

	_, err = f.store.AccessToken(f.ctx, pnpd.HashToken("unknown"))
	wantCode(t, "access token of an unknown hash", err, pnpd.ENotFound)
}

// testAccessTokenDelete checks that a deleted token no longer finds its
// channel, though the lookup found it before, and that deleting it again
// is no error.
func testAccessTokenDelete(t *testing.T, f *fixture) {
	c := f.channel(t)
	hash := pnpd.HashToken("to delete")
	ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &pnpd.AccessToken{
		Hash: hash, ChannelID: c.ID, Kind: "short_lived", CreatedAt: at(0),
	}))
	wantChannelByToken(t, f, hash, c, true)

	ok(t, "delete access token", f.store.DeleteAccessToken(f.ctx, hash))
	wantChannelByToken(t, f, hash, c, false)
	_, err := f.store.AccessToken(f.ctx, hash)
	wantCode(t, "access token after deletion", err, pnpd.ENotFound)
	ok(t, "delete access token again", f.store.DeleteAccessToken(f.ctx, hash))
}

// testAccessTokenTrim checks that trimming deletes only the oldest tokens
// of the kind and channel, those created in one millisecond in the order
// they were saved, and leaves other kinds and channels alone.
func testAccessTokenTrim(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	token := func(name string, ch *pnpd.Channel, kind string, created time.Duration) string {
		hash := pnpd.HashToken(name)
		ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &pnpd.AccessToken{
			Hash: hash, ChannelID: ch.ID, Kind: kind, CreatedAt: at(created),
		}))

		return hash
	}
	// Saved out of order of their hashes, at one time but the first.
	oldest := token("oldest", c, "short_lived", -time.Hour)
	second := token("z second", c, "short_lived", 0)
	third := token("a third", c, "short_lived", 0)
	fourth := token("m fourth", c, "short_lived", 0)
	longLived := token("long lived", c, "long_lived", -2*time.Hour)
	elsewhere := token("elsewhere", other, "short_lived", -2*time.Hour)
	wantChannelByToken(t, f, oldest, c, true)

	n, err := f.store.TrimAccessTokens(f.ctx, c.ID, "short_lived", 2)
	ok(t, "trim access tokens", err)
	equal(t, "tokens trimmed", n, 2)
	for _, gone := range []string{oldest, second} {
		wantChannelByToken(t, f, gone, c, false)
	}
	for _, kept := range []string{third, fourth, longLived} {
		wantChannelByToken(t, f, kept, c, true)
	}
	wantChannelByToken(t, f, elsewhere, other, true)

	n, err = f.store.TrimAccessTokens(f.ctx, c.ID, "short_lived", 2)
	ok(t, "trim access tokens again", err)
	equal(t, "tokens trimmed again", n, 0)
}
