// Package console serves the operator console at /console: operators log
// in and manage providers, their channels (official accounts), the
// channels' secrets, access tokens and webhooks, and send test
// notifications. Its pages are rendered on the server with html/template;
// templates and styles are embedded, and no page needs a script.
package console

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/webhook"
)

// The console's pages and assets, embedded: no build step.
//
//go:embed templates/*.html static/*
var files embed.FS

// Console serves the operator console.
type Console struct {
	Store     pnpd.Store
	Receiving *receiving.Service
	Clock     pnpd.Clock
	Log       *slog.Logger
	// Hasher hashes new passwords; RecommendedHasher when zero.
	Hasher Hasher
	// Countries are the countries a channel may be in: the service
	// countries.
	Countries []string
	// Webhooks sends the webhook test; a default Sender when nil.
	Webhooks *webhook.Sender
	// SessionIdle is how long a log-in lasts unused; 12 hours when zero.
	SessionIdle time.Duration
	// Sandbox marks the pages as the sandbox's.
	Sandbox bool
	// PasswordChecks is how many password hashes the console computes at
	// once, 64 MiB each with the recommended hasher; 4 when zero. Log-ins
	// beyond wait their turn.
	PasswordChecks int

	pages map[string]*template.Template
	// clientTries and userTries count log-in tries per client address and
	// per operator.
	clientTries, userTries *throttle
	// slots holds a token for each password hash being computed.
	slots chan struct{}
	// dummyHash is verified against when the username is unknown, so that
	// an unknown name takes as long to refuse as a wrong password.
	dummyHash string
}

// handler answers a request or returns an error for fail.
type handler func(w http.ResponseWriter, r *http.Request) error

// Register adds the console's routes to mux. Every route is in the one
// table below: route for the pages of a signed-in operator, public for
// the few that anyone may see.
func (c *Console) Register(mux *http.ServeMux) {
	c.pages = parseTemplates()
	c.clientTries = newThrottle(clientTries, throttleKeys, time.Now)
	c.userTries = newThrottle(userTries, throttleKeys, time.Now)
	c.slots = make(chan struct{}, max(1, cmp.Or(c.PasswordChecks, passwordChecks)))
	if c.Hasher == (Hasher{}) {
		c.Hasher = RecommendedHasher()
	}
	c.dummyHash = c.Hasher.dummy()

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, pnpd.Errorf(pnpd.EForbidden,
			"Requests from another site may not change anything here."))
	}))
	public := func(pattern string, h handler) {
		mux.Handle(pattern, csrf.Handler(c.serve(h)))
	}
	route := func(pattern string, h handler) { public(pattern, c.signedIn(h)) }

	mux.Handle("GET /console/static/{name...}", c.serveStatic())
	public("GET /console/login", c.logInPage)
	public("POST /console/login", c.logIn)
	route("POST /console/logout", c.logOut)
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	route("GET /console/{$}", c.home)
	route("POST /console/providers", c.createProvider)
	route("POST /console/providers/{providerID}/name", c.renameProvider)
	route("POST /console/providers/{providerID}/delete", c.deleteProvider)
	route("GET /console/providers/{providerID}/channels/new", c.newChannelPage)
	route("POST /console/providers/{providerID}/channels", c.createChannel)
	route("GET /console/channels/{channelID}", c.channelPage)
	route("POST /console/channels/{channelID}", c.saveChannel)
	route("GET /console/channels/{channelID}/icon", c.channelIcon)
	route("POST /console/channels/{channelID}/verify", c.verifyWebhook)
	route("POST /console/channels/{channelID}/secret", c.reissueSecret)
	route("POST /console/channels/{channelID}/token", c.issueToken)
	route("POST /console/channels/{channelID}/test", c.sendTest)
	route("POST /console/channels/{channelID}/keys", c.registerKey)
	route("POST /console/channels/{channelID}/keys/{kid}/delete", c.deleteKey)
	route("GET /console/notifications", c.notificationsPage)
	route("GET /console/notifications/{requestID}", c.tracePage)
	route("GET /console/statistics", c.statisticsPage)
	route("GET /console/operators", c.operatorsPage)
	route("POST /console/operators", c.addOperator)
	route("POST /console/operators/password", c.changePassword)
}

