package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var consoleTests = []test{
	{"OperatorRoundTrip", testOperatorRoundTrip},
	{"OperatorUsernameTaken", testOperatorUsernameTaken},
	{"OperatorSessionLifetime", testOperatorSessionLifetime},
	{"OperatorPassword", testOperatorPassword},
	{"ProviderRoundTrip", testProviderRoundTrip},
	{"DeleteProvider", testProviderDelete},
}

var channelEditTests = []test{
	{"UpdateChannel", testChannelUpdate},
	{"UpdateChannelBotUserIDTaken", testChannelUpdateBotUserIDTaken},
	{"UpdateChannelUnknown", testChannelUpdateUnknown},
	{"ListChannels", testChannelsList},
	{"Icon", testChannelIcon},
	{"ListAccessTokens", testAccessTokensList},
	{"ExpireAccessTokens", testAccessTokensExpire},
}

// operator saves a new operator with a unique username.
func (f *fixture) operator(t *testing.T) *pnpd.Operator {
	t.Helper()

	o := &pnpd.Operator{Username: fmt.Sprintf("operator%d", f.next()),
		PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		CreatedAt:    at(0)}
	ok(t, "create operator", f.store.CreateOperator(f.ctx, o))

	return o
}

// testOperatorRoundTrip checks that an operator is found by username and
// ID with every field as saved, and that the count follows.
func testOperatorRoundTrip(t *testing.T, f *fixture) {
	n, err := f.store.CountOperators(f.ctx)
	ok(t, "count operators of an empty store", err)
	equal(t, "operators of an empty store", n, 0)

	want := f.operator(t)
	f.operator(t)
	if want.ID == 0 {
		t.Fatal("CreateOperator set no ID")
	}

	got, err := f.store.OperatorByUsername(f.ctx, want.Username)
	ok(t, "operator by username", err)
	equal(t, "operator by username", got, want)
	got, err = f.store.Operator(f.ctx, want.ID)
	ok(t, "operator by ID", err)
	equal(t, "operator by ID", got, want)

	n, err = f.store.CountOperators(f.ctx)
	ok(t, "count operators", err)
	equal(t, "operators", n, 2)
	list, err := f.store.Operators(f.ctx)
	ok(t, "list operators", err)
	equal(t, "listed operators", len(list), 2)
	equal(t, "first listed", list[0], *want)

	_, err = f.store.OperatorByUsername(f.ctx, "nobody")
	wantCode(t, "unknown username", err, pnpd.ENotFound)
	_, err = f.store.Operator(f.ctx, want.ID+100)
	wantCode(t, "unknown operator ID", err, pnpd.ENotFound)
}

func testOperatorUsernameTaken(t *testing.T, f *fixture) {
	o := f.operator(t)

	err := f.store.CreateOperator(f.ctx, &pnpd.Operator{Username: o.Username,
		PasswordHash: "x", CreatedAt: at(0)})
	wantCode(t, "operator with a taken username", err, pnpd.EConflict)
}

