package messenger

import (
	"net/http"

	"github.com/pnpd/pnpd"
)

// The JSON API's handlers: decode, call the operation, answer.

func (a *API) signUpCode(w http.ResponseWriter, r *http.Request) error {
	var req phoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	issued, err := a.sendSignUpCode(r.Context(), req)

	return writeIssued(w, issued, err)
}

func (a *API) signUp(w http.ResponseWriter, r *http.Request) error {
	var req signUpRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	rec, err := a.createAccount(r.Context(), req)
	if err != nil {
		return err
	}

	if err := a.startSession(w, r, rec.ID); err != nil {
		return err
	}

	writeJSON(w, http.StatusCreated, a.profile(rec))

	return nil
}

func (a *API) logInCode(w http.ResponseWriter, r *http.Request) error {
	var req phoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	issued, err := a.sendLogInCode(r.Context(), req)

	return writeIssued(w, issued, err)
}

func (a *API) logIn(w http.ResponseWriter, r *http.Request) error {
	var req logInRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	rec, err := a.logInWithCode(r.Context(), req)
	if err != nil {
		return err
	}

	if err := a.startSession(w, r, rec.ID); err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, a.profile(rec))

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

	res, err := a.accounts.SetConsent(r.Context(), rec, *req.Agree)
	if err != nil {
		return err
	}

	writeResult(w, res)

	return nil
}

func (a *API) verificationCode(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	issued, err := a.accounts.SendVerificationCode(r.Context(), rec)

	return writeIssued(w, issued, err)
}

type codeRequest struct {
	Code string `json:"code"`
}

func (a *API) verify(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	var req codeRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	res, err := a.accounts.Verify(r.Context(), rec, req.Code)
	if err != nil {
		return err
	}

	writeResult(w, res)

	return nil
}

func (a *API) phoneNumberCode(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	var req phoneRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	issued, err := a.sendPhoneChangeCode(r.Context(), rec, req)

	return writeIssued(w, issued, err)
}

func (a *API) changePhoneNumber(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	var req logInRequest
	if err := decode(r, &req); err != nil {
		return err
	}

	res, err := a.changePhoneWithCode(r.Context(), rec, req)
	if err != nil {
		return err
	}

	writeResult(w, res)

	return nil
}
