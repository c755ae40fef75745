package messenger

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
)

// sessionCookie names the cookie that holds a signed-in recipient's
// session token; the store keeps only its hash.
const sessionCookie = "pnpd_session"

func (a *API) auth(h authed) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		rec, err := a.sessionRecipient(r)
		if err != nil {
			return err
		}

		return h(w, r, rec)
	}
}

var errSessionEnded = pnpd.Errorf(pnpd.EUnauthorized, "Your session has ended. Log in again.")

// sessionRecipient is the recipient the request's session cookie signs in;
// EUnauthorized without a live session, and any other error when the store
// could not tell: that is no reason to sign anyone out.
func (a *API) sessionRecipient(r *http.Request) (*pnpd.Recipient, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, pnpd.Errorf(pnpd.EUnauthorized, "Log in first.")
	}

	s, err := a.Store.SessionByHash(r.Context(), pnpd.HashToken(c.Value), a.Clock.Now())
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, fmt.Errorf("check session: %w", err)
	}

	rec, err := a.Store.Recipient(r.Context(), s.RecipientID)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		// The account is gone: so is the session.
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, fmt.Errorf("check session: %w", err)
	}

	return rec, nil
}

// startSession signs the recipient in: a random token in an HttpOnly,
// SameSite cookie, its hash in the store.
func (a *API) startSession(w http.ResponseWriter, r *http.Request, recipientID string) error {
	token := pnpd.RandomHex(32)
	now := a.Clock.Now()
	err := a.Store.CreateSession(r.Context(), &pnpd.Session{
		Hash:        pnpd.HashToken(token),
		RecipientID: recipientID,
		CreatedAt:   now,
		ExpiresAt:   now.Add(a.SessionFor),
	})
	if err != nil {
		return err
	}

	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   int(a.SessionFor.Seconds()),
		HttpOnly: true,
		Secure:   pnpd.OverTLS(r),
		SameSite: http.SameSiteLaxMode,
	})

	return nil
}

func (a *API) logOut(w http.ResponseWriter, r *http.Request) error {
	if err := a.endSession(w, r); err != nil {
		return err
	}

	w.WriteHeader(http.StatusNoContent)

	return nil
}

// endSession deletes the request's session and its cookie.
func (a *API) endSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := a.Store.DeleteSession(r.Context(), pnpd.HashToken(c.Value)); err != nil {
			return err
		}
	}

	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})

	return nil
}

// phoneRequest is the part of a request that names a phone number.
type phoneRequest struct {
	PhoneNumber string `json:"phoneNumber"`
	Country     string `json:"country"`
}

func (a *API) normalize(p phoneRequest) (string, error) {
	country := strings.ToUpper(p.Country)
	if country == "" {
		country = a.DefaultCountry
	}

	return pnpd.NormalizePhone(p.PhoneNumber, country)
}
