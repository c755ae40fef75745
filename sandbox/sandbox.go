// Package sandbox is pnpd's test API for integrators, under /sandbox/v1:
// it moves the clock, reads the SMS outbox and creates channels, and it
// seeds the demo. It is served only with --sandbox, behind its own token.
package sandbox

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/account"
	"github.com/pnpd/pnpd/messenger"
	"github.com/pnpd/pnpd/pnptemplate"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// ClockSetting names the stored clock offset, so a moved clock stays moved
// across restarts.
const ClockSetting = "sandbox.clock_offset"

// API serves the sandbox endpoints.
type API struct {
	Store     pnpd.Store
	Clock     *pnpd.OffsetClock
	Receiving *receiving.Service
	Token     string
	Log       *slog.Logger
	// ClockMoved, when set, is told after the clock's offset is saved, for
	// other nodes on the same database to read it.
	ClockMoved func()
	// Expire runs the expiry sweep after the clock moved.
	Expire func(ctx context.Context) error
	// JobsDue, when set, makes every background job scheduled at or before
	// a wall-clock time run at once and says how many it moved: moving the
	// clock forward calls it, so that webhook redeliveries follow the clock.
	JobsDue func(ctx context.Context, until time.Time) (int, error)
	// MaxFaultDelay is the longest delay fault the server's jobs can hold;
	// zero refuses delay faults.
	MaxFaultDelay time.Duration
	// Templates, when set, is the catalogue that channels' template keys
	// are checked against.
	Templates *pnptemplate.Catalogue
	// Codes sends and checks the SMS codes of the recipients the sandbox
	// acts as.
	Codes *sms.Codes
	// DefaultCountry reads phone numbers written without "+" when a request
	// names no country, as the messenger does.
	DefaultCountry string

	accounts *account.Service
}

type handler func(w http.ResponseWriter, r *http.Request) error

// Register adds the sandbox endpoints to mux.
func (a *API) Register(mux *http.ServeMux) {
	route := func(pattern string, h handler) {
		mux.Handle(pattern, a.serve(h))
	}

	mux.HandleFunc("GET /sandbox/v1/openapi.json", serveOpenAPI)
	route("GET /sandbox/v1/clock", a.clock)
	route("POST /sandbox/v1/clock", a.moveClock)
	route("DELETE /sandbox/v1/clock", a.resetClock)
	route("GET /sandbox/v1/sms", a.outbox)
	route("POST /sandbox/v1/channels", a.createChannel)
	route("GET /sandbox/v1/channels/{channelID}/statistics", a.statistics)
	a.registerKeys(route)
	a.registerRecipients(route)
	a.registerNotifications(route)
	// Anything else under /sandbox/v1/ gets the sandbox's error body, not
	// the mux's plain text.
	route(unroutedPattern, a.unrouted(mux))
}

// unroutedPattern takes the requests under /sandbox/v1/ that no route takes.
const unroutedPattern = "/sandbox/v1/"

// unrouted answers a request no sandbox route takes: 405 with Allow when
// the path has routes for other methods, 404 when it has none.
func (a *API) unrouted(mux *http.ServeMux) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		allow := messenger.RoutedMethods(mux, r, unroutedPattern)
		if len(allow) == 0 {
			return pnpd.Errorf(pnpd.ENotFound, "No such sandbox endpoint.")
		}

		w.Header().Set("Allow", strings.Join(allow, ", "))
		body := map[string]any{"code": "method_not_allowed",
			"message": messenger.MethodsMessage(allow)}
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": body})

		return nil
	}
}

// routeFunc adds one sandbox endpoint behind the sandbox token.
type routeFunc func(pattern string, h handler)

func (a *API) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers carry secrets, tokens and SMS codes: no cache keeps them.
		w.Header().Set("Cache-Control", "no-store")
		err := a.authenticate(r)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
	})
}

