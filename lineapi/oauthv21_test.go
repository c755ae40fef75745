package lineapi_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd/pnpdtest"
	"github.com/pnpd/pnpd/sandbox"
)

// jwtBearer is the client_assertion_type of a JWT assertion.
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// The v2.1 endpoints' refusals, byte for byte.
const (
	bodyNotJWS  = `{"error":"invalid_request","error_description":"The access token not JWS"}`
	bodyTooMany = `{"error":"invalid_request","error_description":` +
		`"the channel has 30 valid v2.1 tokens already; revoke one first"}`
)

// rsaKeys are two RSA keys made once for every test: making one is slow.
var rsaKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var out [2]*rsa.PrivateKey
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out[i] = k
	}

	return out
})

// signer is a channel's registered key pair, as a business keeps it.
type signer struct {
	creds sandbox.Credentials
	key   *rsa.PrivateKey
	kid   string
}

// register registers the public half of the first key for a channel
// through the sandbox API.
func (e *env) register(t *testing.T, c sandbox.Credentials) signer {
	t.Helper()

	k := rsaKeys()[0]
	var got struct {
		KID string `json:"kid"`
	}
	e.sandbox(t, "/sandbox/v1/channels/"+c.ChannelID+"/keys",
		string(pnpdtest.PublicJWK(&k.PublicKey)), &got)
	if got.KID == "" {
		t.Fatal("register key: no kid")
	}

	return signer{creds: c, key: k, kid: got.KID}
}

// assertion signs an assertion as LINE's guide shows, for a token of a
// day, expiring 10 minutes from now on pnpd's clock; edit changes the
// claims (nil deletes one).
func (e *env) assertion(s signer, edit map[string]any) string {
	claims := map[string]any{"iss": s.creds.ChannelID, "sub": s.creds.ChannelID,
		"aud": "https://api.line.me/", "token_exp": 86400,
		"exp": e.srv.Clock().Now().Add(10 * time.Minute).Unix()}
	for name, v := range edit {
		if v == nil {
			delete(claims, name)
			continue
		}
		claims[name] = v
	}

	return pnpdtest.SignRS256(s.key, map[string]any{"alg": "RS256", "typ": "JWT", "kid": s.kid},
		claims)
}

// issueV21 issues a v2.1 token with the SDK for an assertion.
func (e *env) issueV21(t *testing.T, assertion string) (token, keyID string) {
	t.Helper()

	got, err := e.tokens(t).IssueChannelTokenByJWT("client_credentials", jwtBearer,
		assertion)
	if err != nil {
		t.Fatalf("issue v2.1 token: %v", err)
	}

	return got.AccessToken, got.KeyId
}

// kids lists the key IDs of the channel's valid v2.1 tokens with the SDK.
func (e *env) kids(t *testing.T, s signer) []string {
	t.Helper()

	got, err := e.tokens(t).GetsAllValidChannelAccessTokenKeyIds(jwtBearer,
		e.assertion(s, nil))
	if err != nil {
		t.Fatalf("list v2.1 key IDs: %v", err)
	}

	return got.Kids
}

// TestV21Token follows a v2.1 token from issue through use, verification
// and the list of key IDs to revocation, after which it is refused.
func TestV21Token(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	s := e.register(t, e.credentials(t, "Parcels"))
	api := e.tokens(t)

	got, err := api.IssueChannelTokenByJWT("client_credentials", jwtBearer,
		e.assertion(s, nil))
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	if got.ExpiresIn != 86400 || got.TokenType != "Bearer" || got.KeyId == "" ||
		strings.Count(got.AccessToken, ".") != 2 {
		t.Errorf("issue: expires_in %d, token_type %q, key_id %q, a JWT: %v", got.ExpiresIn,
			got.TokenType, got.KeyId, strings.Count(got.AccessToken, ".") == 2)
	}
	token := got.AccessToken
	e.wantPush(t, "with the v2.1 token", token, http.StatusOK)

	v, err := api.VerifyChannelTokenByJWT(token)
	if err != nil || v.ClientId != s.creds.ChannelID || v.ExpiresIn < 86400-60 ||
		v.ExpiresIn > 86400 {
		t.Errorf("verify: %+v, %v; want the channel and about 86400 s", v, err)
	}
	if kids := e.kids(t, s); len(kids) != 1 || kids[0] != got.KeyId {
		t.Errorf("key IDs = %q, want [%s]", kids, got.KeyId)
	}

	for _, round := range []string{"revoke", "revoke again"} {
		res, _, err := api.RevokeChannelTokenByJWTWithHttpInfo(s.creds.ChannelID,
			s.creds.ChannelSecret, token)
		if r := e.sdkReply(t, res, err); r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("%s: %v, want 200 and no body", round, r)
		}
	}
	e.wantPush(t, "with the revoked v2.1 token", token, http.StatusUnauthorized)
	if kids := e.kids(t, s); len(kids) != 0 {
		t.Errorf("key IDs after revoking = %q, want none", kids)
	}
	req, err := http.NewRequest(http.MethodGet, e.url+"/oauth2/v2.1/verify?access_token="+
		token, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertReply(t, sendRaw(t, req), http.StatusBadRequest, bodyTokenRevoked)
}

