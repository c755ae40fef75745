package messenger

import (
	"net/http"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sms"
)

func (a *API) consentPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	a.show(w, r, http.StatusOK, "consent.html", &page{Title: "consent.title",
		Back: "/chats/system", Rec: rec})

	return nil
}

// consentSave records the choice; agreeing when an SMS verification is due
// leads on to the authentication screen, as LINE's flow does.
func (a *API) consentSave(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	agree := r.FormValue("agree") == "true"
	res, err := a.accounts.SetConsent(r.Context(), rec, agree)
	if err != nil {
		return err
	}

	switch {
	case agree && res.SMSVerificationRequired:
		http.Redirect(w, r, "/verify", http.StatusSeeOther)
	case agree:
		http.Redirect(w, r, "/chats/system?done=agreed", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/chats/system?done=rejected", http.StatusSeeOther)
	}

	return nil
}

type verifyView struct {
	Masked      string
	Needed      bool
	ResendAfter int64
	Remaining   int
}

func (a *API) verifyView(r *http.Request, rec *pnpd.Recipient) *verifyView {
	v := &verifyView{Masked: pnpd.MaskPhone(rec.PhoneNumber),
		Needed: a.Receiving.Rules.SMSNeeded(rec, a.Clock.Now())}
	last, err := a.Store.LatestSMSCode(r.Context(), rec.PhoneNumber, pnpd.PurposeVerify)
	if err == nil {
		wait := last.CreatedAt.Add(a.Codes.Limits.ResendAfter).Sub(a.Clock.Now())
		v.ResendAfter = max(0, int64(wait.Seconds()+0.5))
	}

	return v
}

// verifyPage is the phone number authentication screen.
func (a *API) verifyPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	a.show(w, r, http.StatusOK, "verify.html", &page{Title: "verify.title",
		Back: "/chats/system", Rec: rec, Data: a.verifyView(r, rec)})

	return nil
}

func (a *API) verifySend(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	if _, err := a.accounts.SendVerificationCode(r.Context(), rec); err != nil {
		a.show(w, r, http.StatusBadRequest, "verify.html", &page{Title: "verify.title",
			Back: "/chats/system", Rec: rec, Data: a.verifyView(r, rec),
			Err: err})
		return nil
	}

	http.Redirect(w, r, "/verify/code", http.StatusSeeOther)

	return nil
}

func (a *API) verifyCodePage(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	a.show(w, r, http.StatusOK, "verify_code.html", &page{Title: "verify.title",
		Back: "/verify", Rec: rec, Data: a.verifyView(r, rec)})

	return nil
}

func (a *API) verifyCode(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	_, err := a.accounts.Verify(r.Context(), rec, r.FormValue("code"))
	if err != nil {
		a.show(w, r, http.StatusBadRequest, "verify_code.html", &page{Title: "verify.title",
			Back: "/verify", Rec: rec, Data: a.verifyView(r, rec),
			Err: err})
		return nil
	}

	http.Redirect(w, r, "/chats/system?done=verified", http.StatusSeeOther)

	return nil
}

type settingsView struct {
	Masked  string
	Agreed  bool
	Privacy bool
	Blocked []chatRow
}

func (a *API) settingsPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	blocked, err := a.Store.BlockedChannels(r.Context(), rec.ID)
	if err != nil {
		return err
	}

	names := channelNames{store: a.Store}
	v := &settingsView{Masked: pnpd.MaskPhone(rec.PhoneNumber),
		Agreed: rec.Consent == pnpd.ConsentAgreed, Privacy: rec.PrivacyPolicyAgreed}
	for _, id := range blocked {
		v.Blocked = append(v.Blocked, chatRow{ChatID: id, Name: names.chatName(r, id)})
	}

	a.show(w, r, http.StatusOK, "settings.html", &page{Title: "settings.title",
		Back: "/chats", Rec: rec, Data: v, Notice: a.flash(r)})

	return nil
}

func (a *API) settingsNotifications(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	agree := r.FormValue("enabled") == "on"
	res, err := a.accounts.SetConsent(r.Context(), rec, agree)
	if err != nil {
		return err
	}

	if agree && res.SMSVerificationRequired && res.Delivered == 0 {
		http.Redirect(w, r, "/verify", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)

	return nil
}

func (a *API) settingsPrivacy(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	if _, err := a.accounts.AgreePrivacyPolicy(r.Context(), rec); err != nil {
		return err
	}

	http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)

	return nil
}

func (a *API) settingsLanguage(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	rec.Language = language(r.FormValue("language"))
	if err := a.Store.UpdateRecipient(r.Context(), rec); err != nil {
		return err
	}

	http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)

	return nil
}

func (a *API) phonePage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	a.showPhoneForm(w, r, a.phoneFormFrom(r, "phone"), rec, nil)
	return nil
}

func (a *API) phoneSend(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	f := a.phoneFormFrom(r, "phone")
	issued, err := a.sendPhoneChangeCode(r.Context(), rec, f.request())
	if err != nil {
		a.showPhoneForm(w, r, f, rec, err)
		return nil
	}

	a.sent(f, issued)
	a.rememberForm(w, r, f)

	return nil
}

func (a *API) phoneVerify(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	f := a.phoneFormFrom(r, "phone")
	_, err := a.changePhoneWithCode(r.Context(), rec,
		logInRequest{f.request(), r.FormValue("code")})
	if err != nil {
		f.Sent = &sms.Issued{MaskedNumber: r.FormValue("masked")}
		a.showPhoneForm(w, r, f, rec, err)
		return nil
	}

	forgetForm(w)
	http.Redirect(w, r, "/chats/system?done=changed", http.StatusSeeOther)

	return nil
}
