package lineapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/assertion"
)

// The kinds of token the token endpoints issue.
const (
	kindShortLived = "short_lived"
	kindStateless  = "stateless"
	kindV21        = "v2.1"
)

// LINE's lifetimes and limit for the tokens issued here.
const (
	shortLivedFor = 30 * 24 * time.Hour
	statelessFor  = 15 * time.Minute
	// shortLivedLimit is how many short-lived tokens a channel keeps;
	// issuing one more revokes the oldest.
	shortLivedLimit = 30
	// v21Limit is how many valid v2.1 tokens a channel may have; issuing
	// one more is refused.
	v21Limit = 30
	// neverExpiresIn is the expires_in verify reports for a token that
	// does not expire, such as the console's long-lived one.
	neverExpiresIn = math.MaxInt32
)

// The OAuth-style error descriptions LINE's token endpoints answer with;
// msgGrantType is pnpd's own.
const (
	msgWrongFormat   = "some parameters in the wrong format"
	msgInvalidSecret = "invalid client_secret"
	msgTokenFormat   = "access_token in invalid format"
	msgTokenRevoked  = "access_token invalid"
	msgGrantType     = "grant_type must be client_credentials"
	msgNotJWS        = "The access token not JWS"
	msgAssertionType = "client_assertion_type must be " + assertion.Type
	// msgTooManyTokens is pnpd's: LINE does not document its answer to a
	// channel that has its 30 valid v2.1 tokens already.
	msgTooManyTokens = "the channel has 30 valid v2.1 tokens already; revoke one first"
)

// oauthError is a refusal of a token endpoint, written as OAuth's error
// body, not LINE's {"message"}.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *oauthError) Error() string {
	return e.Code + ": " + e.Description
}

func invalidRequest(description string) *oauthError {
	return &oauthError{Code: "invalid_request", Description: description}
}

// tokenHandler is a token endpoint: it answers on its own or returns an
// error for writeOAuthError.
type tokenHandler func(w http.ResponseWriter, r *http.Request) error

// registerTokens adds the token endpoints, which authenticate by the
// channel's ID and secret, by a JWT assertion or by the token itself, not
// by a bearer token.
func (a *API) registerTokens(mux *http.ServeMux) {
	routes := []struct {
		method, path, name string
		h                  tokenHandler
	}{
		{"POST", "/v2/oauth/accessToken", "issue_token", a.issueShortLived},
		{"POST", "/v2/oauth/verify", "verify_token", a.verifyToken},
		{"POST", "/v2/oauth/revoke", "revoke_token", a.revokeToken},
		{"POST", "/oauth2/v3/token", "issue_stateless_token", a.issueStateless},
		{"POST", "/oauth2/v2.1/token", "issue_v21_token", a.issueV21},
		{"GET", "/oauth2/v2.1/verify", "verify_v21_token", a.verifyV21},
		{"POST", "/oauth2/v2.1/revoke", "revoke_v21_token", a.revokeV21},
		{"GET", "/oauth2/v2.1/tokens/kid", "v21_key_ids", a.v21KeyIDs},
	}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, a.tokenEndpoint(rt.name, rt.h))
		mux.Handle(rt.path, a.unrouted(http.StatusMethodNotAllowed, rt.method))
	}
}

// tokenEndpoint wraps a token endpoint with a request ID, metrics and a
// debug line.
func (a *API) tokenEndpoint(name string, h tokenHandler) http.Handler {
	return a.observed(name, func(w http.ResponseWriter, r *http.Request) {
		// A token issued after its client gave up on a hung database is
		// of no use to anyone.
		ctx, cancel := context.WithTimeout(r.Context(), a.timeout())
		defer cancel()
		r = r.WithContext(ctx)

		// OAuth's rule for answers that carry tokens (RFC 6749, 5.1).
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		if err := h(w, r); err != nil {
			a.writeOAuthError(w, r, err)
		}
	})
}

