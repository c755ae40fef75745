package messenger

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sms"
)

// phoneForm is the two-step form of log-in, sign-up and number change:
// first the number, then the code sent to it.
type phoneForm struct {
	Kind        string // "login", "signup" or "phone"
	Action      string // where the first step posts
	Verify      string // where the code posts
	Submit      string // catalogue key of the final button
	Phone       string
	Country     string
	Name        string
	Privacy     bool
	Sent        *sms.Issued
	ResendAfter int64  // seconds until another code may be asked for
	E164        string // the number the code went to
}

func (a *API) phoneFormFrom(r *http.Request, kind string) *phoneForm {
	f := &phoneForm{Kind: kind, Phone: strings.TrimSpace(r.FormValue("phoneNumber")),
		Country: r.FormValue("country"), Name: r.FormValue("displayName"),
		Privacy: r.FormValue("agreePrivacyPolicy") != ""}
	if f.Country == "" {
		f.Country = a.DefaultCountry
	}

	switch kind {
	case "login":
		f.Action, f.Verify, f.Submit = "/login", "/login/verify", "login.submit"
	case "signup":
		f.Action, f.Verify, f.Submit = "/signup", "/signup/verify", "signup.submit"
	default:
		f.Action, f.Verify, f.Submit = "/settings/phone", "/settings/phone/verify",
			"phoneChange.submit"
	}

	return f
}

// formCookie keeps a two-step form's first step while its code is typed,
// so the code step is a page of its own (GET): the browser's Back and
// reload then work, with no form resubmitted.
const formCookie = "pnpd_form"

// rememberForm stores the first step and sends the browser to the code
// step.
func (a *API) rememberForm(w http.ResponseWriter, r *http.Request, f *phoneForm) {
	raw, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: formCookie,
		Value: base64.RawURLEncoding.EncodeToString(raw), Path: "/", MaxAge: 600,
		HttpOnly: true, Secure: pnpd.OverTLS(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, f.Action+"/code", http.StatusSeeOther)
}

// recallForm is the first step remembered for a form kind, or nil.
func (a *API) recallForm(r *http.Request, kind string) *phoneForm {
	c, err := r.Cookie(formCookie)
	if err != nil {
		return nil
	}

	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f phoneForm
	if err != nil || json.Unmarshal(raw, &f) != nil || f.Kind != kind || f.Sent == nil {
		return nil
	}

	return &f
}

func forgetForm(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// codePage shows a form's code step from the remembered first step.
func (a *API) codePage(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f := a.recallForm(r, kind)
		if f == nil {
			http.Redirect(w, r, a.phoneFormFrom(r, kind).Action, http.StatusSeeOther)
			return nil
		}

		f.ResendAfter = 0
		if last, err := a.Store.LatestSMSCode(r.Context(), f.E164, purposeOf[kind]); err == nil {
			wait := last.CreatedAt.Add(a.Codes.Limits.ResendAfter).Sub(a.Clock.Now())
			f.ResendAfter = max(0, int64(wait.Seconds()+0.5))
		}

		rec, err := a.visitor(r)
		if err != nil {
			return err
		}

		a.showPhoneForm(w, r, f, rec, nil)

		return nil
	}
}

var purposeOf = map[string]pnpd.SMSPurpose{
	"login": pnpd.PurposeLogIn, "signup": pnpd.PurposeSignUp, "phone": pnpd.PurposeChangeNumber,
}

func (f *phoneForm) request() phoneRequest {
	return phoneRequest{PhoneNumber: f.Phone, Country: f.Country}
}

// sent records the code that went out, for the code step.
func (a *API) sent(f *phoneForm, issued sms.Issued) {
	f.Sent = &issued
	f.E164, _ = a.normalize(f.request())
	f.ResendAfter = int64(issued.ResendAt.Sub(a.Clock.Now()).Seconds() + 0.5)
}

var phoneTitles = map[string]string{
	"login": "login.title", "signup": "signup.title", "phone": "phoneChange.title",
}

// showPhoneForm shows the form, with err (if any) as its error.
func (a *API) showPhoneForm(w http.ResponseWriter, r *http.Request, f *phoneForm,
	rec *pnpd.Recipient, err error) {
	p := &page{Title: phoneTitles[f.Kind], Rec: rec, Data: f}
	status := http.StatusOK
	if err != nil {
		p.Err = err
		status = http.StatusBadRequest
		if pnpd.ErrorCode(err) == pnpd.EInternal {
			status = http.StatusInternalServerError
		}
	}
	if f.Kind == "phone" {
		p.Back = "/settings"
	}

	a.show(w, r, status, "phone.html", p)
}

