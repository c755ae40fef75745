package storetest

import (
	"testing"

	"github.com/pnpd/pnpd"
)

var textTests = []test{
	{"UnstorableLookups", testUnstorableLookups},
}

// unstorable are IDs no store holds and some stores cannot hold: a NUL, and
// bytes that are not UTF-8. Requests carry them as path and query values.
var unstorable = []string{"a\x00b", "\xff\xfe", "U\x00"}

// testUnstorableLookups: looking up text no stored value can hold finds
// nothing, as any unknown ID does, rather than failing.
func testUnstorableLookups(t *testing.T, f *fixture) {
	for _, id := range unstorable {
		_, err := f.store.Channel(f.ctx, id)
		wantCode(t, "channel", err, pnpd.ENotFound)
		_, err = f.store.Recipient(f.ctx, id)
		wantCode(t, "recipient", err, pnpd.ENotFound)
		_, err = f.store.RecipientByPhoneHash(f.ctx, id)
		wantCode(t, "recipient by phone hash", err, pnpd.ENotFound)
		_, err = f.store.Notification(f.ctx, id)
		wantCode(t, "notification", err, pnpd.ENotFound)
		_, err = f.store.NotificationByDeliveryTag(f.ctx, id, "")
		wantCode(t, "notification by tag", err, pnpd.ENotFound)
		_, err = f.store.ChannelByToken(f.ctx, id, base)
		wantCode(t, "channel by token", err, pnpd.ENotFound)
		_, err = f.store.SessionByHash(f.ctx, id, base)
		wantCode(t, "session", err, pnpd.ENotFound)
	}
}