// TestV21TokenExpires checks that a v2.1 token lives its token_exp on
// pnpd's clock, and that it leaves the list of key IDs when it expires.
func TestV21TokenExpires(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	s := e.register(t, e.credentials(t, "Parcels"))
	token, _ := e.issueV21(t, e.assertion(s, map[string]any{"token_exp": 3600}))

	e.advance(t, "3540")
	e.wantPush(t, "a minute before the token expires", token, http.StatusOK)
	e.advance(t, "60")
	e.wantPush(t, "once the token has expired", token, http.StatusUnauthorized)
	if kids := e.kids(t, s); len(kids) != 0 {
		t.Errorf("key IDs after expiry = %q, want none", kids)
	}
}

// TestV21TokenLimit checks that a channel has at most 30 valid v2.1
// tokens: the 31st is refused until one is revoked.
func TestV21TokenLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	s := e.register(t, e.credentials(t, "Parcels"))
	assertion := e.assertion(s, nil)

	tokens := make([]string, 30)
	for i := range tokens {
		tokens[i], _ = e.issueV21(t, assertion)
	}
	issue := url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {jwtBearer}, "client_assertion": {assertion}}
	assertReply(t, e.form(t, "/oauth2/v2.1/token", issue), http.StatusBadRequest,
		bodyTooMany)
	e.wantPush(t, "with the first of 30 tokens", tokens[0], http.StatusOK)

	_, err := e.tokens(t).RevokeChannelTokenByJWT(s.creds.ChannelID, s.creds.ChannelSecret,
		tokens[0])
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if r := e.form(t, "/oauth2/v2.1/token", issue); r.status != http.StatusOK {
		t.Errorf("issue after revoking one: %v", r)
	}
}

// TestV21AssertionRefused checks the refusal of each kind of bad assertion
// on each endpoint that takes one.
func TestV21AssertionRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	s := e.register(t, e.credentials(t, "Parcels"))
	other := e.register(t, e.credentials(t, "Groceries"))
	now := e.srv.Clock().Now()
	forged := s
	forged.key = rsaKeys()[1]
	unknown := s
	unknown.kid = "1e5bd3ea-0000-4000-8000-000000000000"

	oauth := func(code, description string) string {
		return compactJSON(map[string]string{"error": code, "error_description": description})
	}
	tests := []struct {
		name      string
		assertion string
		want      string
	}{
		{"signed by another key", e.assertion(forged, nil),
			oauth("invalid_client", "client_assertion signature is invalid")},
		{"unknown kid", e.assertion(unknown, nil),
			oauth("invalid_client", "client_assertion kid is not a registered key")},
		{"another channel's key", e.assertion(s, map[string]any{
			"iss": other.creds.ChannelID, "sub": other.creds.ChannelID}),
			oauth("invalid_client",
				"client_assertion iss and sub must be the channel ID of the key")},
		{"wrong aud", e.assertion(s, map[string]any{"aud": e.url + "/"}),
			oauth("invalid_request", "client_assertion aud must be https://api.line.me/")},
		{"expired", e.assertion(s, map[string]any{"exp": now.Add(-time.Second).Unix()}),
			oauth("invalid_request", "client_assertion has expired")},
		{"exp an hour on", e.assertion(s, map[string]any{"exp": now.Add(time.Hour).Unix()}),
			oauth("invalid_request", "client_assertion exp must be within 30 minutes")},
		{"token_exp over 30 days", e.assertion(s, map[string]any{"token_exp": 2592001}),
			oauth("invalid_request",
				"token_exp must be a number of seconds from 1 to 2592000")},
		{"no token_exp", e.assertion(s, map[string]any{"token_exp": nil}),
			oauth("invalid_request", "token_exp is required")},
		{"not a JWT", "client-secret", oauth("invalid_request", "client_assertion is not a JWT")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertReply(t, e.form(t, "/oauth2/v2.1/token", url.Values{
				"grant_type": {"client_credentials"}, "client_assertion_type": {jwtBearer},
				"client_assertion": {tt.assertion}}), http.StatusBadRequest, tt.want)
		})
	}

	t.Run("wrong assertion type", func(t *testing.T) {
		t.Parallel()
		assertReply(t, e.form(t, "/oauth2/v2.1/token", url.Values{
			"grant_type": {"client_credentials"}, "client_assertion_type": {"jwt"},
			"client_assertion": {e.assertion(s, nil)}}), http.StatusBadRequest,
			oauth("invalid_request", "client_assertion_type must be "+jwtBearer))
	})
	t.Run("forged, stateless", func(t *testing.T) {
		t.Parallel()
		_, err := e.tokens(t).IssueStatelessChannelTokenByJWTAssertion(
			e.assertion(forged, nil))
		if err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("stateless token for a forged assertion: %v, want a 400", err)
		}
	})
	t.Run("expired, key IDs", func(t *testing.T) {
		t.Parallel()
		_, err := e.tokens(t).GetsAllValidChannelAccessTokenKeyIds(jwtBearer,
			e.assertion(s, map[string]any{"exp": now.Add(-time.Minute).Unix()}))
		if err == nil || !strings.Contains(err.Error(), "client_assertion has expired") {
			t.Errorf("key IDs for an expired assertion: %v, want a 400", err)
		}
	})
}

