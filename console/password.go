package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Hasher hashes operators' passwords with argon2id into a self-describing
// PHC string, "$argon2id$v=19$m=65536,t=3,p=4$salt$hash", which holds its
// own salt and parameters: a hash made with other parameters still
// verifies, so they can be raised later without locking anyone out.
type Hasher struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32
	Threads   uint8
}

// RecommendedHasher uses the parameters RFC 9106 recommends when memory is
// constrained: 3 passes over 64 MiB with 4 lanes.
func RecommendedHasher() Hasher {
	return Hasher{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}
}

// saltLen and keyLen are RFC 9106's recommended salt and tag lengths.
const (
	saltLen = 16
	keyLen  = 32
)

// errBadHash reports a stored hash that is not an argon2id PHC string.
var errBadHash = errors.New("not an argon2id password hash")

// Hash returns the PHC string of a password with a fresh random salt.
func (h Hasher) Hash(password string) string {
	salt := randomBytes(saltLen)
	key := argon2.IDKey([]byte(password), salt, h.Time, h.MemoryKiB, h.Threads, keyLen)

	return h.encode(salt, key)
}

// dummy returns a hash with h's parameters that no password matches: a
// random key, not the hash of anything. Checking a password against it
// takes as long as against an operator's, without hashing anything first.
func (h Hasher) dummy() string {
	return h.encode(randomBytes(saltLen), randomBytes(keyLen))
}

func (h Hasher) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.MemoryKiB, h.Time, h.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)

	return b
}

var b64 = base64.RawStdEncoding

// Verify reports whether password matches a PHC string made by Hash, with
// the parameters the string names. The hashes are compared in constant
// time.
func Verify(encoded, password string) (bool, error) {
	h, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}

	got := argon2.IDKey([]byte(password), salt, h.Time, h.MemoryKiB, h.Threads,
		uint32(len(key)))

	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parseHash reads a PHC string's parameters, salt and key.
func parseHash(encoded string) (Hasher, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
		return Hasher{}, nil, nil, errBadHash
	}

	var h Hasher
	_, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.MemoryKiB, &h.Time, &h.Threads)
	if err != nil || h.Time == 0 || h.Threads == 0 || h.MemoryKiB < 8*uint32(h.Threads) {
		return Hasher{}, nil, nil, errBadHash
	}

	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return Hasher{}, nil, nil, errBadHash
	}

	return h, salt, key, nil
}