// testOperatorSessionLifetime checks that a session is found until it
// expires, that extending it keeps it, and that a deleted one is gone.
func testOperatorSessionLifetime(t *testing.T, f *fixture) {
	o := f.operator(t)
	s := &pnpd.OperatorSession{Hash: pnpd.HashToken("session"), OperatorID: o.ID,
		CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	ok(t, "create session", f.store.CreateOperatorSession(f.ctx, s))

	got, err := f.store.OperatorSession(f.ctx, s.Hash, at(time.Minute))
	ok(t, "live session", err)
	equal(t, "live session", got, s)
	_, err = f.store.OperatorSession(f.ctx, s.Hash, at(time.Hour))
	wantCode(t, "session at its expiry", err, pnpd.ENotFound)

	ok(t, "extend session", f.store.ExtendOperatorSession(f.ctx, s.Hash, at(2*time.Hour)))
	got, err = f.store.OperatorSession(f.ctx, s.Hash, at(time.Hour))
	ok(t, "extended session", err)
	equal(t, "extended session's expiry", got.ExpiresAt, at(2*time.Hour))

	ok(t, "delete session", f.store.DeleteOperatorSession(f.ctx, s.Hash))
	_, err = f.store.OperatorSession(f.ctx, s.Hash, at(0))
	wantCode(t, "deleted session", err, pnpd.ENotFound)
	ok(t, "delete a session twice", f.store.DeleteOperatorSession(f.ctx, s.Hash))
	_, err = f.store.OperatorSession(f.ctx, pnpd.HashToken("unknown"), at(0))
	wantCode(t, "unknown session", err, pnpd.ENotFound)
}

// testOperatorPassword checks that a new password replaces the old one and
// ends the operator's sessions, and no one else's.
func testOperatorPassword(t *testing.T, f *fixture) {
	o, other := f.operator(t), f.operator(t)
	mine := &pnpd.OperatorSession{Hash: pnpd.HashToken("mine"), OperatorID: o.ID,
		CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	theirs := &pnpd.OperatorSession{Hash: pnpd.HashToken("theirs"), OperatorID: other.ID,
		CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	ok(t, "create session", f.store.CreateOperatorSession(f.ctx, mine))
	ok(t, "create session", f.store.CreateOperatorSession(f.ctx, theirs))

	ok(t, "set password", f.store.SetOperatorPassword(f.ctx, o.ID, "new-hash"))
	got, err := f.store.Operator(f.ctx, o.ID)
	ok(t, "operator", err)
	equal(t, "password hash", got.PasswordHash, "new-hash")
	_, err = f.store.OperatorSession(f.ctx, mine.Hash, at(0))
	wantCode(t, "session before the new password", err, pnpd.ENotFound)
	_, err = f.store.OperatorSession(f.ctx, theirs.Hash, at(0))
	ok(t, "another operator's session", err)

	wantCode(t, "unknown operator", f.store.SetOperatorPassword(f.ctx, 999999, "x"),
		pnpd.ENotFound)
}

// testProviderRoundTrip checks that providers are found by ID, listed by
// name, and renamed.
func testProviderRoundTrip(t *testing.T, f *fixture) {
	list, err := f.store.Providers(f.ctx)
	ok(t, "providers of an empty store", err)
	equal(t, "providers of an empty store", len(list), 0)

	zeta := &pnpd.Provider{Name: "Zeta Retail", CreatedAt: at(0)}
	alpha := &pnpd.Provider{Name: "Alpha Bank", CreatedAt: at(time.Minute)}
	ok(t, "create provider", f.store.CreateProvider(f.ctx, zeta))
	ok(t, "create provider", f.store.CreateProvider(f.ctx, alpha))

	got, err := f.store.Provider(f.ctx, zeta.ID)
	ok(t, "provider", err)
	equal(t, "provider", got, zeta)
	list, err = f.store.Providers(f.ctx)
	ok(t, "providers", err)
	equal(t, "providers by name", list, []pnpd.Provider{*alpha, *zeta})

	ok(t, "rename provider", f.store.RenameProvider(f.ctx, zeta.ID, "Zeta Stores"))
	got, err = f.store.Provider(f.ctx, zeta.ID)
	ok(t, "renamed provider", err)
	equal(t, "renamed provider's name", got.Name, "Zeta Stores")

	wantCode(t, "rename an unknown provider",
		f.store.RenameProvider(f.ctx, zeta.ID+100, "x"), pnpd.ENotFound)
	_, err = f.store.Provider(f.ctx, zeta.ID+100)
	wantCode(t, "unknown provider", err, pnpd.ENotFound)
}

// testProviderDelete checks that a provider with channels stays, and one
// without goes.
func testProviderDelete(t *testing.T, f *fixture) {
	p := &pnpd.Provider{Name: "Shop", CreatedAt: at(0)}
	ok(t, "create provider", f.store.CreateProvider(f.ctx, p))
	c := f.newChannel()
	c.ProviderID = p.ID
	ok(t, "create channel", f.store.CreateChannel(f.ctx, c))

	wantCode(t, "delete a provider with a channel", f.store.DeleteProvider(f.ctx, p.ID),
		pnpd.EConflict)

	c.ProviderID = p.ID + 100
	ok(t, "move channel", f.store.UpdateChannel(f.ctx, c))
	ok(t, "delete provider", f.store.DeleteProvider(f.ctx, p.ID))
	_, err := f.store.Provider(f.ctx, p.ID)
	wantCode(t, "deleted provider", err, pnpd.ENotFound)
	wantCode(t, "delete it again", f.store.DeleteProvider(f.ctx, p.ID), pnpd.ENotFound)
}

// testChannelUpdate checks that every editable field is saved and that
// both lookups, which read the channel before, see the change at once.
func testChannelUpdate(t *testing.T, f *fixture) {
	c := f.channel(t)
	hash := pnpd.HashToken("token")
	ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &pnpd.AccessToken{
		Hash: hash, ChannelID: c.ID, Kind: "long_lived", CreatedAt: at(0)}))
	wantChannelByToken(t, f, hash, c, true)

	c.Name, c.Secret, c.BotUserID, c.Country = "Renamed", pnpd.RandomHex(16),
		pnpd.NewUserID(), "JP"
	c.ProviderID, c.WebhookURL = 77, "https://new.example/hook"
	c.WebhookEnabled, c.RedeliveryEnabled = !c.WebhookEnabled, !c.RedeliveryEnabled
	c.FlexibleEnabled, c.TemplateEnabled = !c.FlexibleEnabled, !c.TemplateEnabled
	ok(t, "update channel", f.store.UpdateChannel(f.ctx, c))

	got, err := f.store.Channel(f.ctx, c.ID)
	ok(t, "channel", err)
	equal(t, "updated channel", got, c)
	wantChannelByToken(t, f, hash, c, true)
}

func testChannelUpdateBotUserIDTaken(t *testing.T, f *fixture) {
	first, second := f.channel(t), f.channel(t)

	edited := *second
	edited.BotUserID = first.BotUserID
	wantCode(t, "take another channel's bot user ID",
		f.store.UpdateChannel(f.ctx, &edited), pnpd.EConflict)

	got, err := f.store.Channel(f.ctx, second.ID)
	ok(t, "channel", err)
	equal(t, "channel after a refused update", got, second)
}

func testChannelUpdateUnknown(t *testing.T, f *fixture) {
	c := f.newChannel()

	wantCode(t, "update an unknown channel", f.store.UpdateChannel(f.ctx, c), pnpd.ENotFound)
}

// testChannelsList checks that Channels lists every channel by name.
func testChannelsList(t *testing.T, f *fixture) {
	b, a := f.newChannel(), f.newChannel()
	b.Name, a.Name = "B shop", "A shop"
	ok(t, "create channel", f.store.CreateChannel(f.ctx, b))
	ok(t, "create channel", f.store.CreateChannel(f.ctx, a))

	got, err := f.store.Channels(f.ctx)
	ok(t, "channels", err)
	equal(t, "channels", got, []*pnpd.Channel{a, b})
}

// testChannelIcon checks that an icon is saved, replaced and removed, and
// that a channel without one has none.
func testChannelIcon(t *testing.T, f *fixture) {
	c := f.channel(t)
	_, err := f.store.ChannelIcon(f.ctx, c.ID)
	wantCode(t, "icon of a new channel", err, pnpd.ENotFound)

	for _, icon := range []pnpd.Icon{
		{ContentType: "image/png", Data: []byte("\x89PNG first")},
		{ContentType: "image/jpeg", Data: []byte("\xff\xd8 second")},
	} {
		ok(t, "set icon", f.store.SetChannelIcon(f.ctx, c.ID, icon))
		got, err := f.store.ChannelIcon(f.ctx, c.ID)
		ok(t, "icon", err)
		equal(t, "icon", got, &icon)
	}

	ok(t, "remove icon", f.store.SetChannelIcon(f.ctx, c.ID, pnpd.Icon{}))
	_, err = f.store.ChannelIcon(f.ctx, c.ID)
	wantCode(t, "removed icon", err, pnpd.ENotFound)
	wantCode(t, "icon of an unknown channel",
		f.store.SetChannelIcon(f.ctx, "1999999999", pnpd.Icon{}), pnpd.ENotFound)
}

// testAccessTokensList checks that a channel's tokens are listed newest
// first, expired ones too, with a v2.1 token's key ID, and no other
// channel's.
func testAccessTokensList(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	old := pnpd.AccessToken{Hash: pnpd.HashToken("old"), ChannelID: c.ID,
		Kind: "short_lived", CreatedAt: at(-2 * time.Hour), ExpiresAt: at(-time.Hour)}
	fresh := pnpd.AccessToken{Hash: pnpd.HashToken("new"), ChannelID: c.ID,
		Kind: "long_lived", CreatedAt: at(0)}
	v21 := pnpd.AccessToken{Hash: pnpd.HashToken("v2.1"), ChannelID: c.ID,
		Kind: "v2.1", KeyID: "key-1", CreatedAt: at(-time.Hour), ExpiresAt: at(time.Hour)}
	for _, tok := range []pnpd.AccessToken{old, v21, fresh, {Hash: pnpd.HashToken("other"),
		ChannelID: other.ID, Kind: "long_lived", CreatedAt: at(0)}} {
		ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &tok))
	}

	got, err := f.store.AccessTokens(f.ctx, c.ID)
	ok(t, "access tokens", err)
	equal(t, "access tokens", got, []pnpd.AccessToken{fresh, v21, old})
}

