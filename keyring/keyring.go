// Package keyring holds pnpd's master key, which lives in a key file
// outside the database, and the keys derived from it: one that encrypts
// the channel secrets at rest, one that signs access tokens, and a check
// value that tells whether a database was encrypted with this key. A copy
// of the database alone then lets no one call the API.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the master key's length in bytes.
const KeySize = 32

// FileName is the key file's name in the data folder, by default.
const FileName = "pnpd.key"

// sealedPrefix marks an encrypted secret; it names the format, so that a
// later one can be told apart.
const sealedPrefix = "enc1:"

// The HKDF info strings: each names what its subkey is for, so that no
// two uses share a key.
const (
	infoSecrets = "pnpd channel secrets v1"
	infoTokens  = "pnpd access tokens v1"
	infoCheck   = "pnpd key check v1"
)

// Keyring holds the keys derived from one master key.
type Keyring struct {
	secrets cipher.AEAD
	token   []byte
	check   string
}

// New derives the keys from a master key of KeySize bytes.
func New(master []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("master key: %d bytes, want %d", len(master), KeySize)
	}

	secretKey, err := derive(master, infoSecrets)
	if err != nil {
		return nil, err
	}

	block, err := aes.NewCipher(secretKey)
	if err != nil {
		return nil, fmt.Errorf("secret cipher: %w", err)
	}

	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret cipher: %w", err)
	}

	token, err := derive(master, infoTokens)
	if err != nil {
		return nil, err
	}

	check, err := derive(master, infoCheck)
	if err != nil {
		return nil, err
	}

	return &Keyring{secrets: aead, token: token, check: hex.EncodeToString(check[:16])}, nil
}

func derive(master []byte, info string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, master, nil, info, KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}

	return k, nil
}

// Generate returns a keyring on a fresh random master key, which is not
// saved anywhere: for tests.
func Generate() *Keyring {
	master := make([]byte, KeySize)
	_, _ = rand.Read(master) // crypto/rand.Read never fails (Go 1.24+)

	k, err := New(master)
	if err != nil {
		panic(err) // unreachable: the key has the right size
	}

	return k
}

// TokenKey returns the key that signs pnpd's JWT access tokens (HMAC).
func (k *Keyring) TokenKey() []byte {
	return append([]byte(nil), k.token...)
}

// CheckValue returns a value derived from the master key that the database
// keeps, to tell at start-up whether it was encrypted with this key. It
// reveals nothing of the key.
func (k *Keyring) CheckValue() string {
	return k.check
}

// Matches reports, in constant time, whether a stored check value is this
// key's.
func (k *Keyring) Matches(check string) bool {
	return subtle.ConstantTimeCompare([]byte(check), []byte(k.check)) == 1
}

// Sealed reports whether a stored value is an encrypted secret rather
// than one stored in clear.
func Sealed(stored string) bool {
	return strings.HasPrefix(stored, sealedPrefix)
}

// SealSecret encrypts a channel's secret with AES-256-GCM. The channel ID
// is authenticated with it, so that the ciphertext opens for that channel
// only: copied to another row, it does not open.
func (k *Keyring) SealSecret(channelID, secret string) string {
	nonce := make([]byte, k.secrets.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	sealed := k.secrets.Seal(nonce, nonce, []byte(secret), []byte(channelID))

	return sealedPrefix + base64.RawStdEncoding.EncodeToString(sealed)
}

// ErrWrongKey is returned for a secret that does not open: encrypted with
// another key, for another channel, or altered.
var ErrWrongKey = errors.New("the secret does not open with this key")

// OpenSecret decrypts a channel's secret that SealSecret encrypted.
func (k *Keyring) OpenSecret(channelID, stored string) (string, error) {
	if !Sealed(stored) {
		return "", errors.New("the secret is not encrypted")
	}

	raw, err := base64.RawStdEncoding.DecodeString(stored[len(sealedPrefix):])
	if err != nil || len(raw) < k.secrets.NonceSize() {
		return "", ErrWrongKey
	}

	n := k.secrets.NonceSize()
	plain, err := k.secrets.Open(nil, raw[:n], raw[n:], []byte(channelID))
	if err != nil {
		return "", ErrWrongKey
	}

	return string(plain), nil
}

// Open loads the master key from a key file. A missing file is created
// with a fresh random key, readable by its owner only, when create is set;
// otherwise it is an error that names the file.
func Open(path string, create bool) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		return createFile(path)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("key file %s is missing: the database was set up "+
			"with the key it held, which encrypts its channel secrets; restore it from "+
			"its backup, or copy it from the node that made it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}

	master, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(master) != KeySize {
		return nil, fmt.Errorf("key file %s does not hold a key: want %d hex digits",
			path, 2*KeySize)
	}

	return New(master)
}

// createFile writes a fresh master key, in hex, to a file that must not
// exist yet: two starts at once never write two keys.
func createFile(path string) (*Keyring, error) {
	master := make([]byte, KeySize)
	_, _ = rand.Read(master) // crypto/rand.Read never fails (Go 1.24+)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}

	_, err = f.WriteString(hex.EncodeToString(master) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write key file: %w", err)
	}

	return New(master)
}