// serve runs h with the headers every console page has and hands its
// error to fail.
func (c *Console) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An operator's pages show secrets and tokens: no cache keeps them.
		w.Header().Set("Cache-Control", "no-store")
		securityHeaders(w.Header())
		if err := h(w, r); err != nil {
			c.fail(w, r, err)
		}
	})
}

// securityHeaders keeps the console's pages and files from running
// another site's code, from being framed and from being read as another
// type than they are.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; "+
		"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// serveStatic serves the console's styles and icon with the security
// headers: files only, never a listing of their folder. They hold no
// secret, so unlike the pages they are not marked no-store.
func (c *Console) serveStatic() http.Handler {
	static, _ := fs.Sub(files, "static")

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		name := r.PathValue("name")
		// Stat refuses "" and "dir/", and tells a folder named without its
		// slash, which ServeFileFS would list.
		info, err := fs.Stat(static, name)
		if err != nil || info.IsDir() {
			c.fail(w, r, pnpd.Errorf(pnpd.ENotFound, "There is no such file."))
			return
		}

		http.ServeFileFS(w, r, static, name)
	})
}

// page is what every template gets: the operator, the form token, a
// notice and the page's own data.
type page struct {
	Title    string
	Operator *pnpd.Operator
	CSRF     string
	Notice   string
	Error    string
	Sandbox  bool
	Data     any
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"at":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") },
		"since": since,
		"state": func(s pnpd.NotificationState) string { return stateLabels[s] },
		"ms":    func(d time.Duration) int64 { return d.Milliseconds() },
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).
		ParseFS(files, "templates/layout.html"))

	pages := map[string]*template.Template{}
	names, _ := fs.Glob(files, "templates/*.html")
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base != "layout.html" {
			pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(files, name))
		}
	}

	return pages
}

// render writes a page with the layout. data is the page's own data, or a
// *page when the handler sets the title or a notice itself.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string,
	data any) {
	p, ok := data.(*page)
	if !ok {
		p = &page{Data: data}
	}
	if s := sessionOf(r); s != nil {
		p.Operator, p.CSRF = s.operator, s.csrf
	}
	p.Sandbox = c.Sandbox

	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.pages[name].ExecuteTemplate(w, "layout.html", p); err != nil {
		c.Log.ErrorContext(r.Context(), "Console page failed", "page", name, "error", err)
	}
}

var statusOf = map[pnpd.Code]int{
	pnpd.EInvalid:      http.StatusBadRequest,
	pnpd.ENotFound:     http.StatusNotFound,
	pnpd.EConflict:     http.StatusConflict,
	pnpd.EForbidden:    http.StatusForbidden,
	pnpd.ERateLimited:  http.StatusTooManyRequests,
	pnpd.ERefused:      http.StatusUnprocessableEntity,
	pnpd.EUnauthorized: http.StatusUnauthorized,
}

// fail is the one place that maps a handler's error to a page: an
// operator who is not signed in goes to the log-in page, anything else
// gets an error page with the error's safe message.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := pnpd.ErrorCode(err)
	if code == pnpd.EUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/console/login?next="+
			url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}

	status, ok := statusOf[code]
	switch {
	case !ok:
		status = http.StatusInternalServerError
		c.Log.ErrorContext(r.Context(), "Console request failed", "path", r.URL.Path,
			"error", err)
	case errors.Is(err, context.Canceled):
	default:
		c.Log.DebugContext(r.Context(), "Console request refused", "path", r.URL.Path,
			"code", code)
	}

	c.render(w, r, status, "error.html", &page{Title: "Error",
		Error: cmp.Or(pnpd.ErrorMessage(err), "Something went wrong.")})
}

// safeNext keeps a return address inside the console, so that the log-in
// page cannot be made to send an operator elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") {
		return "/console/"
	}

	return next
}

// formError is an invalid form field: the form is shown again with the
// message beside the field.
func formError(field, format string, args ...any) error {
	e := pnpd.Errorf(pnpd.EInvalid, format, args...)
	e.Field = field

	return e
}

// fieldErrors returns err as a field's message for a form, or false when
// err is not a form error and must go to fail.
func fieldErrors(err error) (map[string]string, bool) {
	var e *pnpd.Error
	if !errors.As(err, &e) || e.Field == "" {
		return nil, false
	}

	return map[string]string{e.Field: e.Message}, true
}
