package lineapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/channel_access_token"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd/sandbox"
)

// The token endpoints' OAuth-style error bodies, byte for byte.
const (
	bodyWrongFormat = `{"error":"invalid_request",` +
		`"error_description":"some parameters in the wrong format"}`
	bodyInvalidSecret = `{"error":"invalid_client","error_description":"invalid client_secret"}`
	bodyTokenFormat   = `{"error":"invalid_request",` +
		`"error_description":"access_token in invalid format"}`
	bodyTokenRevoked = `{"error":"invalid_request","error_description":"access_token invalid"}`
	bodyGrantType    = `{"error":"unsupported_grant_type",` +
		`"error_description":"grant_type must be client_credentials"}`
)

// credentials creates a channel through the sandbox API, as a business
// would, and returns its ID and secret.
func (e *env) credentials(t *testing.T, name string) sandbox.Credentials {
	t.Helper()

	var c sandbox.Credentials
	e.sandbox(t, "/sandbox/v1/channels", `{"name":"`+name+`"}`, &c)
	if c.ChannelID == "" || c.ChannelSecret == "" {
		t.Fatalf("new channel's credentials lack an ID or a secret")
	}

	return c
}

// sandbox posts a JSON body to a sandbox endpoint and decodes the answer
// into v, if not nil.
func (e *env) sandbox(t *testing.T, path, body string, v any) {
	t.Helper()

	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer x")

	r := sendRaw(t, req)
	if r.status/100 != 2 {
		t.Fatalf("POST %s: %v", path, r)
	}
	if v != nil {
		decode(t, r.body, v)
	}
}

// advance moves the sandbox clock forward.
func (e *env) advance(t *testing.T, seconds string) {
	t.Helper()
	e.sandbox(t, "/sandbox/v1/clock", `{"advanceSeconds":`+seconds+`}`, nil)
}

// tokens is the official client of the token endpoints, pointed at pnpd.
func (e *env) tokens(t *testing.T) *channel_access_token.ChannelAccessTokenAPI {
	t.Helper()

	c, err := channel_access_token.NewChannelAccessTokenAPI(
		channel_access_token.WithEndpoint(e.url))
	if err != nil {
		t.Fatalf("new token client: %v", err)
	}

	return c
}

// issue issues a short-lived token with the SDK.
func (e *env) issue(t *testing.T, c sandbox.Credentials) string {
	t.Helper()

	got, err := e.tokens(t).IssueChannelToken("client_credentials", c.ChannelID,
		c.ChannelSecret)
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}

	return got.AccessToken
}

// wantPush pushes to Aiko with a token through the SDK and checks the
// status; a 401 must be LINE's body for a bad token.
func (e *env) wantPush(t *testing.T, what, token string, status int) {
	t.Helper()

	text := &messaging_api.TextMessage{Text: "Your parcel is on its way"}
	res, _, err := e.sdk(t, token).PushMessagesByPhoneWithHttpInfo(
		&messaging_api.PnpMessagesRequest{To: e.hash(t, "Aiko"),
			Messages: []messaging_api.MessageInterface{text}}, "")
	r := e.sdkReply(t, res, err)
	if status == http.StatusUnauthorized {
		assertReply(t, r, status, bodyTokenInvalid)
	} else if r.status != status {
		t.Errorf("push %s: %v, want %d", what, r, status)
	}
}

// form posts form parameters to a token endpoint.
func (e *env) form(t *testing.T, path string, params url.Values) reply {
	t.Helper()

	req, err := http.NewRequest(http.MethodPost, e.url+path,
		strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	return sendRaw(t, req)
}

// TestShortLivedToken follows a token from issue through use and
// verification to revocation, after which pushes are refused.
func TestShortLivedToken(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.credentials(t, "Parcels")

	r := e.form(t, "/v2/oauth/accessToken", url.Values{"grant_type": {"client_credentials"},
		"client_id": {c.ChannelID}, "client_secret": {c.ChannelSecret}})
	var got struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	decode(t, r.body, &got)
	if r.status != http.StatusOK || got.ExpiresIn != 2592000 || got.TokenType != "Bearer" ||
		got.AccessToken == "" {
		t.Fatalf("issue: status %d, expires_in %d, token_type %q", r.status, got.ExpiresIn,
			got.TokenType)
	}
	token := got.AccessToken
	e.wantPush(t, "with the issued token", token, http.StatusOK)

	api := e.tokens(t)
	v, err := api.VerifyChannelToken(token)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if v.ClientId != c.ChannelID || v.ExpiresIn < 2592000-60 || v.ExpiresIn > 2592000 {
		t.Errorf("verify: client_id is the channel's: %v, expires_in %d, want about 2592000",
			v.ClientId == c.ChannelID, v.ExpiresIn)
	}

	for _, round := range []string{"revoke", "revoke again"} {
		res, _, err := api.RevokeChannelTokenWithHttpInfo(token)
		r := e.sdkReply(t, res, err)
		if r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("%s: %v, want 200 and no body", round, r)
		}
	}
	e.wantPush(t, "with the revoked token", token, http.StatusUnauthorized)
	assertReply(t, e.form(t, "/v2/oauth/verify", url.Values{"access_token": {token}}),
		http.StatusBadRequest, bodyTokenRevoked)
	e.wantPush(t, "with the channel's long-lived token", c.AccessToken, http.StatusOK)
	assertReply(t, e.form(t, "/v2/oauth/verify", url.Values{"access_token": {c.AccessToken}}),
		http.StatusOK, `{"client_id":"`+c.ChannelID+`","expires_in":2147483647}`)
}

