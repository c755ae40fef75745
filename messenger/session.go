package messenger

import (
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
)

// sessionCookie names the cookie that holds a signed-in recipient's
// session token; the store keeps only its hash.
const sessionCookie = "pnpd_session"

func (a *API) auth(h authed) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			return pnpd.Errorf(pnpd.EUnauthorized, "Log in first.")
		}

		s, err := a.Store.SessionByHash(r.Context(), pnpd.HashToken(c.Value), a.Clock.Now())
		if pnpd.ErrorCode(err) == pnpd.ENotFound {
			return pnpd.Errorf(pnpd.EUnauthorized, "Your session has ended. Log in again.")
		}
		if err != nil {
			return err
		}

		rec, err := a.Store.Recipient(r.Context(), s.RecipientID)
		if err != nil {
			return err
		}

		return h(w, r, rec)
	}
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
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})

	return nil
}

func (a *API) logOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := a.Store.DeleteSession(r.Context(), pnpd.HashToken(c.Value)); err != nil {
			return err
		}
	}

	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)

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

type signUpRequest struct {
	phoneRequest
	Code               string `json:"code"`
	DisplayName        string `json:"displayName"`
	Language           string `json:"language"`
	AgreePrivacyPolicy bool   `json:"agreePrivacyPolicy"`
}

func (a *API) signUpCode(w http.ResponseWriter, r *http.Request) error {
	var req phoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	e164, err := a.normalize(req)
	if err != nil {
		return err
	}

	if _, err := a.Store.RecipientByPhoneHash(r.Context(), pnpd.HashPhone(e164)); err == nil {
		return &pnpd.Error{Code: pnpd.EConflict, Field: "phoneNumber",
			Message: "An account uses this phone number already. Log in instead."}
	}

	return a.issue(w, r, e164, pnpd.PurposeSignUp, "")
}

func (a *API) issue(w http.ResponseWriter, r *http.Request, e164 string,
	purpose pnpd.SMSPurpose, recipientID string) error {
	issued, err := a.Codes.Issue(r.Context(), e164, purpose, recipientID)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, issued)

	return nil
}

// signUp creates the recipient once the code proves the number. A new
// account needs no further SMS verification for 180 days.
func (a *API) signUp(w http.ResponseWriter, r *http.Request) error {
	var req signUpRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return err
	}

	name := strings.TrimSpace(req.DisplayName)
	if name == "" || len([]rune(name)) > 20 {
		return &pnpd.Error{Code: pnpd.EInvalid, Field: "displayName",
			Message: "Enter a display name of 1 to 20 characters."}
	}

	rec := &pnpd.Recipient{
		ID:                  pnpd.NewUserID(),
		DisplayName:         name,
		PhoneNumber:         e164,
		PhoneHash:           pnpd.HashPhone(e164),
		Language:            language(req.Language),
		Consent:             pnpd.ConsentNotSet,
		PrivacyPolicyAgreed: req.AgreePrivacyPolicy,
	}
	err = a.Codes.Check(r.Context(), e164, pnpd.PurposeSignUp, req.Code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			rec.CreatedAt, rec.SMSVerifiedAt = c.UsedAt, c.UsedAt
			return q.CreateRecipient(r.Context(), rec)
		})
	if err != nil {
		return err
	}

	if err := a.startSession(w, r, rec.ID); err != nil {
		return err
	}

	writeJSON(w, http.StatusCreated, a.profile(rec))

	return nil
}

func language(l string) string {
	switch l {
	case "ja", "th", "zh-TW":
		return l
	}

	return "en"
}

func (a *API) logInCode(w http.ResponseWriter, r *http.Request) error {
	var req phoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	e164, err := a.normalize(req)
	if err != nil {
		return err
	}

	rec, err := a.Store.RecipientByPhoneHash(r.Context(), pnpd.HashPhone(e164))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return &pnpd.Error{Code: pnpd.ENotFound, Field: "phoneNumber",
			Message: "No account uses this phone number. Sign up instead."}
	}
	if err != nil {
		return err
	}

	return a.issue(w, r, e164, pnpd.PurposeLogIn, rec.ID)
}

type logInRequest struct {
	phoneRequest
	Code string `json:"code"`
}

// logIn signs a recipient in by SMS code. It does not count as the SMS
// verification notifications wait for: that one the recipient gives on
// purpose, from the authentication screen.
func (a *API) logIn(w http.ResponseWriter, r *http.Request) error {
	var req logInRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return err
	}

	var recipientID string
	err = a.Codes.Check(r.Context(), e164, pnpd.PurposeLogIn, req.Code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			recipientID = c.RecipientID
			return nil
		})
	if err != nil {
		return err
	}

	rec, err := a.Store.Recipient(r.Context(), recipientID)
	if err != nil {
		return err
	}

	if err := a.startSession(w, r, rec.ID); err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, a.profile(rec))

	return nil
}
