package messenger

import (
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/messenger/render"
)

// The web messenger's pages and assets, embedded: no build step.
//
//go:embed templates/*.html static/*
var webFiles embed.FS

// page is what every template gets.
type page struct {
	Lang    string
	Title   string // a catalogue key
	Name    string // a title that is a name, shown as is instead of Title
	Back    string // the back link, when the page has one
	Rec     *pnpd.Recipient
	Err     error  // shown in the page's language
	Error   string // set from Err
	Notice  string
	Sandbox bool
	Data    any
}

// T translates a catalogue key into the page's language.
func (p *page) T(key string, args ...any) string {
	return T(p.Lang, key, args...)
}

// Render renders a message object as a chat bubble's HTML.
func (p *page) Render(raw json.RawMessage) template.HTML {
	return render.Message(raw, Words(p.Lang))
}

// RenderFrom renders a message object from a named channel as a chat
// bubble's HTML.
func (p *page) RenderFrom(raw json.RawMessage, channel string) template.HTML {
	return render.MessageFrom(raw, channel, Words(p.Lang))
}

// Words are the renderer's words in a language.
func Words(lang string) render.Text {
	return func(key string) string { return T(lang, "render."+key) }
}

// Languages lists the languages for the settings menu.
func (p *page) Languages() any { return Languages }

// Countries lists the countries whose national formats the phone fields read.
func (p *page) Countries() []struct{ Code, Calling string } {
	return []struct{ Code, Calling string }{{"JP", "81"}, {"TH", "66"}, {"TW", "886"}}
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"clock": func(t time.Time) string { return t.In(jst).Format("15:04") },
		"date":  func(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04") },
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"initial": func(s string) string {
			for _, r := range s {
				return string(r)
			}
			return "?"
		},
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).
		ParseFS(webFiles, "templates/layout.html", "templates/parts.html"))

	pages := map[string]*template.Template{}
	names, _ := fs.Glob(webFiles, "templates/*.html")
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(webFiles, name))
	}

	return pages
}

// jst is the time zone pages are rendered in; the page's script then shows
// each time in the browser's own zone.
var jst = time.FixedZone("JST", 9*60*60)

// show renders a page with the layout.
func (a *API) show(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.Lang == "" {
		p.Lang = pageLanguage(r, p.Rec)
	}
	if p.Err != nil {
		p.Error = localError(p.Lang, p.Err)
	}
	p.Sandbox = a.Sandbox

	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "+
		"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := a.pages[name].ExecuteTemplate(w, "layout.html", p); err != nil {
		a.Log.ErrorContext(r.Context(), "Page failed", "page", name, "error", err)
	}
}

// pageLanguage is the recipient's language, or the browser's first one
// that pnpd speaks.
func pageLanguage(r *http.Request, rec *pnpd.Recipient) string {
	if rec != nil {
		return language(rec.Language)
	}

	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch {
		case tag == "zh-TW" || tag == "zh-Hant":
			return "zh-TW"
		case len(tag) >= 2 && language(tag[:2]) == tag[:2]:
			return tag[:2]
		}
	}

	return "en"
}

// webPage is a page handler for a signed-in recipient.
type webPage func(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error

// signedIn runs h for a signed-in recipient and sends anyone else to the
// log-in page.
func (a *API) signedIn(h webPage) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		rec, err := a.sessionRecipient(r)
		if pnpd.ErrorCode(err) == pnpd.EUnauthorized {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}

		return h(w, r, rec)
	}
}

// webError shows an unexpected error as a page.
func (a *API) webError(w http.ResponseWriter, r *http.Request, err error) {
	status, ok := statusOf[pnpd.ErrorCode(err)]
	if !ok {
		status = http.StatusInternalServerError
		a.Log.ErrorContext(r.Context(), "Page failed", "path", r.URL.Path, "error", err)
	}

	// The page shows the person's tabs and language when it can; a store
	// that fails leaves them out, and the cookie as it is.
	rec, _ := a.sessionRecipient(r)
	a.show(w, r, status, "error.html", &page{Title: "error.title", Rec: rec, Err: err})
}

// maxFormBytes caps a page's request body.
const maxFormBytes = 64 << 10

func (a *API) serveWeb(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The pages' forms hold a few short fields.
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := h(w, r); err != nil {
			a.webError(w, r, err)
		}
	})
}

func (a *API) registerWeb(mux *http.ServeMux, csrf *http.CrossOriginProtection) {
	a.pages = parseTemplates()
	route := func(pattern string, h handler) {
		mux.Handle(pattern, csrf.Handler(a.serveWeb(h)))
	}
	code := func(h handler) handler { return a.limited(a.codeLimit, h) }
	try := func(h handler) handler { return a.limited(a.tryLimit, h) }

	route("GET /{$}", a.home)
	route("GET /login", a.logInPage)
	route("POST /login", code(a.logInSend))
	route("GET /login/code", a.codePage("login"))
	route("POST /login/verify", try(a.logInVerify))
	route("GET /signup", a.signUpPage)
	route("POST /signup", code(a.signUpSend))
	route("GET /signup/code", a.codePage("signup"))
	route("POST /signup/verify", try(a.signUpVerify))
	route("POST /logout", a.logOutPage)
	route("GET /chats", a.signedIn(a.chatListPage))
	route("GET /chats/{chatID}", a.signedIn(a.chatPage))
	route("POST /chats/{chatID}/block", a.signedIn(a.blockPage))
	route("POST /chats/{chatID}/friend", a.signedIn(a.friendPage))
	route("GET /consent", a.signedIn(a.consentPage))
	route("POST /consent", a.signedIn(a.consentSave))
	route("GET /verify", a.signedIn(a.verifyPage))
	route("POST /verify/send", code(a.signedIn(a.verifySend)))
	route("GET /verify/code", a.signedIn(a.verifyCodePage))
	route("POST /verify/code", try(a.signedIn(a.verifyCode)))
	route("GET /settings", a.signedIn(a.settingsPage))
	route("POST /settings/notifications", a.signedIn(a.settingsNotifications))
	route("POST /settings/language", a.signedIn(a.settingsLanguage))
	route("POST /settings/privacy", a.signedIn(a.settingsPrivacy))
	route("GET /settings/phone", a.signedIn(a.phonePage))
	route("POST /settings/phone", code(a.signedIn(a.phoneSend)))
	route("GET /settings/phone/code", a.signedIn(func(w http.ResponseWriter,
		r *http.Request, _ *pnpd.Recipient) error {
		return a.codePage("phone")(w, r)
	}))
	route("POST /settings/phone/verify", try(a.signedIn(a.phoneVerify)))
	route("GET /events", a.signedIn(a.events))
	if a.Sandbox {
		route("GET /sms", a.smsPage)
	}

	static, _ := fs.Sub(webFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /static/render.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(render.Stylesheet)
	})
}

// home sends a signed-in person to the chats and anyone else to log in. A
// store that fails is an error page, not a log-out: the session may well
// be alive, and the person would only have to log in again.
func (a *API) home(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.visitor(r)
	if err != nil {
		return err
	}

	to := "/login"
	if rec != nil {
		to = "/chats"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)

	return nil
}

// visitor is the signed-in recipient, or nil for someone not signed in, for
// a page anyone may see; an error only when the session cannot be checked.
func (a *API) visitor(r *http.Request) (*pnpd.Recipient, error) {
	rec, err := a.sessionRecipient(r)
	if pnpd.ErrorCode(err) == pnpd.EUnauthorized {
		return nil, nil
	}

	return rec, err
}
