// Package lineapi serves LINE's Messaging API endpoints for notification
// messages — push by phone hash and the delivery counts — with LINE's
// status codes, headers and error bodies, so that LINE's SDKs work against
// pnpd by changing only their base URL.
package lineapi

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/messenger/render"
	"github.com/pnpd/pnpd/pnptemplate"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/webhook"
)

// API serves the LINE-compatible endpoints.
type API struct {
	Store     pnpd.Store
	Receiving *receiving.Service
	Clock     pnpd.Clock
	Log       *slog.Logger
	// RateLimit is each channel's requests per second on each endpoint;
	// LINE's is 2,000.
	RateLimit float64
	// Nodes, when set, says how many pnpd nodes share RateLimit: each node
	// then allows RateLimit/Nodes() a second. Nil means this node alone.
	Nodes func() int
	// Metrics, when set, is told of every request and notification.
	Metrics Metrics
	// Templates is the template catalogue template notifications are
	// checked against and filled from.
	Templates *pnptemplate.Catalogue
	// Words gives the renderer's words in a language, for previews.
	Words func(lang string) render.Text
	// Webhooks sends the webhook test's request; nil means a Sender with
	// LINE's 2-second timeout.
	Webhooks *webhook.Sender
	// TokenKey is the key pnpd signs its JWT access tokens with: stateless
	// tokens are checked by it alone, so they stop working when it changes.
	// The server derives it from its key file; when nil, Register makes a
	// random one that lasts as long as the process.
	TokenKey []byte
	// Timeout bounds each wait for the store before a request's own work:
	// finding the channel of its token, and all of a token endpoint's
	// work (receiving.DefaultTimeout when zero). A push's write has
	// Receiving's.
	Timeout time.Duration

	limiters sync.Map // channel ID + endpoint → *rate.Limiter
}

// Metrics counts what the API does; the server passes Prometheus's.
type Metrics interface {
	// Request counts a request to a named endpoint by its status.
	Request(endpoint string, status int)
	// Accepted records how long a push took to answer.
	Accepted(took time.Duration)
	// Notification counts a pushed notification by its outcome.
	Notification(o flow.Outcome)
}

// handler is an endpoint that answers on its own or returns an error for
// writeError.
type handler func(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error

// Register adds the endpoints to mux.
func (a *API) Register(mux *http.ServeMux) {
	if a.TokenKey == nil {
		a.Log.Warn("No token key given: stateless tokens stop working when pnpd stops")
		a.TokenKey = newTokenKey()
	}

	routes := []struct {
		method, path, name string
		h                  handler
	}{
		{"POST", "/bot/pnp/push", "push", a.push},
		{"POST", "/v2/bot/message/pnp/templated/push", "templated_push", a.templatedPush},
		{"GET", "/v2/bot/message/delivery/pnp", "count", a.countFlexible},
		{"GET", "/v2/bot/message/delivery/pnp/templated", "templated_count", a.countTemplated},
		{"GET", "/v2/bot/message/aggregation/info", "unit_usage", a.unitUsage},
		{"GET", "/v2/bot/message/aggregation/list", "unit_list", a.unitList},
		{"PUT", webhookEndpointPath, "set_webhook_endpoint", a.setWebhookEndpoint},
		{"GET", webhookEndpointPath, "webhook_endpoint", a.webhookEndpoint},
		{"POST", "/v2/bot/channel/webhook/test", "test_webhook", a.testWebhook},
		{"GET", "/v2/bot/info", "bot_info", a.botInfo},
	}
	var paths []string
	allow := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, a.endpoint(rt.name, rt.h))
		if allow[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allow[rt.path] = append(allow[rt.path], rt.method)
	}
	for _, p := range paths {
		// The rest of LINE's paths answer in LINE's format too, with a
		// request ID: a wrong method is a 405, an unknown path a 404.
		mux.Handle(p, a.unrouted(http.StatusMethodNotAllowed, strings.Join(allow[p], ", ")))
	}
	a.registerTokens(mux)
	mux.Handle("POST /templates/preview", a.endpoint("templated_preview", a.previewTemplated))
	mux.Handle("/templates/preview", a.unrouted(http.StatusMethodNotAllowed, "POST"))
	mux.HandleFunc("GET /templates", a.catalogue)
	mux.Handle("/bot/", a.unrouted(http.StatusNotFound, ""))
	mux.Handle("/v2/", a.unrouted(http.StatusNotFound, ""))
}

func (a *API) unrouted(status int, allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Line-Request-Id", pnpd.NewRequestID())
		if allow != "" {
			w.Header().Set("Allow", allow)
		}

		writeJSON(w, status, Body{Message: http.StatusText(status)})
	})
}

