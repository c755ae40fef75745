package pnpdtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"testing"
	"time"
)

// ChannelKey is a public key registered for a channel's JWT assertions.
type ChannelKey struct {
	KID       string    `json:"kid"`
	CreatedAt time.Time `json:"createdAt"`
}

// PublicJWK writes an RSA public key as the JSON Web Key RegisterKey takes.
func PublicJWK(pub *rsa.PublicKey) []byte {
	b64 := base64.RawURLEncoding.EncodeToString
	b, _ := json.Marshal(map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())})

	return b
}

// RegisterKey registers the public half of an RSA key pair (2048 to 4096
// bits) for a channel, as LINE's console registers an assertion signing
// key, and returns its kid: the channel's JWT assertions for channel access
// tokens v2.1 name it in their header and are signed with the private half.
// jwk is the public key as a JSON Web Key; PublicJWK writes one.
func (c *Client) RegisterKey(tb testing.TB, channelID string, jwk []byte) string {
	tb.Helper()

	var out struct {
		KID string `json:"kid"`
	}
	c.call(tb, http.MethodPost, pathf("/sandbox/v1/channels/%s/keys", channelID),
		json.RawMessage(jwk), &out)

	return out.KID
}

// ChannelKeys lists the keys registered for a channel, oldest first.
func (c *Client) ChannelKeys(tb testing.TB, channelID string) []ChannelKey {
	tb.Helper()

	var out struct {
		Keys []ChannelKey `json:"keys"`
	}
	c.call(tb, http.MethodGet, pathf("/sandbox/v1/channels/%s/keys", channelID), nil, &out)

	return out.Keys
}

// Assertion signs a JWT assertion for a channel's access token v2.1, as
// LINE's guide has one made: RS256 with the private half of a key
// registered under kid, from and about the channel, for LINE's audience,
// valid for 10 minutes on the clock now reads, asking for a token that
// lasts tokenLifetime (whole seconds, 30 days at most). Pass it to the
// SDK's IssueChannelTokenByJWT.
func Assertion(key *rsa.PrivateKey, kid, channelID string, now time.Time,
	tokenLifetime time.Duration) string {
	return SignRS256(key, map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid},
		map[string]any{"iss": channelID, "sub": channelID, "aud": "https://api.line.me/",
			"exp": now.Add(10 * time.Minute).Unix(), "token_exp": int64(tokenLifetime.Seconds())})
}

// SignRS256 signs any header and claims as a compact JWS with RS256, for
// assertions Assertion does not make: ones a test wants wrong on purpose.
func SignRS256(key *rsa.PrivateKey, header, claims map[string]any) string {
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signed := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signed))
	// Signing with a valid key and SHA-256 does not fail.
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])

	return signed + "." + b64(sig)
}