// writeOAuthError writes a refusal as a 400 and anything else, such as a
// failed store, as a 500 server_error, both with OAuth's error body: the
// token clients read no other.
func (a *API) writeOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	if !errors.As(err, &oe) {
		a.logFailure(r, err)
		writeJSON(w, http.StatusInternalServerError,
			&oauthError{Code: "server_error", Description: msgInternal})

		return
	}

	a.Log.DebugContext(r.Context(), "Request refused", "path", r.URL.Path,
		"status", http.StatusBadRequest, "reason", oe.Code)
	writeJSON(w, http.StatusBadRequest, oe)
}

// form reads the form-encoded body's parameters, and only those: a JSON
// body, or parameters in the URL, count as none.
func form(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return invalidRequest(msgWrongFormat)
	}

	return nil
}

// clientCredentials checks the grant type, the channel ID and the secret,
// and returns the channel they name.
func (a *API) clientCredentials(r *http.Request) (*pnpd.Channel, error) {
	if err := grantType(r); err != nil {
		return nil, err
	}

	return a.channelSecret(r)
}

// grantType checks that the grant type is client_credentials.
func grantType(r *http.Request) error {
	switch grant := r.PostForm.Get("grant_type"); {
	case grant == "":
		return invalidRequest(msgWrongFormat)
	case grant != "client_credentials":
		return &oauthError{Code: "unsupported_grant_type", Description: msgGrantType}
	}

	return nil
}

// channelSecret checks the channel ID and secret, and returns the channel
// they name.
func (a *API) channelSecret(r *http.Request) (*pnpd.Channel, error) {
	id := r.PostForm.Get("client_id")
	if !numeric(id) {
		return nil, invalidRequest(msgWrongFormat)
	}

	ch, err := a.Store.Channel(r.Context(), id)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, invalidRequest(msgWrongFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("check client credentials: %w", err)
	}

	secret := r.PostForm.Get("client_secret")
	if subtle.ConstantTimeCompare([]byte(secret), []byte(ch.Secret)) != 1 {
		return nil, &oauthError{Code: "invalid_client", Description: msgInvalidSecret}
	}

	return ch, nil
}

// numeric accepts a channel ID as LINE writes them: up to 20 digits.
func numeric(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}

	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}

	return true
}

// issued is the body of a newly issued token.
type issued struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// issueShortLived issues a 30-day token and, in the same transaction,
// revokes the channel's oldest short-lived tokens beyond LINE's 30.
func (a *API) issueShortLived(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}

	ch, err := a.clientCredentials(r)
	if err != nil {
		return err
	}

	token, err := a.storeToken(r, ch.ID, kindShortLived, shortLivedFor, shortLivedLimit)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, issued{AccessToken: token,
		ExpiresIn: int64(shortLivedFor / time.Second), TokenType: "Bearer"})

	return nil
}

// storeToken saves a new token's hash, expiring after ttl on pnpd's
// clock, and keeps at most limit tokens of the kind (0 for no limit).
func (a *API) storeToken(r *http.Request, channelID, kind string, ttl time.Duration,
	limit int) (string, error) {
	token := pnpd.NewToken(32)
	now := a.Clock.Now()
	t := &pnpd.AccessToken{Hash: pnpd.HashToken(token), ChannelID: channelID, Kind: kind,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}

	err := a.Store.Update(r.Context(), func(q pnpd.Queries) error {
		if err := q.CreateAccessToken(r.Context(), t); err != nil {
			return err
		}
		if limit == 0 {
			return nil
		}

		_, err := q.TrimAccessTokens(r.Context(), channelID, kind, limit)

		return err
	})
	if err != nil {
		return "", fmt.Errorf("issue %s token: %w", kind, err)
	}

	return token, nil
}

// verified is verify's body. pnpd has no scopes, so scope is left out, as
// LINE's OpenAPI allows.
type verified struct {
	ClientID  string `json:"client_id"`
	ExpiresIn int64  `json:"expires_in"`
}

