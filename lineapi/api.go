// Package lineapi serves LINE's Messaging API endpoints for notification
// messages — push by phone hash and the delivery counts — with LINE's
// status codes, headers and error bodies, so that LINE's SDKs work against
// pnpd by changing only their base URL.
package lineapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/receiving"
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

	limiters sync.Map // channel ID + endpoint → *rate.Limiter
}

// handler is an endpoint that answers on its own or returns an error for
// writeError.
type handler func(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error

// Register adds the endpoints to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle("POST /bot/pnp/push", a.endpoint("push", a.push))
	mux.Handle("GET /v2/bot/message/delivery/pnp", a.endpoint("count", a.countFlexible))

	// The rest of LINE's paths answer in LINE's format too, with a request
	// ID: a wrong method is a 405, an unknown path a 404.
	mux.Handle("/bot/pnp/push", a.unrouted(http.StatusMethodNotAllowed, "POST"))
	mux.Handle("/v2/bot/message/delivery/pnp", a.unrouted(http.StatusMethodNotAllowed, "GET"))
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
// authentication and the per-channel rate limit.
func (a *API) endpoint(name string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := pnpd.NewRequestID()
		w.Header().Set("X-Line-Request-Id", requestID)
		r = r.WithContext(withRequestID(r.Context(), requestID))

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

func (a *API) authenticate(r *http.Request) (*pnpd.Channel, error) {
	header := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(header, " ")
	switch {
	case header == "", !ok, !strings.EqualFold(scheme, "Bearer"):
		return nil, fail(http.StatusUnauthorized, msgAuthRequired)
	case !wellFormedToken(token):
		return nil, fail(http.StatusUnauthorized, msgTokenMalformed)
	}

	// Tokens are stored as hashes, so the lookup compares hashes, never
	// the token, and a database copy holds nothing usable.
	sum := sha256.Sum256([]byte(token))
	ch, err := a.Store.ChannelByToken(r.Context(), hex.EncodeToString(sum[:]), a.Clock.Now())
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

// limit applies LINE's token bucket per channel and endpoint.
func (a *API) limit(channelID, endpoint string) error {
	if a.RateLimit <= 0 {
		return nil
	}

	key := channelID + " " + endpoint
	l, ok := a.limiters.Load(key)
	if !ok {
		burst := max(1, int(a.RateLimit))
		l, _ = a.limiters.LoadOrStore(key, rate.NewLimiter(rate.Limit(a.RateLimit), burst))
	}

	if !l.(*rate.Limiter).Allow() {
		return fail(http.StatusTooManyRequests, msgRateLimited)
	}

	return nil
}

type requestIDKey struct{}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
