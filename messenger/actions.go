package messenger

import (
	"net/http"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
)

// profile is what a recipient sees of their own account. The phone number
// is shown masked.
type profile struct {
	UserID                  string       `json:"userId"`
	DisplayName             string       `json:"displayName"`
	MaskedPhoneNumber       string       `json:"maskedPhoneNumber"`
	Language                string       `json:"language"`
	Consent                 pnpd.Consent `json:"consent"`
	PrivacyPolicyAgreed     bool         `json:"privacyPolicyAgreed"`
	SMSVerificationRequired bool         `json:"smsVerificationRequired"`
	CreatedAt               time.Time    `json:"createdAt"`
	BlockedChannels         []string     `json:"blockedChannels"`
}

func (a *API) profile(rec *pnpd.Recipient) profile {
	return profile{
		UserID:                  rec.ID,
		DisplayName:             rec.DisplayName,
		MaskedPhoneNumber:       pnpd.MaskPhone(rec.PhoneNumber),
		Language:                rec.Language,
		Consent:                 rec.Consent,
		PrivacyPolicyAgreed:     rec.PrivacyPolicyAgreed,
		SMSVerificationRequired: a.Receiving.Rules.SMSNeeded(rec, a.Clock.Now()),
		CreatedAt:               rec.CreatedAt,
		BlockedChannels:         []string{},
	}
}

func (a *API) me(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	p := a.profile(rec)
	blocked, err := a.Store.BlockedChannels(r.Context(), rec.ID)
	if err != nil {
		return err
	}
	p.BlockedChannels = append(p.BlockedChannels, blocked...)

	writeJSON(w, http.StatusOK, p)

	return nil
}

// result is what an action of the receiving flow did.
type result struct {
	Delivered               int  `json:"delivered"`
	Dropped                 int  `json:"dropped"`
	SMSVerificationRequired bool `json:"smsVerificationRequired"`
}

func writeResult(w http.ResponseWriter, res receiving.Result) {
	writeJSON(w, http.StatusOK, result{
		Delivered:               res.Delivered,
		Dropped:                 res.Dropped,
		SMSVerificationRequired: res.SMSVerificationRequired,
	})
}

func (a *API) agreePrivacyPolicy(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	if err := a.Receiving.AgreePrivacyPolicy(r.Context(), rec.ID); err != nil {
		return err
	}

	w.WriteHeader(http.StatusNoContent)

	return nil
}

// consent records agree or reject; consent never returns to "not set".
func (a *API) consent(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	var req struct {
		Agree *bool `json:"agree"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Agree == nil {
		return &pnpd.Error{Code: pnpd.EInvalid, Field: "agree",
			Message: "Say whether you agree (true) or reject (false)."}
	}

	act := a.Receiving.Reject
	if *req.Agree {
		act = a.Receiving.Agree
	}

	res, err := act(r.Context(), rec.ID)
	if err != nil {
		return err
	}

	writeResult(w, res)

	return nil
}

// verificationCode sends a code to the registered number, for the SMS
// verification that held notifications wait for.
func (a *API) verificationCode(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	return a.issue(w, r, rec.PhoneNumber, pnpd.PurposeVerify, rec.ID)
}

type codeRequest struct {
	Code string `json:"code"`
}

func (a *API) verify(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	var req codeRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	var res receiving.Result
	err := a.Codes.Check(r.Context(), rec.PhoneNumber, pnpd.PurposeVerify, req.Code,
		func(q pnpd.Queries, _ *pnpd.SMSCode) error {
			var err error
			res, err = a.Receiving.Verified(r.Context(), q, rec.ID)

			return err
		})
	if err != nil {
		return err
	}

	a.Receiving.Notify(rec.ID)
	writeResult(w, res)

	return nil
}

// phoneNumberCode sends a code to the new number a recipient moves to.
func (a *API) phoneNumberCode(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	var req phoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	e164, err := a.normalize(req)
	if err != nil {
		return err
	}

	if err := a.numberFree(r, rec, e164); err != nil {
		return err
	}

	return a.issue(w, r, e164, pnpd.PurposeChangeNumber, rec.ID)
}

func (a *API) numberFree(r *http.Request, rec *pnpd.Recipient, e164 string) error {
	other, err := a.Store.RecipientByPhoneHash(r.Context(), pnpd.HashPhone(e164))
	switch {
	case pnpd.ErrorCode(err) == pnpd.ENotFound:
		return nil
	case err != nil:
		return err
	case other.ID == rec.ID:
		return &pnpd.Error{Code: pnpd.EInvalid, Field: "phoneNumber",
			Message: "This is your phone number already."}
	}

	return &pnpd.Error{Code: pnpd.EConflict, Field: "phoneNumber",
		Message: "Another account uses this phone number."}
}

func (a *API) changePhoneNumber(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	var req logInRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return err
	}

	var res receiving.Result
	err = a.Codes.Check(r.Context(), e164, pnpd.PurposeChangeNumber, req.Code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			if c.RecipientID != rec.ID {
				return pnpd.Errorf(pnpd.EInvalid, "This code was sent for another account.")
			}

			var err error
			res, err = a.Receiving.ChangeNumber(r.Context(), q, rec.ID, e164)

			return err
		})
	if err != nil {
		return err
	}

	a.Receiving.Notify(rec.ID)
	writeResult(w, res)

	return nil
}

func (a *API) block(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	return a.setBlocked(w, r, rec, true)
}

func (a *API) unblock(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	return a.setBlocked(w, r, rec, false)
}

func (a *API) setBlocked(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient,
	blocked bool) error {
	res, err := a.Receiving.SetBlocked(r.Context(), rec.ID, r.PathValue("channelID"), blocked)
	if err != nil {
		return err
	}

	writeResult(w, res)

	return nil
}