// TestStatelessTokenByAssertion checks a stateless token issued for an
// assertion: good for pushes and verifiable until it expires, refused once
// tampered with.
func TestStatelessTokenByAssertion(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	s := e.register(t, e.credentials(t, "Parcels"))

	got, err := e.tokens(t).IssueStatelessChannelTokenByJWTAssertion(
		e.assertion(s, map[string]any{"token_exp": nil}))
	if err != nil || got.ExpiresIn != 900 || got.TokenType != "Bearer" {
		t.Fatalf("issue stateless token: %+v, %v", got, err)
	}
	e.wantPush(t, "with the stateless token", got.AccessToken, http.StatusOK)
	v, err := e.tokens(t).VerifyChannelTokenByJWT(got.AccessToken)
	if err != nil || v.ClientId != s.creds.ChannelID || v.ExpiresIn > 900 {
		t.Errorf("verify: %+v, %v", v, err)
	}

	e.wantPush(t, "with the token's signature changed", tamper(got.AccessToken, ""),
		http.StatusUnauthorized)
	e.wantPush(t, "with the token's claims naming the demo channel",
		tamper(got.AccessToken, e.demo.Credentials.ChannelID), http.StatusUnauthorized)

	e.advance(t, "900")
	e.wantPush(t, "once the token has expired", got.AccessToken, http.StatusUnauthorized)
}

// tamper changes a JWT: its claims' sub to channelID, keeping the
// signature, or, when channelID is "", one letter of its signature.
func tamper(token, channelID string) string {
	parts := strings.Split(token, ".")
	if channelID == "" {
		sig := []byte(parts[2])
		sig[3] = map[bool]byte{true: 'B', false: 'A'}[sig[3] == 'A']

		return parts[0] + "." + parts[1] + "." + string(sig)
	}

	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	claims["sub"] = channelID
	payload, _ = json.Marshal(claims)

	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// TestV21VerifyAndRevokeRefusals checks the v2.1 verify of a token that is
// not a JWT and the v2.1 revoke with a wrong secret.
func TestV21VerifyAndRevokeRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.credentials(t, "Parcels")

	for _, token := range []string{c.AccessToken, "a.b", "not a token!"} {
		req, err := http.NewRequest(http.MethodGet,
			e.url+"/oauth2/v2.1/verify?access_token="+url.QueryEscape(token), nil)
		if err != nil {
			t.Fatal(err)
		}
		assertReply(t, sendRaw(t, req), http.StatusBadRequest, bodyNotJWS)
	}

	assertReply(t, e.form(t, "/oauth2/v2.1/revoke", url.Values{"client_id": {c.ChannelID},
		"client_secret": {"wrong"}, "access_token": {c.AccessToken}}),
		http.StatusBadRequest, bodyInvalidSecret)
	e.wantPush(t, "after a revoke with a wrong secret", c.AccessToken, http.StatusOK)
}

// TestStatelessTokenOfAGoneChannel checks that a stateless token, which no
// row holds, stops working when its channel is deleted, and verify says it
// is invalid.
func TestStatelessTokenOfAGoneChannel(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.credentials(t, "Parcels")
	got, err := e.tokens(t).IssueStatelessChannelTokenByClientSecret(c.ChannelID,
		c.ChannelSecret)
	if err != nil {
		t.Fatalf("issue stateless token: %v", err)
	}

	e.sandbox(t, "/sandbox/v1/reset", `{}`, nil)
	e.wantPush(t, "once the channel is gone", got.AccessToken, http.StatusUnauthorized)
	if v, err := e.tokens(t).VerifyChannelToken(got.AccessToken); err == nil {
		t.Errorf("verify once the channel is gone: %+v, want access_token invalid", v)
	} else if !strings.Contains(err.Error(), "access_token invalid") {
		t.Errorf("verify once the channel is gone: %v, want access_token invalid", err)
	}
}
