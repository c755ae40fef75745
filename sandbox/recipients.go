package sandbox

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/account"
)

// registerRecipients adds the endpoints that create recipients and act as
// them, and the magic numbers' table.
func (a *API) registerRecipients(route routeFunc) {
	// The sandbox acts for recipients as the web messenger does.
	a.accounts = &account.Service{Store: a.Store, Receiving: a.Receiving, Codes: a.Codes}

	route("POST /sandbox/v1/recipients", a.createRecipient)
	route("GET /sandbox/v1/recipients", a.findRecipients)
	route("GET /sandbox/v1/recipients/{userID}", a.asRecipient(a.showRecipient))
	a.registerActions(route)
	route("GET /sandbox/v1/sms/code", a.smsCode)
	route("GET /sandbox/v1/magic-numbers", a.magicNumbers)
}

// recipientView is a recipient as the sandbox shows it: the phone number
// masked, with the hash a business sends to it.
type recipientView struct {
	UserID                  string       `json:"userId"`
	DisplayName             string       `json:"displayName"`
	MaskedPhoneNumber       string       `json:"maskedPhoneNumber"`
	PhoneHash               string       `json:"phoneHash"`
	Language                string       `json:"language"`
	Consent                 pnpd.Consent `json:"consent"`
	PrivacyPolicyAgreed     bool         `json:"privacyPolicyAgreed"`
	CreatedAt               time.Time    `json:"createdAt"`
	PhoneNumberChangedAt    time.Time    `json:"phoneNumberChangedAt,omitzero"`
	LastSMSVerifiedAt       time.Time    `json:"lastSmsVerifiedAt,omitzero"`
	SMSVerificationRequired bool         `json:"smsVerificationRequired"`
	BlockedChannels         []string     `json:"blockedChannels"`
	// HeldNotifications counts what waits for the recipient and has not
	// expired, even if the expiry sweep has not marked it yet.
	HeldNotifications int  `json:"heldNotifications"`
	Magic             bool `json:"magic"`
}

func (a *API) view(ctx context.Context, rec *pnpd.Recipient) (*recipientView, error) {
	blocked, err := a.Store.BlockedChannels(ctx, rec.ID)
	if err != nil {
		return nil, err
	}

	held, err := a.Store.HeldNotifications(ctx, rec.ID)
	if err != nil {
		return nil, err
	}

	now := a.Clock.Now()
	v := &recipientView{
		UserID: rec.ID, DisplayName: rec.DisplayName,
		MaskedPhoneNumber: pnpd.MaskPhone(rec.PhoneNumber), PhoneHash: rec.PhoneHash,
		Language: rec.Language, Consent: rec.Consent,
		PrivacyPolicyAgreed: rec.PrivacyPolicyAgreed, CreatedAt: rec.CreatedAt.UTC(),
		PhoneNumberChangedAt:    rec.PhoneChangedAt.UTC(),
		LastSMSVerifiedAt:       rec.SMSVerifiedAt.UTC(),
		SMSVerificationRequired: a.Receiving.Rules.SMSNeeded(rec, now),
		BlockedChannels:         append([]string{}, blocked...),
		Magic:                   IsMagicNumber(rec.PhoneNumber),
	}
	for _, n := range held {
		if now.Before(n.ExpiresAt) {
			v.HeldNotifications++
		}
	}

	return v, nil
}

// recipientHandler answers a request about the recipient its path names.
type recipientHandler func(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error

// asRecipient loads the recipient the path's user ID names: 404 when none
// has it.
func (a *API) asRecipient(h recipientHandler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		rec, err := a.Store.Recipient(r.Context(), r.PathValue("userID"))
		if pnpd.ErrorCode(err) == pnpd.ENotFound {
			return pnpd.Errorf(pnpd.ENotFound, "No recipient has this user ID.")
		}
		if err != nil {
			return err
		}

		return h(w, r, rec)
	}
}

func (a *API) showRecipient(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	v, err := a.view(r.Context(), rec)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, v)

	return nil
}

var phoneHashPattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// findRecipients is GET /recipients?phoneHash=: the recipient a business
// reaches with the hash, in a list of zero or one.
func (a *API) findRecipients(w http.ResponseWriter, r *http.Request) error {
	hash := r.URL.Query().Get("phoneHash")
	if !phoneHashPattern.MatchString(hash) {
		return pnpd.Errorf(pnpd.EInvalid,
			"Give phoneHash, the SHA-256 in hex of a phone number in E.164.")
	}

	out := []*recipientView{}
	rec, err := a.Store.RecipientByPhoneHash(r.Context(), strings.ToLower(hash))
	switch {
	case pnpd.ErrorCode(err) == pnpd.ENotFound:
	case err != nil:
		return err
	default:
		v, err := a.view(r.Context(), rec)
		if err != nil {
			return err
		}
		out = append(out, v)
	}

	writeJSON(w, http.StatusOK, map[string]any{"recipients": out})

	return nil
}

// codePattern finds the verification code in an SMS's text.
var codePattern = regexp.MustCompile(`\b[0-9]{6}\b`)

// smsCode is GET /sms/code?phoneNumber=: the code in the newest SMS with
// one sent to the number, so that a test can enter it.
func (a *API) smsCode(w http.ResponseWriter, r *http.Request) error {
	query := r.URL.Query()
	phone, err := a.normalizePhone(query.Get("phoneNumber"), query.Get("country"))
	if err != nil {
		return err
	}

	msgs, err := a.Store.Outbox(r.Context(), phone, 100)
	if err != nil {
		return err
	}

	for _, m := range msgs {
		if code := codePattern.FindString(m.Text); code != "" {
			writeJSON(w, http.StatusOK, map[string]any{"code": code,
				"maskedPhoneNumber": pnpd.MaskPhone(m.PhoneNumber), "text": m.Text,
				"createdAt": m.CreatedAt.UTC()})
			return nil
		}
	}

	return pnpd.Errorf(pnpd.ENotFound, "No SMS with a code was sent to this number.")
}
