package messenger

import (
	"context"
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// The recipient's operations, shared by the JSON API and the web pages;
// the actions of the receiving flow are package account's.

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

	if err := a.Receiving.CheckReserved(e164); err != nil {
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

	// A code sent before the number was reserved does not take it either.
	if err := a.Receiving.CheckReserved(e164); err != nil {
		return nil, err
	}

	name := strings.TrimSpace(req.DisplayName)
	if !pnpd.ValidDisplayName(name) {
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

// sendPhoneChangeCode sends a code to the new number a recipient moves to.
func (a *API) sendPhoneChangeCode(ctx context.Context, rec *pnpd.Recipient,
	p phoneRequest) (sms.Issued, error) {
	e164, err := a.normalize(p)
	if err != nil {
		return sms.Issued{}, err
	}

	return a.accounts.SendPhoneChangeCode(ctx, rec, e164)
}

func (a *API) changePhoneWithCode(ctx context.Context, rec *pnpd.Recipient,
	req logInRequest) (receiving.Result, error) {
	e164, err := a.normalize(req.phoneRequest)
	if err != nil {
		return receiving.Result{}, err
	}

	return a.accounts.ChangeNumber(ctx, rec, e164, req.Code)
}

// writeIssued answers a code request.
func writeIssued(w http.ResponseWriter, issued sms.Issued, err error) error {
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, issued)

	return nil
}