// endpoint wraps a handler with what every endpoint does: a request ID,
// authentication, the per-channel rate limit, metrics and a debug line.
func (a *API) endpoint(name string, h handler) http.Handler {
	return a.observed(name, func(w http.ResponseWriter, r *http.Request) {
		ch, err := a.authenticate(r)
		if err == nil {
			err = a.limit(ch.ID, name)
		}
		if err == nil {
			err = h(w, r, ch)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
	})
}

// observed gives a request its request ID, in the answer's header and in
// its context, and counts and logs it once serve has answered.
func (a *API) observed(name string,
	serve func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		requestID := pnpd.NewRequestID()
		w.Header().Set("X-Line-Request-Id", requestID)
		r = r.WithContext(withRequestID(r.Context(), requestID))
		sw := &statusWriter{ResponseWriter: w}

		serve(sw, r)
		a.finished(r, name, sw.code(), time.Since(start))
	})
}

// finished counts a request and logs it at debug level.
func (a *API) finished(r *http.Request, endpoint string, status int, took time.Duration) {
	if a.Metrics != nil {
		a.Metrics.Request(endpoint, status)
		if endpoint == "push" || endpoint == "templated_push" {
			a.Metrics.Accepted(took)
		}
	}

	a.Log.DebugContext(r.Context(), "Request finished", "endpoint", endpoint,
		"status", status, "duration_ms", float64(took.Microseconds())/1000)
}

// countOutcome counts a pushed notification by what Accept made of it: an
// outcome, or a refusal. Any other error stored nothing and counts nothing.
func (a *API) countOutcome(o flow.Outcome, err error) {
	switch {
	case a.Metrics == nil:
	case err == nil:
		a.Metrics.Notification(o)
	case pnpd.ErrorCode(err) == pnpd.ERefused:
		a.Metrics.Notification(flow.Refuse)
	}
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}

	return w.ResponseWriter.Write(b)
}

// code is the status sent; a handler that wrote nothing sent a 200.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}

	return w.status
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}

// timeout is how long a request waits for the store before it fails.
func (a *API) timeout() time.Duration {
	return cmp.Or(a.Timeout, receiving.DefaultTimeout)
}

func (a *API) authenticate(r *http.Request) (*pnpd.Channel, error) {
	header := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(header, " ")
	switch {
	case header == "", !ok, !strings.EqualFold(scheme, "Bearer"):
		return nil, fail(http.StatusUnauthorized, msgAuthRequired)
	case !wellFormedToken(token):
		return nil, fail(http.StatusUnauthorized, msgTokenMalformed)
	}

	// The lookup comes before the request's body is read, when Go's
	// server does not yet notice a client that gives up: without a bound,
	// a push would wait out a hung database, however long, and then be
	// stored unseen.
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout())
	defer cancel()

	// A stateless token is taken by its signature alone; no row holds it.
	if c, ok := a.signedToken(kindStateless, token); ok {
		return a.statelessChannel(ctx, c)
	}

	// Tokens are stored as hashes, so the lookup compares hashes, never
	// the token, and a database copy holds nothing usable.
	sum := sha256.Sum256([]byte(token))
	ch, err := a.Store.ChannelByToken(ctx, hex.EncodeToString(sum[:]), a.Clock.Now())
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, fail(http.StatusUnauthorized, msgTokenInvalid)
	}

	return ch, err
}

// statelessChannel returns the channel of a stateless token pnpd signed,
// unless the token has expired or the channel is gone.
func (a *API) statelessChannel(ctx context.Context, c signedClaims) (*pnpd.Channel, error) {
	if c.expired(a.Clock.Now()) {
		return nil, fail(http.StatusUnauthorized, msgTokenInvalid)
	}

	ch, err := a.Store.Channel(ctx, c.ChannelID)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, fail(http.StatusUnauthorized, msgTokenInvalid)
	}

	return ch, err
}

// wellFormedToken accepts the characters of LINE's tokens: base64, base64url
// and JWTs.
func wellFormedToken(t string) bool {
	if t == "" || len(t) > 2048 {
		return false
	}

	for _, c := range t {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune("+/=-_.", c)
		if !ok {
			return false
		}
	}

	return true
}

// limit applies LINE's token bucket per channel and endpoint, this node's
// share of it when several nodes serve the API.
func (a *API) limit(channelID, endpoint string) error {
	if a.RateLimit <= 0 {
		return nil
	}

	share := rate.Limit(a.RateLimit / float64(a.nodes()))
	burst := max(1, int(share))
	key := channelID + " " + endpoint
	l, ok := a.limiters.Load(key)
	if !ok {
		l, _ = a.limiters.LoadOrStore(key, rate.NewLimiter(share, burst))
	}

	lim := l.(*rate.Limiter)
	// A node joining or leaving changes every node's share.
	if lim.Limit() != share {
		lim.SetLimit(share)
		lim.SetBurst(burst)
	}
	if !lim.Allow() {
		return fail(http.StatusTooManyRequests, msgRateLimited)
	}

	return nil
}

// nodes is how many nodes share the rate limit, at least 1.
func (a *API) nodes() int {
	if a.Nodes == nil {
		return 1
	}

	return max(1, a.Nodes())
}

type requestIDKey struct{}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the LINE request ID (X-Line-Request-Id) of the request
// ctx belongs to, or "" outside one; logs carry it as request_id.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
