package sqlite_test

import (
	"bytes"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/keyring"
	"github.com/pnpd/pnpd/sqlite"
)

// secretWorld is a data folder with its database path and key file.
type secretWorld struct {
	dir, db, key string
}

func newSecretWorld(t *testing.T) secretWorld {
	dir := t.TempDir()

	return secretWorld{dir: dir, db: filepath.Join(dir, "pnpd.db"),
		key: filepath.Join(dir, keyring.FileName)}
}

// open opens the world's database with opts and closes it when t ends, or
// returns the error of the open.
func (w secretWorld) open(t *testing.T, opts sqlite.Options) (*sqlite.DB, error) {
	t.Helper()

	db, err := sqlite.Open(t.Context(), w.db, opts)
	if err == nil {
		t.Cleanup(func() { db.Close() })
	}

	return db, err
}

// newSecretChannel returns an unsaved channel with a fresh secret.
func newSecretChannel(id string) *pnpd.Channel {
	return &pnpd.Channel{ID: id, Name: "Shop " + id, Secret: pnpd.RandomHex(16),
		BotUserID: pnpd.NewUserID(), Country: "JP", FlexibleEnabled: true,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
}

// wantSecretHidden checks that no file of the folder but the key file
// holds the secret.
func (w secretWorld) wantSecretHidden(t *testing.T, secret string) {
	t.Helper()

	entries, err := os.ReadDir(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		path := filepath.Join(w.dir, e.Name())
		if path == w.key || e.IsDir() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the channel secret in clear", e.Name())
		}
	}
}

// wantSecret checks that the store gives the channel's secret in clear.
func wantSecret(t *testing.T, db *sqlite.DB, c *pnpd.Channel) {
	t.Helper()

	got, err := db.Channel(t.Context(), c.ID)
	if err != nil || got.Secret != c.Secret {
		t.Errorf("channel secret after reopening: %v; want it in clear", err)
	}
}

// TestSecretsAtRest checks that a secret is stored encrypted with the key
// file's key, opens again with it, and that a database with encrypted
// secrets does not open with another key, no key file, or no key.
func TestSecretsAtRest(t *testing.T) {
	t.Parallel()

	w := newSecretWorld(t)
	db, err := w.open(t, sqlite.Options{KeyFile: w.key})
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	c := newSecretChannel("1650000001")
	if err := db.CreateChannel(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	db.Close()
	w.wantSecretHidden(t, c.Secret)

	db, err = w.open(t, sqlite.Options{KeyFile: w.key})
	if err != nil {
		t.Fatalf("open with the same key: %v", err)
	}
	wantSecret(t, db, c)
	db.Close()

	other, gone := filepath.Join(t.TempDir(), "other.key"), w.key+".gone"
	if _, err := keyring.Open(other, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts sqlite.Options
		want string
	}{
		{"another key file", sqlite.Options{KeyFile: other}, other + " is not the key"},
		{"a missing key file", sqlite.Options{KeyFile: gone}, gone + " is missing"},
		{"no key", sqlite.Options{}, "start with the key file"},
	}
	for _, tc := range cases {
		_, err := w.open(t, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("open with %s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(gone); err == nil {
		t.Error("a start with a missing key file made a new key")
	}
}

// TestSecretsSealedOnUpgrade opens, with a key, a database whose secrets
// were stored in clear: they are encrypted in place, and no copy in clear
// stays in the files.
func TestSecretsSealedOnUpgrade(t *testing.T) {
	t.Parallel()

	w := newSecretWorld(t)
	db, err := w.open(t, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	channels := []*pnpd.Channel{newSecretChannel("1650000001"), newSecretChannel("1650000002")}
	for _, c := range channels {
		if err := db.CreateChannel(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	db, err = w.open(t, sqlite.Options{KeyFile: w.key})
	if err != nil {
		t.Fatalf("open with a key: %v", err)
	}
	// While it runs too: the files hold no copy of the old pages.
	for _, c := range channels {
		wantSecret(t, db, c)
		w.wantSecretHidden(t, c.Secret)
	}
	db.Close()

	for _, c := range channels {
		w.wantSecretHidden(t, c.Secret)
	}
}

// TestSecretBoundToChannel checks that a secret's ciphertext copied to
// another channel's row does not open there.
func TestSecretBoundToChannel(t *testing.T) {
	t.Parallel()

	w := newSecretWorld(t)
	db, err := w.open(t, sqlite.Options{Keyring: keyring.Generate()})
	if err != nil {
		t.Fatal(err)
	}
	a, b := newSecretChannel("1650000001"), newSecretChannel("1650000002")
	for _, c := range []*pnpd.Channel{a, b} {
		if err := db.CreateChannel(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}

	file, err := sql.Open("sqlite", "file:"+w.db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	_, err = file.Exec(`UPDATE channel SET secret = (SELECT secret FROM channel WHERE id = ?)
		WHERE id = ?`, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}

	if got, err := db.Channel(t.Context(), b.ID); err == nil {
		t.Errorf("channel b opened with a's ciphertext: secret a's = %v", got.Secret == a.Secret)
	}
}

// TestSharedKeyFileWarned checks that a key file other users may read is
// used, with a warning that names it.
func TestSharedKeyFileWarned(t *testing.T) {
	t.Parallel()

	w := newSecretWorld(t)
	if _, err := keyring.Open(w.key, true); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(w.key, 0o644); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	_, err := w.open(t, sqlite.Options{KeyFile: w.key,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !strings.Contains(logs.String(), "Key file is readable by other users") ||
		!strings.Contains(logs.String(), w.key) {
		t.Errorf("logs %q, want a warning naming the key file", logs.String())
	}
}
