// Package assertion checks what a business signs with a key of its own:
// the public keys (JWK, RFC 7517) it registers for a channel, and the JWT
// assertions (RFC 7523) that prove to the token endpoints that a request
// comes from the channel, as LINE's channel access tokens v2.1 do.
package assertion

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/pnpd/pnpd"
)

// The bounds of a registered key's modulus. LINE asks for 2048 bits; the
// upper bound is pnpd's, and keeps checking a signature cheap.
const (
	MinKeyBits = 2048
	MaxKeyBits = 4096
)

// maxJWK is the largest JWK read; a 4096-bit public key takes under 1 KB.
const maxJWK = 16 << 10

// privateMembers are the JWK members of an RSA private key (RFC 7518
// §6.3.2): a key holding any of them must never be stored.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth"}

// jwk is the public RSA JWK in its normalised form: these members only, in
// this order, the numbers without leading zeros.
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// invalidKey is a refusal of a key, with a message safe to show.
func invalidKey(format string, args ...any) *pnpd.Error {
	e := pnpd.Errorf(pnpd.EInvalid, format, args...)
	e.Field = "jwk"

	return e
}

// ParseKey reads a public RSA key from a JWK: kty "RSA", alg "RS256", use
// "sig" or none, a modulus of MinKeyBits to MaxKeyBits bits. It returns the
// key and the JWK in normalised form. A private key is refused, as is any
// other key, with an *pnpd.Error whose message says why.
func ParseKey(data []byte) (*rsa.PublicKey, string, error) {
	var members map[string]json.RawMessage
	if len(data) > maxJWK || json.Unmarshal(data, &members) != nil || members == nil {
		return nil, "", invalidKey("The key must be a JSON Web Key: a JSON object under 16 KB.")
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return nil, "", invalidKey("This is a private key (it has %q): "+
				"register the public key only, and keep the private key to yourself.", m)
		}
	}

	var k jwk
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, "", invalidKey("The key's kty, alg, use, n and e must be strings.")
	}

	pub, err := k.publicKey()
	if err != nil {
		return nil, "", err
	}

	return pub, normalised(pub), nil
}

// publicKey checks the members and builds the key.
func (k *jwk) publicKey() (*rsa.PublicKey, error) {
	switch {
	case k.Kty != "RSA":
		return nil, invalidKey(`The key must be an RSA key: kty "RSA".`)
	case k.Alg != "RS256":
		return nil, invalidKey(`The key must be for RS256 signatures: alg "RS256".`)
	case k.Use != "" && k.Use != "sig":
		return nil, invalidKey(`The key must be for signatures: use "sig", or no use.`)
	}

	n, ok := number(k.N)
	if !ok || n.Bit(0) == 0 {
		return nil, invalidKey("The key's modulus n must be an odd number in base64url.")
	}
	if bits := n.BitLen(); bits < MinKeyBits || bits > MaxKeyBits {
		return nil, invalidKey("The key's modulus has %d bits; it must have %d to %d.",
			bits, MinKeyBits, MaxKeyBits)
	}

	e, ok := number(k.E)
	if !ok || e.Bit(0) == 0 || e.Cmp(big.NewInt(3)) < 0 || e.BitLen() > 31 {
		return nil, invalidKey("The key's exponent e must be an odd number from 3 to " +
			"2^31-1 in base64url, such as AQAB.")
	}

	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// number decodes a base64url unsigned big-endian integer (RFC 7518 §2).
func number(s string) (*big.Int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, false
	}

	return new(big.Int).SetBytes(b), true
}

// normalised writes a public key as the JWK pnpd stores.
func normalised(pub *rsa.PublicKey) string {
	k := jwk{Kty: "RSA", Alg: "RS256", Use: "sig",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(k) // a struct of strings always encodes

	return string(bytes.TrimSpace(b.Bytes()))
}

// RegisterKey checks a public JWK, as ParseKey does, and saves it as a key
// of the channel; it returns the kid pnpd chose for it, which the
// channel's assertions name in their header. A key the channel has
// registered already is an EConflict, an unknown channel an ENotFound.
func RegisterKey(ctx context.Context, q pnpd.Queries, clock pnpd.Clock, channelID string,
	jwk []byte) (kid string, err error) {
	_, norm, err := ParseKey(jwk)
	if err != nil {
		return "", err
	}

	if _, err := q.Channel(ctx, channelID); err != nil {
		return "", fmt.Errorf("register key: %w", err)
	}

	keys, err := q.ChannelKeys(ctx, channelID)
	if err != nil {
		return "", fmt.Errorf("register key: %w", err)
	}
	for _, k := range keys {
		if k.JWK == norm {
			return "", pnpd.Errorf(pnpd.EConflict,
				"This key is registered for the channel already, as kid %s.", k.KID)
		}
	}

	// A random UUID, as LINE's kids are.
	k := &pnpd.ChannelKey{KID: pnpd.NewRequestID(), ChannelID: channelID, JWK: norm,
		CreatedAt: clock.Now()}
	if err := q.AddChannelKey(ctx, k); err != nil {
		return "", fmt.Errorf("register key: %w", err)
	}

	return k.KID, nil
}
