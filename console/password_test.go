package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/console"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// TestPasswordHash checks that a hash verifies its own password only, that
// a hash made with other parameters still verifies, and that a malformed
// hash is an error, not a match.
func TestPasswordHash(t *testing.T) {
	t.Parallel()

	cheap := console.Hasher{Time: 1, MemoryKiB: 64, Threads: 1}
	other := console.Hasher{Time: 2, MemoryKiB: 128, Threads: 2}
	hash := cheap.Hash("correct horse")
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q does not name argon2id and its parameters", hash)
	}
	if cheap.Hash("correct horse") == hash {
		t.Error("two hashes of one password are equal: no fresh salt")
	}

	cases := []struct {
		name, hash, password string
		match, fails         bool
	}{
		{"right password", hash, "correct horse", true, false},
		{"wrong password", hash, "correct horsE", false, false},
		{"other parameters", other.Hash("battery"), "battery", true, false},
		{"not argon2id", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5", "x",
			false, true},
		{"cut short", hash[:len(hash)/2], "correct horse", false, true},
		{"empty", "", "", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			match, err := console.Verify(tc.hash, tc.password)
			if match != tc.match || (err != nil) != tc.fails {
				t.Errorf("Verify = %v, %v; want match %v, error %v", match, err, tc.match,
					tc.fails)
			}
		})
	}
}

// TestGeneratedAdminPassword checks that a first start without a password
// generates one that logs in, and that the next start generates none and
// keeps it.
func TestGeneratedAdminPassword(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	first := servertest.Start(t, server.Config{DataDir: dir})
	password := first.AdminPasswordGenerated()
	if len(password) < 16 {
		t.Fatalf("generated password of %d characters, want at least 16", len(password))
	}
	servertest.Stop(t, first)

	second := servertest.Start(t, server.Config{DataDir: dir})
	if got := second.AdminPasswordGenerated(); got != "" {
		t.Errorf("the second start generated a password too")
	}
	b := (&env{t: t, srv: second, url: second.URL()}).browser()
	if p := b.logIn("admin", password); p.status != http.StatusSeeOther {
		t.Errorf("log in with the generated password: status %d, want 303", p.status)
	}
}

// BenchmarkVerifyRecommended measures what one log-in costs with the
// recommended parameters: the time and the memory the hash takes.
func BenchmarkVerifyRecommended(b *testing.B) {
	hash := console.RecommendedHasher().Hash("a password of some length")
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := console.Verify(hash, "a password of some length"); !ok || err != nil {
			b.Fatalf("verify: %v %v", ok, err)
		}
	}
}
