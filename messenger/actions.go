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
	if _, err := a.accounts.AgreePrivacyPolicy(r.Context(), rec); err != nil {
		return err
	}

	w.WriteHeader(http.StatusNoContent)

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
	res, err := a.accounts.SetBlocked(r.Context(), rec, r.PathValue("channelID"), blocked)
	if err != nil {
		return err
	}

	writeResult(w, res)

	return nil
}
