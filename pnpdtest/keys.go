package pnpdtest

import (
	"crypto/rsa"
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
