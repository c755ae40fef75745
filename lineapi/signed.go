package lineapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// signedHeader is the JOSE header of every token pnpd signs.
var signedHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signedClaims are the claims of a JWT access token pnpd signs. Kind tells
// a stateless token from a v2.1 one; each kind is also signed with a key
// of its own, so that neither can pass as the other.
type signedClaims struct {
	Kind      string `json:"pnpd_kind"`
	ChannelID string `json:"sub"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	// KeyID is a v2.1 token's key_id; it also makes each token unique.
	KeyID string `json:"jti,omitempty"`
}

// tokenKeyFor derives the key one kind of token is signed with.
func (a *API) tokenKeyFor(kind string) []byte {
	mac := hmac.New(sha256.New, a.TokenKey)
	mac.Write([]byte("pnpd access token: " + kind))

	return mac.Sum(nil)
}

// newTokenKey returns a random key for the process's life.
func newTokenKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)

	return b
}

// sign returns c as a JWT signed with HS256 by its kind's key.
func (a *API) sign(c signedClaims) string {
	payload, _ := json.Marshal(c) // a struct of strings and numbers always encodes
	signed := signedHeader + "." + base64.RawURLEncoding.EncodeToString(payload)

	return signed + "." + a.signature(c.Kind, signed)
}

func (a *API) signature(kind, signed string) string {
	mac := hmac.New(sha256.New, a.tokenKeyFor(kind))
	mac.Write([]byte(signed))

	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// signedToken returns the claims of a JWT that pnpd signed as a token of
// the kind, whether or not it has expired; ok is false for anything else.
func (a *API) signedToken(kind, token string) (c signedClaims, ok bool) {
	signed, sig, found := cutLast(token)
	if !found || !strings.HasPrefix(signed, signedHeader+".") {
		return c, false
	}
	// hmac.Equal compares in constant time.
	if !hmac.Equal([]byte(sig), []byte(a.signature(kind, signed))) {
		return c, false
	}

	payload, err := base64.RawURLEncoding.DecodeString(signed[len(signedHeader)+1:])
	if err != nil || json.NewDecoder(bytes.NewReader(payload)).Decode(&c) != nil {
		return c, false
	}

	return c, c.Kind == kind
}

// cutLast splits a JWS before its last dot.
func cutLast(token string) (before, after string, found bool) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", "", false
	}

	return token[:i], token[i+1:], true
}

// expired reports whether a signed token has expired at now.
func (c signedClaims) expired(now time.Time) bool {
	return c.ExpiresAt <= now.Unix()
}

// jws reports whether a token has the form of a compact JWS: three
// base64url segments, the first two not empty.
func jws(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || len(token) > 4096 {
		return false
	}

	for _, p := range parts {
		if _, err := base64.RawURLEncoding.DecodeString(p); err != nil {
			return false
		}
	}

	return true
}