func (a *API) logInPage(w http.ResponseWriter, r *http.Request) error {
	a.showPhoneForm(w, r, a.phoneFormFrom(r, "login"), nil, nil)
	return nil
}

func (a *API) logInSend(w http.ResponseWriter, r *http.Request) error {
	f := a.phoneFormFrom(r, "login")
	issued, err := a.sendLogInCode(r.Context(), f.request())
	if err != nil {
		a.showPhoneForm(w, r, f, nil, err)
		return nil
	}

	a.sent(f, issued)
	a.rememberForm(w, r, f)

	return nil
}

func (a *API) logInVerify(w http.ResponseWriter, r *http.Request) error {
	f := a.phoneFormFrom(r, "login")
	rec, err := a.logInWithCode(r.Context(), logInRequest{f.request(), r.FormValue("code")})
	if err == nil {
		err = a.startSession(w, r, rec.ID)
	}
	if err != nil {
		f.Sent = &sms.Issued{MaskedNumber: r.FormValue("masked")}
		a.showPhoneForm(w, r, f, nil, err)
		return nil
	}

	forgetForm(w)
	http.Redirect(w, r, "/chats", http.StatusSeeOther)

	return nil
}

func (a *API) signUpPage(w http.ResponseWriter, r *http.Request) error {
	a.showPhoneForm(w, r, a.phoneFormFrom(r, "signup"), nil, nil)
	return nil
}

func (a *API) signUpSend(w http.ResponseWriter, r *http.Request) error {
	f := a.phoneFormFrom(r, "signup")
	// What the code step cannot change is checked before an SMS goes out.
	if err := checkSignUpForm(f); err != nil {
		a.showPhoneForm(w, r, f, nil, err)
		return nil
	}

	issued, err := a.sendSignUpCode(r.Context(), f.request())
	if err != nil {
		a.showPhoneForm(w, r, f, nil, err)
		return nil
	}

	a.sent(f, issued)
	a.rememberForm(w, r, f)

	return nil
}

func (a *API) signUpVerify(w http.ResponseWriter, r *http.Request) error {
	f := a.phoneFormFrom(r, "signup")
	rec, err := a.createAccount(r.Context(), signUpRequest{phoneRequest: f.request(),
		Code: r.FormValue("code"), DisplayName: f.Name, AgreePrivacyPolicy: f.Privacy,
		Language: pageLanguage(r, nil)})
	if err == nil {
		err = a.startSession(w, r, rec.ID)
	}
	if err != nil {
		f.Sent = &sms.Issued{MaskedNumber: r.FormValue("masked")}
		a.showPhoneForm(w, r, f, nil, err)
		return nil
	}

	forgetForm(w)
	http.Redirect(w, r, "/chats", http.StatusSeeOther)

	return nil
}

func checkSignUpForm(f *phoneForm) error {
	if !pnpd.ValidDisplayName(f.Name) {
		return &pnpd.Error{Code: pnpd.EInvalid, Field: "displayName",
			Message: "Enter a display name of 1 to 20 characters."}
	}
	if !f.Privacy {
		return &pnpd.Error{Code: pnpd.EInvalid, Field: "agreePrivacyPolicy",
			Message: "Agree to the privacy policy to create an account."}
	}

	return nil
}

func (a *API) logOutPage(w http.ResponseWriter, r *http.Request) error {
	if err := a.endSession(w, r); err != nil {
		return err
	}

	http.Redirect(w, r, "/login", http.StatusSeeOther)

	return nil
}

func (a *API) smsPage(w http.ResponseWriter, r *http.Request) error {
	msgs, err := a.Store.Outbox(r.Context(), "", 50)
	if err != nil {
		return err
	}

	type shown struct {
		pnpd.SMS
		Masked string
	}
	list := make([]shown, 0, len(msgs))
	for _, m := range msgs {
		list = append(list, shown{SMS: m, Masked: pnpd.MaskPhone(m.PhoneNumber)})
	}

	rec, err := a.visitor(r)
	if err != nil {
		return err
	}

	a.show(w, r, http.StatusOK, "sms.html", &page{Title: "sms.title", Rec: rec, Data: list})

	return nil
}
