package keyring_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/keyring"
)

// TestKeyFile checks that a missing key file is created only when asked,
// readable by its owner only, and that opening it again gives the same key.
func TestKeyFile(t *testing.T) {
	t.Parallel()

	path := filepath.Join(t.TempDir(), keyring.FileName)
	_, err := keyring.Open(path, false)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("open a missing key file: %v, want an error naming %s", err, path)
	}

	created, err := keyring.Open(path, true)
	if err != nil {
		t.Fatalf("create key file: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v (%v), want -rw-------", info.Mode(), err)
	}

	again, err := keyring.Open(path, true)
	if err != nil {
		t.Fatalf("open key file: %v", err)
	}
	if !again.Matches(created.CheckValue()) {
		t.Error("the key file gave another key on its second open")
	}
	sealed := created.SealSecret("1650000001", "s3cret")
	if got, err := again.OpenSecret("1650000001", sealed); err != nil || got != "s3cret" {
		t.Errorf("open a secret with the reloaded key = %q, %v", got, err)
	}
}

// TestBadKeyFile checks that a key file that does not hold a key is an
// error that names the file.
func TestBadKeyFile(t *testing.T) {
	t.Parallel()

	cases := []struct{ name, content string }{
		{"empty", ""},
		{"short", strings.Repeat("ab", 16)},
		{"not hex", strings.Repeat("zz", 32)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			path := filepath.Join(t.TempDir(), keyring.FileName)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}

			_, err := keyring.Open(path, true)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("open: %v, want an error naming %s", err, path)
			}
		})
	}
}

// TestSecrets checks that a sealed secret opens with its key and channel
// only, and that it does not show the secret.
func TestSecrets(t *testing.T) {
	t.Parallel()

	k, other := keyring.Generate(), keyring.Generate()
	const channel, secret = "1650000001", "0123456789abcdef0123456789abcdef"
	sealed := k.SealSecret(channel, secret)
	if strings.Contains(sealed, secret) || !keyring.Sealed(sealed) || keyring.Sealed(secret) {
		t.Fatalf("sealed form %q", sealed)
	}
	if k.SealSecret(channel, secret) == sealed {
		t.Error("sealing twice gave the same ciphertext: the nonce is not fresh")
	}

	cases := []struct {
		name    string
		key     *keyring.Keyring
		channel string
		stored  string
		wantErr bool
	}{
		{"its key and channel", k, channel, sealed, false},
		{"another channel's row", k, "1650000002", sealed, true},
		{"another key", other, channel, sealed, true},
		{"altered", k, channel, sealed[:len(sealed)-2] + "AA", true},
		{"in clear", k, channel, secret, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := tc.key.OpenSecret(tc.channel, tc.stored)
			switch {
			case tc.wantErr && err == nil:
				t.Errorf("opened %q, want an error", got)
			case !tc.wantErr && (err != nil || got != secret):
				t.Errorf("open = %q, %v; want the secret", got, err)
			}
		})
	}
	if _, err := other.OpenSecret(channel, sealed); !errors.Is(err, keyring.ErrWrongKey) {
		t.Errorf("another key: %v, want ErrWrongKey", err)
	}
}

// TestDerivedKeys checks that the token key and the check value differ by
// master key and stay the same for one.
func TestDerivedKeys(t *testing.T) {
	t.Parallel()

	k, other := keyring.Generate(), keyring.Generate()
	if len(k.TokenKey()) != keyring.KeySize || string(k.TokenKey()) == string(other.TokenKey()) {
		t.Error("token keys are not 32 bytes of their own")
	}
	if k.Matches(other.CheckValue()) || !k.Matches(k.CheckValue()) {
		t.Error("check values do not tell the keys apart")
	}
}
