package sandbox

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/messenger"
)

// recipientSpec describes a recipient to create in any state of the
// receiving flow. Every field but PhoneNumber may be left out.
type recipientSpec struct {
	PhoneNumber         string  `json:"phoneNumber"`
	Country             string  `json:"country"`
	DisplayName         *string `json:"displayName"`
	Language            *string `json:"language"`
	Consent             *string `json:"consent"`
	PrivacyPolicyAgreed *bool   `json:"privacyPolicyAgreed"`
	// The times are RFC 3339 strings, read here so that a bad one is named.
	CreatedAt            *string  `json:"createdAt"`
	PhoneNumberChangedAt *string  `json:"phoneNumberChangedAt"`
	LastSMSVerifiedAt    *string  `json:"lastSmsVerifiedAt"`
	BlockedChannels      []string `json:"blockedChannels"`
}

// createRecipient is POST /recipients.
func (a *API) createRecipient(w http.ResponseWriter, r *http.Request) error {
	var spec recipientSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}

	spec.Country = cmp.Or(strings.TrimSpace(spec.Country), a.DefaultCountry)
	rec, err := spec.recipient(a.Clock.Now())
	if err != nil {
		return err
	}

	err = a.Store.Update(r.Context(), func(q pnpd.Queries) error {
		return saveRecipient(r.Context(), q, rec, spec.BlockedChannels)
	})
	if err != nil {
		return err
	}

	v, err := a.view(r.Context(), rec)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusCreated, v)

	return nil
}

// saveRecipient saves the recipient with its blocks, unless an account has
// the number already or a blocked channel does not exist.
func saveRecipient(ctx context.Context, q pnpd.Queries, rec *pnpd.Recipient,
	blocked []string) error {
	_, err := q.RecipientByPhoneHash(ctx, rec.PhoneHash)
	switch {
	case err == nil:
		return pnpd.Errorf(pnpd.EConflict, "An account uses this phone number already.")
	case pnpd.ErrorCode(err) != pnpd.ENotFound:
		return err
	}

	if err := q.CreateRecipient(ctx, rec); err != nil {
		return err
	}

	for _, id := range blocked {
		if _, err := q.Channel(ctx, id); pnpd.ErrorCode(err) == pnpd.ENotFound {
			return pnpd.Errorf(pnpd.EInvalid,
				"blockedChannels names a channel that does not exist.")
		} else if err != nil {
			return err
		}

		if err := q.SetBlocked(ctx, rec.ID, id, true); err != nil {
			return err
		}
	}

	return nil
}

// recipient checks the spec and returns the recipient it describes, with
// the defaults filled in: created now, verified by SMS on creation (as
// signing up proves the number), consent and privacy policy agreed.
func (s *recipientSpec) recipient(now time.Time) (*pnpd.Recipient, error) {
	e164, err := pnpd.NormalizePhone(s.PhoneNumber, s.Country)
	if err != nil {
		return nil, err
	}

	if IsMagicNumber(e164) {
		return nil, errMagicTaken
	}

	rec := &pnpd.Recipient{ID: pnpd.NewUserID(), PhoneNumber: e164,
		PhoneHash: pnpd.HashPhone(e164)}
	if err := s.profile(rec); err != nil {
		return nil, err
	}

	if err := s.consent(rec); err != nil {
		return nil, err
	}

	if err := s.times(rec, now.Truncate(time.Millisecond)); err != nil {
		return nil, err
	}

	return rec, nil
}

func (s *recipientSpec) profile(rec *pnpd.Recipient) error {
	rec.DisplayName = strings.TrimSpace(orDefault(s.DisplayName, "Recipient"))
	if !pnpd.ValidDisplayName(rec.DisplayName) {
		return pnpd.Errorf(pnpd.EInvalid, "Give displayName 1 to 20 printable characters.")
	}

	// The messenger's languages are the ones its notices can be shown in.
	var codes []string
	for _, l := range messenger.Languages {
		codes = append(codes, l.Code)
	}
	rec.Language = orDefault(s.Language, "en")
	if !slices.Contains(codes, rec.Language) {
		return pnpd.Errorf(pnpd.EInvalid, "language must be one of %s.",
			strings.Join(codes, ", "))
	}

	return nil
}

func (s *recipientSpec) consent(rec *pnpd.Recipient) error {
	rec.Consent = pnpd.Consent(orDefault(s.Consent, string(pnpd.ConsentAgreed)))
	switch rec.Consent {
	case pnpd.ConsentNotSet, pnpd.ConsentAgreed, pnpd.ConsentRejected:
	default:
		return pnpd.Errorf(pnpd.EInvalid, "consent must be not_set, agreed or rejected.")
	}

	rec.PrivacyPolicyAgreed = s.PrivacyPolicyAgreed == nil || *s.PrivacyPolicyAgreed

	return nil
}

// times reads the three times: none after now, and neither the change of
// number nor the verification before the account was created.
func (s *recipientSpec) times(rec *pnpd.Recipient, now time.Time) error {
	var err error
	if rec.CreatedAt, err = readTime("createdAt", s.CreatedAt, now, now); err != nil {
		return err
	}

	if rec.PhoneChangedAt, err = readTime("phoneNumberChangedAt", s.PhoneNumberChangedAt,
		time.Time{}, now); err != nil {
		return err
	}

	if rec.SMSVerifiedAt, err = readTime("lastSmsVerifiedAt", s.LastSMSVerifiedAt,
		rec.CreatedAt, now); err != nil {
		return err
	}

	for _, t := range []time.Time{rec.PhoneChangedAt, rec.SMSVerifiedAt} {
		if !t.IsZero() && t.Before(rec.CreatedAt) {
			return pnpd.Errorf(pnpd.EInvalid, "phoneNumberChangedAt and lastSmsVerifiedAt "+
				"may not be before createdAt.")
		}
	}

	return nil
}

// readTime reads an RFC 3339 time, def when it is absent or null; the
// store keeps milliseconds.
func readTime(name string, raw *string, def, now time.Time) (time.Time, error) {
	if raw == nil {
		return def, nil
	}

	t, err := time.Parse(time.RFC3339Nano, *raw)
	switch {
	case err != nil:
		return time.Time{}, pnpd.Errorf(pnpd.EInvalid,
			"%s must be an RFC 3339 time, such as 2026-01-01T00:00:00Z.", name)
	case t.After(now):
		return time.Time{}, pnpd.Errorf(pnpd.EInvalid,
			"%s is in the future of the sandbox clock.", name)
	}

	return t.UTC().Truncate(time.Millisecond), nil
}

func orDefault(v *string, def string) string {
	if v == nil {
		return def
	}

	return *v
}
