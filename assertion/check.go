package assertion

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
)

// The rules LINE sets for an assertion.
const (
	// Type is the client_assertion_type of a JWT assertion.
	Type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// Audience is the aud an assertion names: LINE's, which pnpd accepts
	// as its own, so that code written for LINE works unchanged.
	Audience = "https://api.line.me/"
	// MaxLifetime is how far ahead of now an assertion's exp may be.
	MaxLifetime = 30 * time.Minute
	// MaxTokenLifetime is the longest token_exp, LINE's 30 days.
	MaxTokenLifetime = 30 * 24 * time.Hour
)

// maxAssertion is the longest assertion read; one signed with a 4096-bit
// key and LINE's claims takes under 1 KB.
const maxAssertion = 8 << 10

// The refusals of an assertion, in the words of an OAuth error
// description. LINE does not document its own; these are pnpd's.
const (
	msgMalformed = "client_assertion is not a JWT"
	msgAlg       = "client_assertion must be signed with RS256"
	msgNoKID     = "client_assertion header has no kid"
	msgUnknownID = "client_assertion kid is not a registered key"
	msgSignature = "client_assertion signature is invalid"
	msgIssuer    = "client_assertion iss and sub must be the channel ID of the key"
	msgAudience  = "client_assertion aud must be " + Audience
	msgNoExp     = "client_assertion has no exp, or not as a number"
	msgExpired   = "client_assertion has expired"
	msgTooLong   = "client_assertion exp must be within 30 minutes"
	msgTokenExp  = "token_exp must be a number of seconds from 1 to 2592000"
)

// Claims are what a checked assertion proves and asks for.
type Claims struct {
	ChannelID string
	KID       string
	// TokenLifetime is token_exp, the lifetime asked for the token; zero
	// when the assertion has none.
	TokenLifetime time.Duration
}

// header is the JOSE header of an assertion.
type header struct {
	Alg  string   `json:"alg"`
	Typ  string   `json:"typ"`
	KID  string   `json:"kid"`
	Crit []string `json:"crit"`
}