func (a *API) authenticate(r *http.Request) error {
	// RFC 7235 makes the scheme's name case-insensitive.
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	ok = ok && strings.EqualFold(scheme, "Bearer")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(a.Token)) != 1 {
		return pnpd.Errorf(pnpd.EUnauthorized,
			"The sandbox API needs 'Authorization: Bearer <sandbox token>'.")
	}

	return nil
}

var statusOf = map[pnpd.Code]int{
	pnpd.EInvalid:      http.StatusBadRequest,
	pnpd.ENotFound:     http.StatusNotFound,
	pnpd.EConflict:     http.StatusConflict,
	pnpd.EUnauthorized: http.StatusUnauthorized,
	pnpd.ERateLimited:  http.StatusTooManyRequests,
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := pnpd.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
		a.Log.ErrorContext(r.Context(), "Sandbox request failed", "path", r.URL.Path,
			"error", err)
	}

	body := map[string]any{"code": code, "message": pnpd.ErrorMessage(err)}
	// As the messenger's body: a count such as seconds to wait or tries
	// left; a rate limit's count is also the Retry-After header.
	var e *pnpd.Error
	if errors.As(err, &e) && e.Remaining > 0 {
		body["remaining"] = e.Remaining
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(e.Remaining))
		}
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type clockState struct {
	Now           time.Time `json:"now"`
	OffsetSeconds int64     `json:"offsetSeconds"`
}

func (a *API) clock(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, clockState{
		Now:           a.Clock.Now().UTC(),
		OffsetSeconds: int64(a.Clock.Offset().Seconds()),
	})

	return nil
}

// moveClock moves the clock forward; every timer follows it, and what
// expired meanwhile expires now.
func (a *API) moveClock(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		AdvanceSeconds int64 `json:"advanceSeconds"`
	}
	if err := decodeJSON(r, &req); err != nil || req.AdvanceSeconds <= 0 {
		return pnpd.Errorf(pnpd.EInvalid,
			"Give advanceSeconds, a positive number of seconds to move the clock forward.")
	}

	d := time.Duration(req.AdvanceSeconds) * time.Second
	// River schedules by the wall clock: what is due by the moved clock is
	// what the wall clock would reach d from now.
	until := time.Now().Add(d)
	err := a.changeOffset(r.Context(), func(old time.Duration) (time.Duration, error) {
		// Bounding the offset keeps the sum in a time.Duration, which would
		// otherwise wrap and move the clock back centuries.
		limit := int64(maxOffset / time.Second)
		if req.AdvanceSeconds > limit-int64(old/time.Second) {
			return 0, pnpd.Errorf(pnpd.EInvalid,
				"The clock moves at most 100 years ahead; reset it to start again.")
		}

		return old + d, nil
	})
	if err != nil {
		return err
	}

	if err := a.makeDue(r.Context(), until); err != nil {
		return err
	}

	return a.clock(w, r)
}

// maxOffset is how far the sandbox clock may run ahead of the wall clock.
const maxOffset = 100 * 365 * 24 * time.Hour

func (a *API) resetClock(w http.ResponseWriter, r *http.Request) error {
	err := a.changeOffset(r.Context(), func(time.Duration) (time.Duration, error) {
		return 0, nil
	})
	if err != nil {
		return err
	}

	return a.clock(w, r)
}

// changeOffset changes the stored offset of the clock, reading and writing
// it in one update, so that moves made at once, on this node or on others
// sharing the database, add up; then it sets this node's clock, tells the
// others, and expires what the new time expires.
func (a *API) changeOffset(ctx context.Context,
	change func(old time.Duration) (time.Duration, error)) error {
	var offset time.Duration
	err := a.Store.Update(ctx, func(q pnpd.Queries) error {
		v, err := q.Setting(ctx, ClockSetting)
		if err != nil {
			return err
		}
		old, err := parseOffset(v)
		if err != nil {
			return err
		}
		if offset, err = change(old); err != nil {
			return err
		}

		return q.SetSetting(ctx, ClockSetting, strconv.FormatInt(int64(offset), 10))
	})
	if err != nil {
		return err
	}

	// The clock follows the stored offset, which a move on another node
	// may have changed since this one committed.
	if err := RestoreClock(context.WithoutCancel(ctx), a.Store, a.Clock); err != nil {
		return err
	}
	a.clockMoved()
	// The magic numbers' last SMS verifications follow the clock, so that
	// they behave as before whatever it says.
	err = a.Store.Update(ctx, func(q pnpd.Queries) error {
		return SeedMagicNumbers(ctx, q, a.Clock)
	})
	if err != nil {
		return err
	}

	return a.Expire(ctx)
}

