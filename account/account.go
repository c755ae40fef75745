// Package account carries out what a recipient does to their own account
// in the receiving flow: consent, the privacy policy, SMS verification, a
// change of phone number and blocks. The web messenger and the sandbox API
// both act for recipients through it, so that they behave alike.
package account

import (
	"context"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// Service carries out a recipient's actions. Phone numbers it takes are
// E.164: reading what a person typed is the caller's part.
type Service struct {
	Store     pnpd.Store
	Receiving *receiving.Service
	Codes     *sms.Codes
}

// SetConsent records that the recipient agrees or rejects; consent never
// returns to "not set".
func (s *Service) SetConsent(ctx context.Context, rec *pnpd.Recipient,
	agree bool) (receiving.Result, error) {
	if agree {
		return s.Receiving.Agree(ctx, rec.ID)
	}

	return s.Receiving.Reject(ctx, rec.ID)
}

// AgreePrivacyPolicy records that the recipient agreed to the privacy
// policy.
func (s *Service) AgreePrivacyPolicy(ctx context.Context,
	rec *pnpd.Recipient) (receiving.Result, error) {
	return s.Receiving.AgreePrivacyPolicy(ctx, rec.ID)
}

// SetBlocked blocks or unblocks a channel for the recipient.
func (s *Service) SetBlocked(ctx context.Context, rec *pnpd.Recipient, channelID string,
	blocked bool) (receiving.Result, error) {
	return s.Receiving.SetBlocked(ctx, rec.ID, channelID, blocked)
}

// SendVerificationCode sends a code to the registered number, for the SMS
// verification that held notifications wait for.
func (s *Service) SendVerificationCode(ctx context.Context,
	rec *pnpd.Recipient) (sms.Issued, error) {
	// A recipient no action may change gets no code it could not use.
	if err := s.Receiving.CheckReserved(rec.PhoneNumber); err != nil {
		return sms.Issued{}, err
	}

	return s.Codes.Issue(ctx, rec.PhoneNumber, pnpd.PurposeVerify, rec.ID)
}

// Verify checks the verification code and, in the same transaction,
// releases what waited for it.
func (s *Service) Verify(ctx context.Context, rec *pnpd.Recipient,
	code string) (receiving.Result, error) {
	// Said before the code is looked at: no code could change the answer.
	if err := s.Receiving.CheckReserved(rec.PhoneNumber); err != nil {
		return receiving.Result{}, err
	}

	var res receiving.Result
	err := s.Codes.Check(ctx, rec.PhoneNumber, pnpd.PurposeVerify, code,
		func(q pnpd.Queries, _ *pnpd.SMSCode) error {
			var err error
			res, err = s.Receiving.Verified(ctx, q, rec.ID)

			return err
		})
	if err != nil {
		return res, err
	}

	s.Receiving.Committed(res, rec.ID)

	return res, nil
}

// SendPhoneChangeCode sends a code to the new number a recipient moves to,
// once it is sure that no other account has it.
func (s *Service) SendPhoneChangeCode(ctx context.Context, rec *pnpd.Recipient,
	e164 string) (sms.Issued, error) {
	if err := s.Receiving.CheckReserved(rec.PhoneNumber); err != nil {
		return sms.Issued{}, err
	}

	if err := s.NumberFree(ctx, rec, e164); err != nil {
		return sms.Issued{}, err
	}

	return s.Codes.Issue(ctx, e164, pnpd.PurposeChangeNumber, rec.ID)
}

// NumberFree returns nil when the recipient may move to the number: no
// account, the recipient's own included, has it, and it is not reserved.
func (s *Service) NumberFree(ctx context.Context, rec *pnpd.Recipient, e164 string) error {
	if err := s.Receiving.CheckReserved(e164); err != nil {
		return err
	}

	other, err := s.Store.RecipientByPhoneHash(ctx, pnpd.HashPhone(e164))
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

// ChangeNumber checks the code sent to the new number and, in the same
// transaction, moves the recipient to it, dropping what was held for the
// old one.
func (s *Service) ChangeNumber(ctx context.Context, rec *pnpd.Recipient, e164,
	code string) (receiving.Result, error) {
	if err := s.Receiving.CheckReserved(rec.PhoneNumber); err != nil {
		return receiving.Result{}, err
	}

	var res receiving.Result
	err := s.Codes.Check(ctx, e164, pnpd.PurposeChangeNumber, code,
		func(q pnpd.Queries, c *pnpd.SMSCode) error {
			if c.RecipientID != rec.ID {
				return pnpd.Errorf(pnpd.EInvalid, "This code was sent for another account.")
			}

			var err error
			res, err = s.Receiving.ChangeNumber(ctx, q, rec.ID, e164)

			return err
		})
	if err != nil {
		return res, err
	}

	s.Receiving.Committed(res, rec.ID)

	return res, nil
}
