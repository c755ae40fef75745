package storetest

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var sessionTests = []test{
	{"Find", testSessionFind},
	{"Delete", testSessionDelete},
}

var settingTests = []test{
	{"Missing", testSettingMissing},
	{"SetAndOverwrite", testSettingOverwrite},
}

// session saves a session of a new recipient that expires at the reference
// time moved by expires.
func (f *fixture) session(t *testing.T, expires time.Duration) *pnpd.Session {
	t.Helper()

	s := &pnpd.Session{
		Hash:        pnpd.HashToken(pnpd.RandomHex(16)),
		RecipientID: f.recipient(t).ID,
		CreatedAt:   at(-time.Hour),
		ExpiresAt:   at(expires),
	}
	ok(t, "create session", f.store.CreateSession(f.ctx, s))

	return s
}

// testSessionFind checks that only an unexpired session is found by its
// hash at the reference time.
func testSessionFind(t *testing.T, f *fixture) {
	cases := []struct {
		name    string
		session *pnpd.Session
		found   bool
	}{
		{"unexpired", f.session(t, time.Millisecond), true},
		{"expires now", f.session(t, 0), false},
		{"expired", f.session(t, -time.Minute), false},
		{"unknown", &pnpd.Session{Hash: pnpd.HashToken("unknown")}, false},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.SessionByHash(f.ctx, tc.session.Hash, base)
			if !tc.found {
				wantCode(t, "session by hash", err, pnpd.ENotFound)
				return
			}

			ok(t, "session by hash", err)
			equal(t, "session by hash", got, tc.session)
		})
	}
}

// testSessionDelete checks that signing out ends only that session.
func testSessionDelete(t *testing.T, f *fixture) {
	gone, kept := f.session(t, time.Hour), f.session(t, time.Hour)
	ok(t, "delete session", f.store.DeleteSession(f.ctx, gone.Hash))

	_, err := f.store.SessionByHash(f.ctx, gone.Hash, base)
	wantCode(t, "deleted session", err, pnpd.ENotFound)

	got, err := f.store.SessionByHash(f.ctx, kept.Hash, base)
	ok(t, "other session", err)
	equal(t, "other session", got, kept)
}

func testSettingMissing(t *testing.T, f *fixture) {
	got, err := f.store.Setting(f.ctx, "clock_offset")
	ok(t, "missing setting", err)
	equal(t, "missing setting", got, "")
}

// testSettingOverwrite checks that the last value set is kept, by name.
func testSettingOverwrite(t *testing.T, f *fixture) {
	steps := []struct{ name, value string }{
		{"clock_offset", "1h"},
		{"demo_seeded", "true"},
		{"clock_offset", "90m"},
	}
	for _, s := range steps {
		ok(t, "set setting", f.store.SetSetting(f.ctx, s.name, s.value))
	}

	for name, want := range map[string]string{"clock_offset": "90m", "demo_seeded": "true"} {
		got, err := f.store.Setting(f.ctx, name)
		ok(t, "setting", err)
		equal(t, "setting "+name, got, want)
	}
}
