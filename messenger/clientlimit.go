package messenger

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pnpd/pnpd"
)

// ClientLimits bound how often one client address may ask for SMS codes
// and enter them, across every form and API endpoint that does so. They
// add to the per-number limits of package sms: those stop one number from
// being flooded, these stop one client from spraying many numbers. The
// zero value limits nothing.
//
// The client is the TCP peer, IPv6 clients by their /64, which one home or
// host usually holds whole.
//
// TODO(#4): behind a reverse proxy every client shares the proxy's address
// and so one budget; a trusted-proxy option that reads X-Forwarded-For
// would fix it. Until then, raise or turn off the limits there.
type ClientLimits struct {
	// Codes limits the requests that send a code (sign-up, log-in, SMS
	// verification, number change).
	Codes Rate
	// Tries limits the requests that check a code.
	Tries Rate
}

// Rate is a token bucket: PerMinute requests a minute on average, up to
// Burst at once. A PerMinute of 0 or less is no limit.
type Rate struct {
	PerMinute float64
	Burst     int
}

// clientLimitText starts the message of a refusal; pages recognise it to
// show it in the person's language.
const clientLimitText = "Too many tries from your network."

// limited runs h unless the request's client is over its limit, in which
// case it answers 429 with Retry-After.
func (a *API) limited(l *clientLimiter, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		wait := l.take(clientOf(r))
		if wait <= 0 {
			return h(w, r)
		}

		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		e := pnpd.Errorf(pnpd.ERateLimited, clientLimitText+" Try again in %d seconds.", secs)
		e.Remaining = secs

		return e
	}
}

// clientOf is the client a request counts against.
func clientOf(r *http.Request) string {
	return pnpd.ClientAddress(r.RemoteAddr)
}

// clientLimiter keeps a token bucket per client.
type clientLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// sweepEvery is how often idle buckets are forgotten.
const sweepEvery = time.Minute

// newClientLimiter returns a limiter for r, or nil (no limit) when r
// limits nothing.
func newClientLimiter(r Rate, now func() time.Time) *clientLimiter {
	if r.PerMinute <= 0 {
		return nil
	}

	return &clientLimiter{limit: rate.Limit(r.PerMinute / 60), burst: max(1, r.Burst),
		now: now, buckets: map[string]*rate.Limiter{}}
}

// take spends one of the client's tokens and returns 0, or returns how
// long until the client has one.
func (l *clientLimiter) take(client string) time.Duration {
	if l == nil {
		return 0
	}

	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()

	l.sweep(now)
	b, ok := l.buckets[client]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[client] = b
	}
	if b.AllowN(now, 1) {
		return 0
	}

	missing := 1 - b.TokensAt(now)

	return time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// sweep forgets the buckets that have filled up again: a full bucket is
// what a new client gets, so forgetting it changes nothing, and memory
// stays bounded by the clients of the last few minutes.
func (l *clientLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < sweepEvery {
		return
	}
	l.swept = now

	for client, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, client)
		}
	}
}

// isClientLimit reports whether msg is a client limit's refusal.
func isClientLimit(msg string) bool {
	return strings.HasPrefix(msg, clientLimitText)
}