// payload is an assertion's claims; exp and token_exp stay raw until
// checked, so that one of the wrong type is refused by its own rule.
type payload struct {
	Iss      string          `json:"iss"`
	Sub      string          `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	Exp      json.RawMessage `json:"exp"`
	TokenExp json.RawMessage `json:"token_exp"`
}

// numericClaim reads a numeric claim: present is false when it is absent or
// null, ok false when it is there but no JSON number.
func numericClaim(raw json.RawMessage) (v float64, present, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, false
	}

	return v, true, json.Unmarshal(raw, &v) == nil
}

// jwt is a parsed, unchecked assertion.
type jwt struct {
	header    header
	payload   payload
	signed    string // the header and payload as sent, which the signature covers
	signature []byte
}

// refuse is an assertion's refusal: EInvalid for a malformed request,
// EUnauthorized when the assertion does not prove the channel.
func refuse(code pnpd.Code, msg string) *pnpd.Error {
	return &pnpd.Error{Code: code, Message: msg, Field: "client_assertion"}
}

// parse splits a compact JWS and decodes its header and claims, checking
// their form but nothing they say.
func parse(s string) (*jwt, error) {
	parts := strings.Split(s, ".")
	if len(s) > maxAssertion || len(parts) != 3 {
		return nil, refuse(pnpd.EInvalid, msgMalformed)
	}

	var t jwt
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !decodeSegment(parts[0], &t.header) ||
		!decodeSegment(parts[1], &t.payload) {
		return nil, refuse(pnpd.EInvalid, msgMalformed)
	}
	t.signed, t.signature = parts[0]+"."+parts[1], sig

	switch {
	case t.header.Alg != "RS256":
		return nil, refuse(pnpd.EInvalid, msgAlg)
	// No extension is understood, so none may be critical (RFC 7515 §4.1.11).
	case t.header.Typ != "" && !strings.EqualFold(t.header.Typ, "JWT"),
		t.header.Crit != nil:
		return nil, refuse(pnpd.EInvalid, msgMalformed)
	case t.header.KID == "":
		return nil, refuse(pnpd.EInvalid, msgNoKID)
	}

	return &t, nil
}

// decodeSegment decodes one base64url segment holding a JSON object.
func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return false
	}

	return json.Unmarshal(b, v) == nil
}

// Check checks a JWT assertion at now, on pnpd's clock: signed with RS256
// by the registered key its kid names, iss and sub that key's channel, aud
// Audience, exp after now and at most MaxLifetime ahead, and token_exp, if
// given, from 1 second to MaxTokenLifetime. A refusal is an *pnpd.Error:
// EInvalid for a malformed or expired assertion, EUnauthorized for one that
// does not prove the channel; its message is an OAuth error description.
func Check(ctx context.Context, q pnpd.Queries, now time.Time,
	assertion string) (*Claims, error) {
	t, err := parse(assertion)
	if err != nil {
		return nil, err
	}

	key, err := q.ChannelKey(ctx, t.header.KID)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, refuse(pnpd.EUnauthorized, msgUnknownID)
	}
	if err != nil {
		return nil, fmt.Errorf("check assertion: %w", err)
	}

	pub, _, err := ParseKey([]byte(key.JWK))
	if err != nil {
		// Not %w: the key's refusal is no refusal of the assertion.
		return nil, fmt.Errorf("check assertion: stored key %s: %s", key.KID,
			pnpd.ErrorMessage(err))
	}

	sum := sha256.Sum256([]byte(t.signed))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], t.signature) != nil {
		return nil, refuse(pnpd.EUnauthorized, msgSignature)
	}

	return t.claims(key, now)
}

// claims checks what a signed assertion says.
func (t *jwt) claims(key *pnpd.ChannelKey, now time.Time) (*Claims, error) {
	p := &t.payload
	switch {
	case p.Iss != key.ChannelID || p.Sub != key.ChannelID:
		return nil, refuse(pnpd.EUnauthorized, msgIssuer)
	case !audience(p.Aud):
		return nil, refuse(pnpd.EInvalid, msgAudience)
	}

	raw, present, isNumber := numericClaim(p.Exp)
	if !present || !isNumber {
		return nil, refuse(pnpd.EInvalid, msgNoExp)
	}

	exp, ok := unixTime(raw)
	switch {
	case !ok:
		return nil, refuse(pnpd.EInvalid, msgTooLong)
	case !exp.After(now):
		return nil, refuse(pnpd.EInvalid, msgExpired)
	case exp.Sub(now) > MaxLifetime:
		return nil, refuse(pnpd.EInvalid, msgTooLong)
	}

	c := &Claims{ChannelID: key.ChannelID, KID: key.KID}
	if s, present, isNumber := numericClaim(p.TokenExp); present {
		if !isNumber || s != math.Trunc(s) || s < 1 || s > MaxTokenLifetime.Seconds() {
			return nil, refuse(pnpd.EInvalid, msgTokenExp)
		}
		c.TokenLifetime = time.Duration(s) * time.Second
	}

	return c, nil
}

// audience accepts aud as Audience or a list holding it (RFC 7519 §4.1.3).
func audience(raw json.RawMessage) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == Audience
	}

	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return false
	}

	for _, a := range many {
		if a == Audience {
			return true
		}
	}

	return false
}

// unixTime reads a NumericDate; ok is false for one no time.Time holds.
func unixTime(s float64) (time.Time, bool) {
	// Some ten thousand years either way: enough, and far from overflow.
	if math.IsNaN(s) || math.Abs(s) > 3e11 {
		return time.Time{}, false
	}

	sec, frac := math.Modf(s)

	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// TokenExpMissing is the refusal of an assertion that asks for a v2.1
// token but gives no token_exp.
func TokenExpMissing() *pnpd.Error {
	return refuse(pnpd.EInvalid, "token_exp is required")
}