// TestShortLivedTokenExpires checks that a token works until pnpd's clock
// reaches its expiry, 30 days on.
func TestShortLivedTokenExpires(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	token := e.issue(t, e.credentials(t, "Parcels"))

	e.advance(t, "2591000")
	e.wantPush(t, "a little before the token expires", token, http.StatusOK)
	e.advance(t, "1000")
	e.wantPush(t, "once the token has expired", token, http.StatusUnauthorized)
	assertReply(t, e.form(t, "/v2/oauth/verify", url.Values{"access_token": {token}}),
		http.StatusBadRequest, bodyTokenRevoked)
}

// TestShortLivedTokenLimit checks that a channel keeps 30 short-lived
// tokens: the 31st revokes the oldest, and only that one.
func TestShortLivedTokenLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.credentials(t, "Parcels")
	other := e.credentials(t, "Groceries")
	otherToken := e.issue(t, other)

	tokens := make([]string, 31)
	for i := range tokens {
		tokens[i] = e.issue(t, c)
	}

	e.wantPush(t, "with the oldest of 31 tokens", tokens[0], http.StatusUnauthorized)
	for _, i := range []int{1, 30} {
		e.wantPush(t, "with a newer token", tokens[i], http.StatusOK)
	}
	e.wantPush(t, "with another channel's token", otherToken, http.StatusOK)
}

// TestTokenEndpointErrors checks every refusal's OAuth-style body.
func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.credentials(t, "Parcels")
	issue := func(edit func(v url.Values)) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ChannelID},
			"client_secret": {c.ChannelSecret}}
		edit(v)

		return v
	}

	tests := []struct {
		name   string
		path   string
		params url.Values
		want   string
	}{
		{"wrong secret", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v.Set("client_secret", c.ChannelSecret+"x")
		}), bodyInvalidSecret},
		{"no secret", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v.Del("client_secret")
		}), bodyInvalidSecret},
		{"unknown channel", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v.Set("client_id", "1999999999")
		}), bodyWrongFormat},
		{"malformed channel ID", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v.Set("client_id", "channel-1")
		}), bodyWrongFormat},
		{"camelCase names", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v["clientId"], v["clientSecret"] = v["client_id"], v["client_secret"]
			v.Del("client_id")
			v.Del("client_secret")
		}), bodyWrongFormat},
		{"no grant type", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v.Del("grant_type")
		}), bodyWrongFormat},
		{"wrong grant type", "/v2/oauth/accessToken", issue(func(v url.Values) {
			v.Set("grant_type", "authorization_code")
		}), bodyGrantType},
		{"stateless, wrong secret", "/oauth2/v3/token", issue(func(v url.Values) {
			v.Set("client_secret", "wrong")
		}), bodyInvalidSecret},
		{"verify, malformed", "/v2/oauth/verify",
			url.Values{"access_token": {"not a token!"}}, bodyTokenFormat},
		{"verify, none", "/v2/oauth/verify", url.Values{}, bodyTokenFormat},
		{"verify, camelCase", "/v2/oauth/verify",
			url.Values{"accessToken": {"abc"}}, bodyTokenFormat},
		{"verify, unknown", "/v2/oauth/verify",
			url.Values{"access_token": {"abc"}}, bodyTokenRevoked},
		{"revoke, malformed", "/v2/oauth/revoke",
			url.Values{"access_token": {"not a token!"}}, bodyTokenFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertReply(t, e.form(t, tt.path, tt.params), http.StatusBadRequest, tt.want)
		})
	}

	t.Run("JSON body", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest(http.MethodPost, e.url+"/v2/oauth/accessToken",
			strings.NewReader(`{"grant_type":"client_credentials","client_id":"`+
				c.ChannelID+`","client_secret":"`+c.ChannelSecret+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		assertReply(t, sendRaw(t, req), http.StatusBadRequest, bodyWrongFormat)
	})
}

