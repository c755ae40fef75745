package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// key saves a new key of channel c, added at the reference time moved by
// d.
func (f *fixture) key(t *testing.T, c *pnpd.Channel, d time.Duration) *pnpd.ChannelKey {
	t.Helper()

	n := f.next()
	k := &pnpd.ChannelKey{KID: fmt.Sprintf("kid-%d-%s", n, pnpd.RandomHex(4)),
		ChannelID: c.ID, JWK: fmt.Sprintf(`{"e":"AQAB","kty":"RSA","n":"n%d"}`, n),
		CreatedAt: at(d)}
	ok(t, "add channel key", f.store.AddChannelKey(f.ctx, k))

	return k
}

// testValidAccessTokens checks that ValidAccessTokens lists only the channel's
// tokens of the kind unexpired at the time given, oldest first, those
// created in one millisecond in the order they were saved, with their key
// IDs.
func testValidAccessTokens(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	token := func(name string, ch *pnpd.Channel, kind string, created,
		expires time.Duration) pnpd.AccessToken {
		tok := pnpd.AccessToken{Hash: pnpd.HashToken(name), ChannelID: ch.ID, Kind: kind,
			KeyID: "key " + name, CreatedAt: at(created), ExpiresAt: at(expires)}
		ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &tok))

		return tok
	}
	second := token("z second", c, "v2.1", 0, time.Hour)
	first := token("first", c, "v2.1", -time.Hour, time.Hour)
	third := token("a third", c, "v2.1", 0, time.Minute)
	token("expires now", c, "v2.1", -time.Hour, 0)
	token("expired", c, "v2.1", -time.Hour, -time.Minute)
	token("short lived", c, "short_lived", -time.Hour, time.Hour)
	token("elsewhere", other, "v2.1", -time.Hour, time.Hour)

	got, err := f.store.ValidAccessTokens(f.ctx, c.ID, "v2.1", base)
	ok(t, "access tokens", err)
	equal(t, "access tokens", got, []pnpd.AccessToken{first, second, third})

	got, err = f.store.ValidAccessTokens(f.ctx, c.ID, "v2.1", at(30*time.Minute))
	ok(t, "access tokens later", err)
	equal(t, "access tokens later", got, []pnpd.AccessToken{first, second})

	never := pnpd.AccessToken{Hash: pnpd.HashToken("never"), ChannelID: other.ID,
		Kind: "long_lived", CreatedAt: base}
	ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &never))
	got, err = f.store.ValidAccessTokens(f.ctx, other.ID, "long_lived", at(1000*time.Hour))
	ok(t, "access tokens that never expire", err)
	equal(t, "access tokens that never expire", got, []pnpd.AccessToken{never})
}

// testPurgeAccessTokens checks that only the channel's tokens of the kind
// expired by the time given are deleted, and that a deleted one no longer
// finds its channel.
func testPurgeAccessTokens(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	tokens := []pnpd.AccessToken{
		{Hash: "expired", ChannelID: c.ID, Kind: "v2.1", CreatedAt: at(-time.Hour),
			ExpiresAt: at(-time.Minute)},
		{Hash: "expires now", ChannelID: c.ID, Kind: "v2.1", CreatedAt: at(-time.Hour),
			ExpiresAt: base},
		{Hash: "valid", ChannelID: c.ID, Kind: "v2.1", CreatedAt: at(-time.Hour),
			ExpiresAt: at(time.Hour)},
		{Hash: "short", ChannelID: c.ID, Kind: "short_lived", CreatedAt: at(-time.Hour),
			ExpiresAt: at(-time.Minute)},
		{Hash: "elsewhere", ChannelID: other.ID, Kind: "v2.1", CreatedAt: at(-time.Hour),
			ExpiresAt: at(-time.Minute)},
		{Hash: "never", ChannelID: c.ID, Kind: "v2.1", CreatedAt: at(-time.Hour)},
	}
	for _, tok := range tokens {
		ok(t, "create access token", f.store.CreateAccessToken(f.ctx, &tok))
	}

	n, err := f.store.PurgeAccessTokens(f.ctx, c.ID, "v2.1", base)
	ok(t, "purge access tokens", err)
	equal(t, "tokens purged", n, 2)
	for _, tok := range tokens {
		_, err := f.store.AccessToken(f.ctx, tok.Hash)
		gone := tok.Hash == "expired" || tok.Hash == "expires now"
		if gone {
			wantCode(t, tok.Hash+" after the purge", err, pnpd.ENotFound)
		} else {
			ok(t, tok.Hash+" after the purge", err)
		}
	}
}

// testChannelKeyRoundTrip checks that ChannelKey returns a key as saved,
// ENotFound for an unknown KID, and that a KID cannot be used twice, not
// even by another channel.
func testChannelKeyRoundTrip(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	want := f.key(t, c, 0)

	got, err := f.store.ChannelKey(f.ctx, want.KID)
	ok(t, "channel key", err)
	equal(t, "channel key", got, want)

	_, err = f.store.ChannelKey(f.ctx, "unknown")
	wantCode(t, "channel key of an unknown KID", err, pnpd.ENotFound)

	again := *want
	again.ChannelID = other.ID
	wantCode(t, "a KID taken", f.store.AddChannelKey(f.ctx, &again), pnpd.EConflict)
	got, err = f.store.ChannelKey(f.ctx, want.KID)
	ok(t, "channel key", err)
	equal(t, "channel key after a conflict", got, want)
}

// testChannelKeysList checks that ChannelKeys lists only the channel's
// keys, oldest first, those added in one millisecond in the order they
// were saved.
func testChannelKeysList(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	none, err := f.store.ChannelKeys(f.ctx, c.ID)
	ok(t, "channel keys of a channel without", err)
	equal(t, "channel keys of a channel without", len(none), 0)

	second := f.key(t, c, 0)
	first := f.key(t, c, -time.Hour)
	third := f.key(t, c, 0)
	f.key(t, other, -2*time.Hour)

	got, err := f.store.ChannelKeys(f.ctx, c.ID)
	ok(t, "channel keys", err)
	equal(t, "channel keys", got, []pnpd.ChannelKey{*first, *second, *third})
}

// testChannelKeyDelete checks that a deleted key is gone, that a channel
// cannot delete another's key, and that deleting it again is ENotFound.
func testChannelKeyDelete(t *testing.T, f *fixture) {
	c, other := f.channel(t), f.channel(t)
	k, kept := f.key(t, c, 0), f.key(t, c, time.Minute)

	err := f.store.DeleteChannelKey(f.ctx, other.ID, k.KID)
	wantCode(t, "delete another channel's key", err, pnpd.ENotFound)
	ok(t, "delete channel key", f.store.DeleteChannelKey(f.ctx, c.ID, k.KID))

	_, err = f.store.ChannelKey(f.ctx, k.KID)
	wantCode(t, "channel key after deletion", err, pnpd.ENotFound)
	got, err := f.store.ChannelKeys(f.ctx, c.ID)
	ok(t, "channel keys", err)
	equal(t, "channel keys after deletion", got, []pnpd.ChannelKey{*kept})
	wantCode(t, "delete again", f.store.DeleteChannelKey(f.ctx, c.ID, k.KID), pnpd.ENotFound)
}