// testAccessTokensExpire checks that expiring a kind of token moves only
// later expiries, only of that kind and channel, and that the lookup by
// token sees it at once.
func testAccessTokensExpire(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	tokens := []pnpd.AccessToken{
		{Hash: "never", ChannelID: c.ID, Kind: "long_lived", CreatedAt: at(0)},
		{Hash: "later", ChannelID: c.ID, Kind: "long_lived", CreatedAt: at(0),
			ExpiresAt: at(48 * time.Hour)},
		{Hash: "sooner", ChannelID: c.ID, Kind: "long_lived", CreatedAt: at(0),
			ExpiresAt: at(time.Hour)},
		{Hash: "short", ChannelID: c.ID, Kind: "short_lived", CreatedAt: at(0)},
		{Hash: "other", ChannelID: other.ID, Kind: "long_lived", CreatedAt: at(0)},
	}
	for _, tok := range tokens {
		ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &tok))
	}
	wantChannelByToken(t, f, "never", c, true)

	n, err := f.store.ExpireAccessTokens(f.ctx, c.ID, "long_lived", at(24*time.Hour))
	ok(t, "expire access tokens", err)
	equal(t, "tokens expired", n, 2)

	want := map[string]time.Time{"never": at(24 * time.Hour), "later": at(24 * time.Hour),
		"sooner": at(time.Hour), "short": {}, "other": {}}
	for hash, expires := range want {
		got, err := f.store.AccessToken(f.ctx, hash)
		ok(t, "access token", err)
		equal(t, "expiry of "+hash, got.ExpiresAt, expires)
	}

	got, err := f.store.ChannelByToken(f.ctx, "never", at(25*time.Hour))
	if err == nil {
		t.Errorf("an expired token still finds channel %s", got.ID)
	}
}