// TestStatelessToken checks the 15-minute token: issued for the ID and
// secret with empty assertion fields, good for pushes until it expires,
// and not revoked by revoke.
func TestStatelessToken(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.credentials(t, "Parcels")

	res, got, err := e.tokens(t).IssueStatelessChannelTokenWithHttpInfo("client_credentials",
		"", "", c.ChannelID, c.ChannelSecret)
	r := e.sdkReply(t, res, err)
	if r.status != http.StatusOK || got == nil {
		t.Fatalf("issue stateless token: %v", r)
	}
	if got.ExpiresIn != 900 || got.TokenType != "Bearer" || got.AccessToken == "" {
		t.Errorf("issue: expires_in %d, token_type %q", got.ExpiresIn, got.TokenType)
	}
	e.wantPush(t, "with the stateless token", got.AccessToken, http.StatusOK)

	revoked := e.form(t, "/v2/oauth/revoke", url.Values{"access_token": {got.AccessToken}})
	if revoked.status != http.StatusOK {
		t.Errorf("revoke stateless token: %v", revoked)
	}
	e.wantPush(t, "after revoking the stateless token", got.AccessToken, http.StatusOK)

	e.advance(t, "900")
	e.wantPush(t, "once the stateless token has expired", got.AccessToken,
		http.StatusUnauthorized)
}

// decode decodes a JSON answer into v.
func decode(t *testing.T, body []byte, v any) {
	t.Helper()

	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// FuzzTokenEndpoints posts fuzzed bodies and content types to each token
// endpoint and checks that each answer is one the contract allows: a 200
// with the endpoint's body, or a 400 with one of the OAuth error bodies;
// never a 5xx.
func FuzzTokenEndpoints(f *testing.F) {
	e := setup(f, 0)
	// A fuzzed body may name the demo channel's ID, secret and token, which
	// are new in every run, by placeholders.
	creds := strings.NewReplacer("{id}", e.demo.Credentials.ChannelID,
		"{secret}", e.demo.Credentials.ChannelSecret, "{token}", e.token)
	form := "application/x-www-form-urlencoded"
	issue := "grant_type=client_credentials&client_id={id}&client_secret={secret}"
	paths := []string{"/v2/oauth/accessToken", "/v2/oauth/verify", "/v2/oauth/revoke",
		"/oauth2/v3/token", "/oauth2/v2.1/token", "/oauth2/v2.1/revoke"}
	for path := range paths {
		f.Add(uint8(path), issue, form)
		f.Add(uint8(path), "access_token={token}", form)
		f.Add(uint8(path), "access_token=%zz&client_id=1", form)
		f.Add(uint8(path), `{"client_id":"{id}"}`, "application/json")
		f.Add(uint8(path), "grant_type=client_credentials&client_assertion_type="+
			jwtBearer+"&client_assertion=e30.e30.", form)
	}

	f.Fuzz(func(t *testing.T, path uint8, body, contentType string) {
		if !validHeaderValue(contentType) {
			t.Skip()
		}

		req, err := http.NewRequest(http.MethodPost, e.url+paths[int(path)%len(paths)],
			strings.NewReader(creds.Replace(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		checkTokenAnswer(t, sendRaw(t, req))
	})
}

// checkTokenAnswer checks that an answer of a token endpoint is a 200 or a
// 400 with exactly an OAuth error and its description.
func checkTokenAnswer(t *testing.T, r reply) {
	t.Helper()

	switch r.status {
	case http.StatusOK:
		if len(r.body) > 0 && !json.Valid(r.body) {
			t.Errorf("200 with a body that is not JSON: %q", r.body)
		}
	case http.StatusBadRequest:
		var b struct {
			Error       *string `json:"error"`
			Description *string `json:"error_description"`
		}
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil || b.Error == nil || b.Description == nil {
			t.Errorf("400 without an OAuth error body: %q (%v)", r.body, err)
		}
	default:
		t.Errorf("answer %v, want 200 or 400", r)
	}
}

// TestTokenEndpointsOddRequests checks a revoke of a token never issued, a
// 200 as for a revoked one, and the 405 of a wrong method.
func TestTokenEndpointsOddRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)

	r := e.form(t, "/v2/oauth/revoke", url.Values{"access_token": {"neverIssued"}})
	if r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("revoke a token never issued: %v, want 200 and no body", r)
	}

	req, err := http.NewRequest(http.MethodGet, e.url+"/v2/oauth/verify", nil)
	if err != nil {
		t.Fatal(err)
	}
	r = e.send(t, req)
	assertReply(t, r, http.StatusMethodNotAllowed, messageJSON("Method Not Allowed"))
	if got := r.header.Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q, want POST", got)
	}
}

// TestTokenAnswersAreNotCached checks that every token endpoint's answer,
// a token or a refusal, tells caches to keep nothing, as OAuth asks.
func TestTokenAnswersAreNotCached(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	c := e.demo.Credentials

	for _, path := range []string{"/v2/oauth/accessToken", "/oauth2/v3/token",
		"/v2/oauth/verify"} {
		r := e.form(t, path, url.Values{"grant_type": {"client_credentials"},
			"client_id": {c.ChannelID}, "client_secret": {c.ChannelSecret}})
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s answered %d with Cache-Control %q, want no-store", path, r.status, got)
		}
	}
}
