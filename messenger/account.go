package messenger

import (
	"context"
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// The recipient's operations, shared by the JSON API and the web pages.

type signUpRequest struct {
	phoneRequest
	Code               string `json:"code"`
	DisplayName        string `json:"displayName"`
	Language           string `json:"language"`
	AgreePrivacyPolicy bool   `json:"agreePrivacyPolicy"`
}

type logInRequest struct {
	phoneRequest
	Code string `json:"code"`
}

func (a *API) sendSignUpCode(ctx context.Context, p phoneRequest) (sms.Issued, error) {
	e164, err := a.normalize(p)
	if err != nil {
		return sms.Issued{}, err
	}

	if _, err := a.Store.RecipientByPhoneHash(ctx, pnpd.HashPhone(e164)); err == nil {
		return sms.Issued{}, &pnpd.Error{Code: pnpd.EConflict, Field: "phoneNumber",
			Message: "An account uses this phone number already. Log in instead."}
	}

	return a.Codes.Issue(ctx, e164, pnpd.PurposeSignUp, "")
}

// createAccount creates the recipient once the code proves the number. A
// new account needs no further SMS verification for 180 days.
func (a *API) createAccount(ctx context.Context, req signUpRequest) (*pnpd.Recipient, error) {
	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return nil, err
	}

	name := strings.TrimSpace(req.DisplayName)
	if name == "" || len([]rune(name)) > 20 {
		return nil, &pnpd.Error{Code: pnpd.EInvalid, Field: "displayName",
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
	err = a.Codes.Check(ctx, e164, pnpd.PurposeSignUp, req.Code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			rec.CreatedAt, rec.SMSVerifiedAt = c.UsedAt, c.UsedAt
			return q.CreateRecipient(ctx, rec)
		})
	if err != nil {
		return nil, err
	}

	return rec, nil
}

func (a *API) sendLogInCode(ctx context.Context, p phoneRequest) (sms.Issued, error) {
	e164, err := a.normalize(p)
	if err != nil {
		return sms.Issued{}, err
	}

	rec, err := a.Store.RecipientByPhoneHash(ctx, pnpd.HashPhone(e164))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return sms.Issued{}, &pnpd.Error{Code: pnpd.ENotFound, Field: "phoneNumber",
			Message: "No account uses this phone number. Sign up instead."}
	}
	if err != nil {
		return sms.Issued{}, err
	}

	return a.Codes.Issue(ctx, e164, pnpd.PurposeLogIn, rec.ID)
}

// logInWithCode signs a recipient in by SMS code. It does not count as the
// SMS verification notifications wait for: that one the recipient gives on
// purpose, from the authentication screen.
func (a *API) logInWithCode(ctx context.Context, req logInRequest) (*pnpd.Recipient, error) {
	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return nil, err
	}

	var recipientID string
	err = a.Codes.Check(ctx, e164, pnpd.PurposeLogIn, req.Code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			recipientID = c.RecipientID
			return nil
		})
	if err != nil {
		return nil, err
	}

	return a.Store.Recipient(ctx, recipientID)
}

func (a *API) setConsent(ctx context.Context, rec *pnpd.Recipient,
	agree bool) (receiving.Result, error) {
	if agree {
		return a.Receiving.Agree(ctx, rec.ID)
	}

	return a.Receiving.Reject(ctx, rec.ID)
}

// sendVerificationCode sends a code to the registered number, for the SMS
// verification that held notifications wait for.
func (a *API) sendVerificationCode(ctx context.Context,
	rec *pnpd.Recipient) (sms.Issued, error) {
	return a.Codes.Issue(ctx, rec.PhoneNumber, pnpd.PurposeVerify, rec.ID)
}

func (a *API) verifyWithCode(ctx context.Context, rec *pnpd.Recipient,
	code string) (receiving.Result, error) {
	var res receiving.Result
	err := a.Codes.Check(ctx, rec.PhoneNumber, pnpd.PurposeVerify, code,
		func(q pnpd.Queries, _ *pnpd.SMSCode) error {
			var err error
			res, err = a.Receiving.Verified(ctx, q, rec.ID)

			return err
		})
	if err != nil {
		return res, err
	}

	a.Receiving.Committed(res, rec.ID)

	return res, nil
}

// sendPhoneChangeCode sends a code to the new number a recipient moves to.
func (a *API) sendPhoneChangeCode(ctx context.Context, rec *pnpd.Recipient,
	p phoneRequest) (sms.Issued, error) {
	e164, err := a.normalize(p)
	if err != nil {
		return sms.Issued{}, err
	}

	if err := a.numberFree(ctx, rec, e164); err != nil {
		return sms.Issued{}, err
	}

	return a.Codes.Issue(ctx, e164, pnpd.PurposeChangeNumber, rec.ID)
}

func (a *API) numberFree(ctx context.Context, rec *pnpd.Recipient, e164 string) error {
	other, err := a.Store.RecipientByPhoneHash(ctx, pnpd.HashPhone(e164))
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

func (a *API) changePhoneWithCode(ctx context.Context, rec *pnpd.Recipient,
	req logInRequest) (receiving.Result, error) {
	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return receiving.Result{}, err
	}

	var res receiving.Result
	err = a.Codes.Check(ctx, e164, pnpd.PurposeChangeNumber, req.Code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			if c.RecipientID != rec.ID {
				return pnpd.Errorf(pnpd.EInvalid, "This code was sent for another account.")
			}

			var err error
			res, err = a.Receiving.ChangeNumber(ctx, q, rec.ID, e164)

			return err
		})
	if err != nil {
		return res, err
	}

	a.Receiving.Committed(res, rec.ID)

	return res, nil
}

// writeIssued answers a code request.
func writeIssued(w http.ResponseWriter, issued sms.Issued, err error) error {
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, issued)

	return nil
}
