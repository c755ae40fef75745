// Package messenger serves the recipient's side of pnpd: sign-up and log-in
// by phone number and SMS code, the chats, and the actions of the receiving
// flow (consent, SMS verification, number change, blocks), as a JSON API
// under /api/v1 that the web messenger and tests use.
package messenger

import (
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/account"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// API serves the recipient API.
type API struct {
	Store     pnpd.Store
	Receiving *receiving.Service
	Codes     *sms.Codes
	Clock     pnpd.Clock
	Log       *slog.Logger
	// DefaultCountry reads national phone formats ("090-…") when a request
	// names no country.
	DefaultCountry string
	// SessionFor is how long a log-in lasts.
	SessionFor time.Duration
	// Sandbox shows the SMS outbox as the recipient's phone at /sms.
	Sandbox bool
	// Broker carries live updates to open pages.
	Broker *Broker
	// ClientLimits bound how often one client asks for and enters codes.
	ClientLimits ClientLimits

	pages     map[string]*template.Template
	accounts  *account.Service // the recipient's actions, shared with the sandbox
	codeLimit *clientLimiter   // requests that send a code
	tryLimit  *clientLimiter   // requests that check one
}

// handler answers a request or returns an error for writeError.
type handler func(w http.ResponseWriter, r *http.Request) error

// authed is a handler for a signed-in recipient.
type authed func(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error

// Register adds the API to mux. State-changing requests from another
// origin are refused (CSRF), as the API authenticates by cookie.
func (a *API) Register(mux *http.ServeMux) {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := pnpd.Errorf(pnpd.EForbidden,
			"Requests from another site may not change anything here.")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			a.writeError(w, r, err)
			return
		}
		a.webError(w, r, err)
	}))
	route := func(pattern string, h handler) {
		mux.Handle(pattern, csrf.Handler(a.serve(h)))
	}
	a.accounts = &account.Service{Store: a.Store, Receiving: a.Receiving, Codes: a.Codes}
	// The API and the pages share the limiters, so a client gets one
	// budget whichever it uses.
	a.codeLimit = newClientLimiter(a.ClientLimits.Codes, time.Now)
	a.tryLimit = newClientLimiter(a.ClientLimits.Tries, time.Now)
	code := func(h handler) handler { return a.limited(a.codeLimit, h) }
	try := func(h handler) handler { return a.limited(a.tryLimit, h) }

	route("POST /api/v1/signup/code", code(a.signUpCode))
	route("POST /api/v1/signup", try(a.signUp))
	route("POST /api/v1/login/code", code(a.logInCode))
	route("POST /api/v1/login", try(a.logIn))
	route("POST /api/v1/logout", a.logOut)
	route("GET /api/v1/me", a.auth(a.me))
	route("POST /api/v1/privacy-policy", a.auth(a.agreePrivacyPolicy))
	route("POST /api/v1/consent", a.auth(a.consent))
	route("POST /api/v1/verification/code", code(a.auth(a.verificationCode)))
	route("POST /api/v1/verification", try(a.auth(a.verify)))
	route("POST /api/v1/phone-number/code", code(a.auth(a.phoneNumberCode)))
	route("POST /api/v1/phone-number", try(a.auth(a.changePhoneNumber)))
	route("GET /api/v1/chats", a.auth(a.chats))
	route("GET /api/v1/chats/{chatID}/messages", a.auth(a.chatMessages))
	route("POST /api/v1/chats/{chatID}/read", a.auth(a.markRead))
	route("PUT /api/v1/channels/{channelID}/block", a.auth(a.block))
	route("DELETE /api/v1/channels/{channelID}/block", a.auth(a.unblock))
	// Anything else under /api/ gets the API's error body, not the mux's
	// plain text.
	mux.Handle("/api/", a.unrouted(mux))

	a.registerWeb(mux, csrf)
}

// routeMethods are the methods pnpd's JSON APIs route.
var routeMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// MethodsMessage tells a client which methods a path takes, for a 405:
// "This endpoint takes GET, POST or DELETE."
func MethodsMessage(allow []string) string {
	list := allow[len(allow)-1]
	if n := len(allow); n > 1 {
		list = strings.Join(allow[:n-1], ", ") + " or " + list
	}

	return "This endpoint takes " + list + "."
}

// RoutedMethods returns the methods mux has a route for at r's path, the
// catch-all pattern that asks left out: what a 405's Allow header lists.
// The sandbox API answers its unrouted requests with it too.
func RoutedMethods(mux *http.ServeMux, r *http.Request, catchAll string) []string {
	var allow []string
	for _, m := range routeMethods {
		other := r.Clone(r.Context())
		other.Method = m
		if _, pattern := mux.Handler(other); pattern != "" && pattern != catchAll {
			allow = append(allow, m)
		}
	}

	return allow
}

// unrouted answers a request no API route takes: 405 with Allow when the
// path has routes for other methods, 404 when it has none.
func (a *API) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allow := RoutedMethods(mux, r, "/api/")
		if len(allow) == 0 {
			a.writeError(w, r, pnpd.Errorf(pnpd.ENotFound, "No such API endpoint."))
			return
		}

		w.Header().Set("Allow", strings.Join(allow, ", "))
		var body errorBody
		body.Error.Code = "method_not_allowed"
		body.Error.Message = MethodsMessage(allow)
		writeJSON(w, http.StatusMethodNotAllowed, body)
	})
}

func (a *API) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// errorBody is the recipient API's error: a stable code, a message to show,
// the field at fault and, where it helps, a count such as tries left.
type errorBody struct {
	Error struct {
		Code      pnpd.Code `json:"code"`
		Message   string    `json:"message"`
		Field     string    `json:"field,omitempty"`
		Remaining int       `json:"remaining,omitempty"`
	} `json:"error"`
}

var statusOf = map[pnpd.Code]int{
	pnpd.EInvalid:      http.StatusBadRequest,
	pnpd.ENotFound:     http.StatusNotFound,
	pnpd.EConflict:     http.StatusConflict,
	pnpd.EUnauthorized: http.StatusUnauthorized,
	pnpd.EForbidden:    http.StatusForbidden,
	pnpd.ERateLimited:  http.StatusTooManyRequests,
}

// writeError is the one place that maps errors to status and body.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	body.Error.Code = pnpd.ErrorCode(err)
	body.Error.Message = pnpd.ErrorMessage(err)

	var e *pnpd.Error
	if errors.As(err, &e) {
		body.Error.Field, body.Error.Remaining = e.Field, e.Remaining
	}

	status, ok := statusOf[body.Error.Code]
	if !ok {
		status = http.StatusInternalServerError
		a.Log.ErrorContext(r.Context(), "Request failed", "path", r.URL.Path, "error", err)
	} else {
		a.Log.DebugContext(r.Context(), "Request refused", "path", r.URL.Path,
			"code", body.Error.Code)
	}

	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON request body of at most 64 KiB into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		return &pnpd.Error{Code: pnpd.EInvalid, Message: "The request body is not valid JSON."}
	}

	return nil
}
