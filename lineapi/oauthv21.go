package lineapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/assertion"
)

// checkAssertion checks the client_assertion_type and client_assertion of
// a request and returns what the assertion proves. A refusal is an OAuth
// 400: invalid_client when the assertion does not prove the channel,
// invalid_request otherwise.
func (a *API) checkAssertion(ctx context.Context, v url.Values) (*assertion.Claims, error) {
	if v.Get("client_assertion_type") != assertion.Type {
		return nil, invalidRequest(msgAssertionType)
	}

	c, err := assertion.Check(ctx, a.Store, a.Clock.Now(), v.Get("client_assertion"))

	return c, assertionError(err)
}

// assertionError turns a refusal of the assertion package into an OAuth
// error and leaves any other error as it is.
func assertionError(err error) error {
	var e *pnpd.Error
	if !errors.As(err, &e) {
		return err
	}

	switch e.Code {
	case pnpd.EUnauthorized:
		return &oauthError{Code: "invalid_client", Description: e.Message}
	case pnpd.EInvalid:
		return invalidRequest(e.Message)
	}

	return err
}

// issuedV21 is the body of a new v2.1 token.
type issuedV21 struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
	KeyID       string `json:"key_id"`
}

// issueV21 issues a token for a JWT assertion, living the assertion's
// token_exp. The token is a JWT pnpd signs, and it is stored, hashed, so
// that it can be revoked and counted: a channel has at most 30 valid ones.
func (a *API) issueV21(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}
	if err := grantType(r); err != nil {
		return err
	}

	c, err := a.checkAssertion(r.Context(), r.PostForm)
	if err != nil {
		return err
	}
	if c.TokenLifetime == 0 {
		return assertionError(assertion.TokenExpMissing())
	}

	token, keyID, err := a.storeV21(r.Context(), c)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, issuedV21{AccessToken: token, TokenType: "Bearer",
		ExpiresIn: int64(c.TokenLifetime / time.Second), KeyID: keyID})

	return nil
}

// storeV21 signs a new v2.1 token and saves its hash, unless the channel
// has its 30 valid ones already; counting and saving share a transaction,
// which also deletes the channel's expired v2.1 tokens, so that they do not
// pile up.
func (a *API) storeV21(ctx context.Context, c *assertion.Claims) (token, keyID string,
	err error) {
	now := a.Clock.Now()
	keyID = pnpd.NewToken(16)
	token = a.sign(signedClaims{Kind: kindV21, ChannelID: c.ChannelID, KeyID: keyID,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(c.TokenLifetime).Unix()})
	t := &pnpd.AccessToken{Hash: pnpd.HashToken(token), ChannelID: c.ChannelID,
		Kind: kindV21, KeyID: keyID, CreatedAt: now, ExpiresAt: now.Add(c.TokenLifetime)}

	full := false
	err = a.Store.Update(ctx, func(q pnpd.Queries) error {
		if _, err := q.PurgeAccessTokens(ctx, c.ChannelID, kindV21, now); err != nil {
			return err
		}

		valid, err := q.ValidAccessTokens(ctx, c.ChannelID, kindV21, now)
		if err != nil || len(valid) >= v21Limit {
			full = err == nil
			return err
		}

		return q.CreateAccessToken(ctx, t)
	})
	switch {
	case err != nil:
		return "", "", fmt.Errorf("issue v2.1 token: %w", err)
	case full:
		return "", "", invalidRequest(msgTooManyTokens)
	}

	return token, keyID, nil
}

// verifiedV21 is the v2.1 verify's body. pnpd has no scopes, so scope is
// left out, as LINE's OpenAPI allows.
type verifiedV21 struct {
	ClientID  string `json:"client_id"`
	ExpiresIn int64  `json:"expires_in"`
}

// verifyV21 tells which channel a JWT token belongs to and how long it has
// left: a v2.1 token, or a stateless one.
func (a *API) verifyV21(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("access_token")
	if !jws(token) {
		return invalidRequest(msgNotJWS)
	}

	t, err := a.findToken(r.Context(), token)
	if err != nil {
		return err
	}

	left := t.ExpiresAt.Sub(a.Clock.Now())
	if t.ExpiresAt.IsZero() || left <= 0 {
		return invalidRequest(msgTokenRevoked)
	}

	writeJSON(w, http.StatusOK, verifiedV21{ClientID: t.ChannelID,
		ExpiresIn: int64(left / time.Second)})

	return nil
}

// revokeV21 deletes one of the channel's v2.1 tokens, for the channel's ID
// and secret. A token unknown, expired, revoked already or not the
// channel's is left as it is, and the answer is a 200 all the same.
func (a *API) revokeV21(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}

	ch, err := a.channelSecret(r)
	if err != nil {
		return err
	}

	token := r.PostForm.Get("access_token")
	if !wellFormedToken(token) {
		return invalidRequest(msgTokenFormat)
	}

	t, err := a.Store.AccessToken(r.Context(), pnpd.HashToken(token))
	switch {
	case pnpd.ErrorCode(err) == pnpd.ENotFound:
		return nil
	case err != nil:
		return fmt.Errorf("find access token: %w", err)
	case t.ChannelID != ch.ID || t.Kind != kindV21:
		return nil
	}

	if err := a.Store.DeleteAccessToken(r.Context(), t.Hash); err != nil {
		return fmt.Errorf("revoke v2.1 token: %w", err)
	}

	return nil
}

// keyIDs is the body of the list of valid v2.1 tokens.
type keyIDs struct {
	KIDs []string `json:"kids"`
}

// v21KeyIDs lists the key IDs of the channel's valid v2.1 tokens, oldest
// first, for a JWT assertion in the query.
func (a *API) v21KeyIDs(w http.ResponseWriter, r *http.Request) error {
	c, err := a.checkAssertion(r.Context(), r.URL.Query())
	if err != nil {
		return err
	}

	tokens, err := a.Store.ValidAccessTokens(r.Context(), c.ChannelID, kindV21, a.Clock.Now())
	if err != nil {
		return fmt.Errorf("list v2.1 tokens: %w", err)
	}

	out := keyIDs{KIDs: make([]string, 0, len(tokens))}
	for _, t := range tokens {
		out.KIDs = append(out.KIDs, t.KeyID)
	}
	writeJSON(w, http.StatusOK, out)

	return nil
}
