package sandbox

import (
	"net/http"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// registerActions adds the endpoints that act as a recipient: what the web
// messenger does when the recipient taps, without a session.
func (a *API) registerActions(route routeFunc) {
	const path = "/sandbox/v1/recipients/{userID}"
	acts := []struct {
		method, path string
		h            recipientHandler
	}{
		{"POST", "/consent", a.consent},
		{"POST", "/privacy-policy", a.privacyPolicy},
		{"POST", "/verification/code", a.verificationCode},
		{"POST", "/verification", a.verify},
		{"POST", "/phone-number/code", a.phoneNumberCode},
		{"POST", "/phone-number", a.changePhoneNumber},
		{"PUT", "/blocks/{channelID}", a.block},
		{"DELETE", "/blocks/{channelID}", a.unblock},
	}
	for _, act := range acts {
		route(act.method+" "+path+act.path, a.asRecipient(a.unlessMagic(act.h)))
	}
}

// unlessMagic refuses, before anything else, to act as a magic number's
// recipient: it always behaves one way.
func (a *API) unlessMagic(h recipientHandler) recipientHandler {
	return func(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
		if err := RefuseMagic(rec.PhoneNumber); err != nil {
			return err
		}

		return h(w, r, rec)
	}
}

// result is what an action did, as the messenger's API tells it.
type result struct {
	Delivered               int  `json:"delivered"`
	Dropped                 int  `json:"dropped"`
	SMSVerificationRequired bool `json:"smsVerificationRequired"`
}

func writeResult(w http.ResponseWriter, res receiving.Result, err error) error {
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, result{Delivered: res.Delivered, Dropped: res.Dropped,
		SMSVerificationRequired: res.SMSVerificationRequired})

	return nil
}

func writeIssued(w http.ResponseWriter, issued sms.Issued, err error) error {
	if err != nil {
		return err
	}

	issued.ExpiresAt, issued.ResendAt = issued.ExpiresAt.UTC(), issued.ResendAt.UTC()
	writeJSON(w, http.StatusOK, issued)

	return nil
}

func (a *API) consent(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	var req struct {
		Agree *bool `json:"agree"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Agree == nil {
		return pnpd.Errorf(pnpd.EInvalid, "Give agree: true to agree, false to reject.")
	}

	res, err := a.accounts.SetConsent(r.Context(), rec, *req.Agree)

	return writeResult(w, res, err)
}

func (a *API) privacyPolicy(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	res, err := a.accounts.AgreePrivacyPolicy(r.Context(), rec)

	return writeResult(w, res, err)
}

func (a *API) verificationCode(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	issued, err := a.accounts.SendVerificationCode(r.Context(), rec)

	return writeIssued(w, issued, err)
}

func (a *API) verify(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}

	res, err := a.accounts.Verify(r.Context(), rec, req.Code)

	return writeResult(w, res, err)
}

// phoneRequest names a phone number: in E.164, or in the national format
// of country.
type phoneRequest struct {
	PhoneNumber string `json:"phoneNumber"`
	Country     string `json:"country"`
	Code        string `json:"code"`
}

func (a *API) phoneNumberCode(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	e164, _, err := a.decodePhone(r)
	if err != nil {
		return err
	}

	issued, err := a.accounts.SendPhoneChangeCode(r.Context(), rec, e164)

	return writeIssued(w, issued, err)
}

func (a *API) changePhoneNumber(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	e164, req, err := a.decodePhone(r)
	if err != nil {
		return err
	}

	res, err := a.accounts.ChangeNumber(r.Context(), rec, e164, req.Code)

	return writeResult(w, res, err)
}

func (a *API) decodePhone(r *http.Request) (string, phoneRequest, error) {
	var req phoneRequest
	if err := decodeJSON(r, &req); err != nil {
		return "", req, err
	}

	e164, err := a.normalizePhone(req.PhoneNumber, req.Country)
	if err == nil && IsMagicNumber(e164) {
		err = errMagicTaken
	}

	return e164, req, err
}

func (a *API) block(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	return a.setBlocked(w, r, rec, true)
}

func (a *API) unblock(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	return a.setBlocked(w, r, rec, false)
}

func (a *API) setBlocked(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient,
	blocked bool) error {
	res, err := a.accounts.SetBlocked(r.Context(), rec, r.PathValue("channelID"), blocked)
	// The recipient was found: what is missing is the channel.
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		err = pnpd.Errorf(pnpd.ENotFound, "No channel has this ID.")
	}

	return writeResult(w, res, err)
}