// verifyToken tells which channel a token belongs to and how long it has
// left, for any kind of token.
func (a *API) verifyToken(w http.ResponseWriter, r *http.Request) error {
	t, err := a.formToken(w, r)
	if err != nil {
		return err
	}

	left := int64(neverExpiresIn)
	if !t.ExpiresAt.IsZero() {
		remaining := t.ExpiresAt.Sub(a.Clock.Now())
		if remaining <= 0 {
			return invalidRequest(msgTokenRevoked)
		}
		left = int64(remaining / time.Second)
	}

	writeJSON(w, http.StatusOK, verified{ClientID: t.ChannelID, ExpiresIn: left})

	return nil
}

// formToken reads the access_token parameter and finds the stored token,
// or the stateless token pnpd signed.
func (a *API) formToken(w http.ResponseWriter, r *http.Request) (*pnpd.AccessToken, error) {
	if err := form(w, r); err != nil {
		return nil, err
	}

	token := r.PostForm.Get("access_token")
	if !wellFormedToken(token) {
		return nil, invalidRequest(msgTokenFormat)
	}

	return a.findToken(r.Context(), token)
}

// findToken finds a token: a stateless one by its signature, as long as
// its channel is there, any other by its hash. Expired ones are found too.
func (a *API) findToken(ctx context.Context, token string) (*pnpd.AccessToken, error) {
	if c, ok := a.signedToken(kindStateless, token); ok {
		_, err := a.Store.Channel(ctx, c.ChannelID)
		if pnpd.ErrorCode(err) == pnpd.ENotFound {
			return nil, invalidRequest(msgTokenRevoked)
		}
		if err != nil {
			return nil, fmt.Errorf("find access token: %w", err)
		}

		return &pnpd.AccessToken{ChannelID: c.ChannelID, Kind: kindStateless,
			CreatedAt: time.Unix(c.IssuedAt, 0), ExpiresAt: time.Unix(c.ExpiresAt, 0)}, nil
	}

	t, err := a.Store.AccessToken(ctx, pnpd.HashToken(token))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, invalidRequest(msgTokenRevoked)
	}
	if err != nil {
		return nil, fmt.Errorf("find access token: %w", err)
	}

	return t, nil
}

// revokeToken deletes a token. Revoking a token that is unknown, expired
// or revoked already succeeds too, as LINE's does. A stateless token cannot
// be revoked: it is left to expire, and the answer is still a 200.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := a.formToken(w, r)
	var oe *oauthError
	switch {
	case errors.As(err, &oe) && oe.Description == msgTokenRevoked:
		return nil
	case err != nil:
		return err
	case t.Kind == kindStateless:
		return nil
	}

	if err := a.Store.DeleteAccessToken(r.Context(), t.Hash); err != nil {
		return fmt.Errorf("revoke access token: %w", err)
	}

	return nil
}

// statelessIssued is the body of a new stateless token.
type statelessIssued struct {
	TokenType   string `json:"token_type"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	KeyID       string `json:"key_id"`
}

// issueStateless issues a 15-minute token for a channel's ID and secret or
// for a JWT assertion. The token is a JWT pnpd signs and never stores: the
// bearer check takes it by its signature.
func (a *API) issueStateless(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}

	ch, err := a.statelessClient(r)
	if err != nil {
		return err
	}

	now := a.Clock.Now()
	token := a.sign(signedClaims{Kind: kindStateless, ChannelID: ch,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(statelessFor).Unix()})
	writeJSON(w, http.StatusOK, statelessIssued{TokenType: "Bearer", AccessToken: token,
		ExpiresIn: int64(statelessFor / time.Second)})

	return nil
}

// statelessClient returns the ID of the channel a stateless token is asked
// for, by its assertion or, when the assertion fields are empty, as the
// SDK sends them then, by its ID and secret.
func (a *API) statelessClient(r *http.Request) (string, error) {
	if r.PostForm.Get("client_assertion") == "" &&
		r.PostForm.Get("client_assertion_type") == "" {
		ch, err := a.clientCredentials(r)
		if err != nil {
			return "", err
		}

		return ch.ID, nil
	}

	if err := grantType(r); err != nil {
		return "", err
	}

	c, err := a.checkAssertion(r.Context(), r.PostForm)
	if err != nil {
		return "", err
	}

	return c.ChannelID, nil
}