func (a *API) clockMoved() {
	if a.ClockMoved != nil {
		a.ClockMoved()
	}
}

// makeDue runs at once the jobs due by wall-clock time until.
func (a *API) makeDue(ctx context.Context, until time.Time) error {
	if a.JobsDue == nil {
		return nil
	}

	n, err := a.JobsDue(ctx, until)
	if err != nil {
		return err
	}
	a.Log.DebugContext(ctx, "Made jobs due after the clock moved", "jobs", n)

	return nil
}

// RestoreClock sets the clock to the stored offset: at start, after a move
// here, and when another node moved it.
func RestoreClock(ctx context.Context, store pnpd.Store, clock *pnpd.OffsetClock) error {
	return clock.Sync(func() (time.Duration, error) {
		v, err := store.Setting(ctx, ClockSetting)
		if err != nil {
			return 0, err
		}

		return parseOffset(v)
	})
}

// parseOffset reads a stored offset; "" is none.
func parseOffset(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}

	offset, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, pnpd.Errorf(pnpd.EInternal, "stored clock offset is not a number")
	}

	return time.Duration(offset), nil
}

// outboxEntry is an SMS as the phone shows it.
type outboxEntry struct {
	ID                int64     `json:"id"`
	MaskedPhoneNumber string    `json:"maskedPhoneNumber"`
	Text              string    `json:"text"`
	CreatedAt         time.Time `json:"createdAt"`
}

// outbox lists the SMS sent, newest first, as the phone would show them;
// phoneNumber (E.164) narrows the list to one number.
func (a *API) outbox(w http.ResponseWriter, r *http.Request) error {
	phone := r.URL.Query().Get("phoneNumber")
	if phone != "" {
		var err error
		if phone, err = a.normalizePhone(phone, r.URL.Query().Get("country")); err != nil {
			return err
		}
	}

	msgs, err := a.Store.Outbox(r.Context(), phone, 100)
	if err != nil {
		return err
	}

	out := make([]outboxEntry, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, outboxEntry{ID: m.ID,
			MaskedPhoneNumber: pnpd.MaskPhone(m.PhoneNumber), Text: m.Text,
			CreatedAt: m.CreatedAt})
	}

	writeJSON(w, http.StatusOK, map[string]any{"messages": out})

	return nil
}

// normalizePhone returns the number in E.164, reading a number without "+"
// in country's format, or the default country's when country is empty.
func (a *API) normalizePhone(input, country string) (string, error) {
	return pnpd.NormalizePhone(input, cmp.Or(strings.TrimSpace(country), a.DefaultCountry))
}

func decodeJSON(r *http.Request, v any) error {
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody)).Decode(v); err != nil {
		return bodyError(err)
	}

	return nil
}

// maxBody is the largest request body the sandbox reads.
const maxBody = 64 << 10

// bodyError says what is wrong with a body that did not decode: a member of
// the wrong type by name, a body too large, or JSON that is not.
func bodyError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var sizeErr *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return pnpd.Errorf(pnpd.EInvalid, "The property %q in the request body must be %s.",
			typeErr.Field, kindName(typeErr.Type))
	case errors.As(err, &sizeErr):
		return pnpd.Errorf(pnpd.EInvalid, "The request body is over %d KB.", maxBody>>10)
	}

	return pnpd.Errorf(pnpd.EInvalid, "The request body is not valid JSON.")
}

// kindName names what a Go type takes in JSON, as a person would.
func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}

	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}

	if t == reflect.TypeFor[time.Time]() {
		return "an RFC 3339 time"
	}

	return "an object"
}
