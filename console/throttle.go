package console

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/pnpd/pnpd"
)

// Log-in tries. A client address may try clientTries times a minute, that
// many at once; an operator's username userTries, more: one address cannot
// lock an operator out, and guessing from many addresses is still bounded.
const (
	clientTries = 5
	userTries   = 20
)

// throttleKeys bounds the buckets a throttle holds.
const throttleKeys = 10_000

// throttle keeps a token bucket per key, tries a minute and that many at
// once, for at most maxKeys keys. When full it forgets only the buckets
// that have filled up again, which a new key would get anyway; if none
// has, new keys share one overflow bucket. So nothing a client sends
// resets a bucket that is still refilling.
type throttle struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	now     func() time.Time

	mu       sync.Mutex
	buckets  map[string]*rate.Limiter
	overflow *rate.Limiter
	swept    time.Time
}

func newThrottle(tries, maxKeys int, now func() time.Time) *throttle {
	limit := rate.Limit(float64(tries) / 60)

	return &throttle{limit: limit, burst: tries, maxKeys: maxKeys, now: now,
		buckets: map[string]*rate.Limiter{}, overflow: rate.NewLimiter(limit, tries)}
}

// allow spends one of key's tries, or reports false when it has none left.
func (t *throttle) allow(key string) bool {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()

	return t.bucket(key, now).AllowN(now, 1)
}

// bucket returns key's bucket, a new one while there is room, the shared
// overflow bucket when there is none.
func (t *throttle) bucket(key string, now time.Time) *rate.Limiter {
	if b, ok := t.buckets[key]; ok {
		return b
	}

	if len(t.buckets) >= t.maxKeys {
		t.sweep(now)
	}
	if len(t.buckets) >= t.maxKeys {
		return t.overflow
	}

	b := rate.NewLimiter(t.limit, t.burst)
	t.buckets[key] = b

	return b
}

// sweep forgets the buckets that have filled up again. A table full of
// refilling buckets is scanned at most once a second, not on every try.
func (t *throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Second {
		return
	}
	t.swept = now

	for key, b := range t.buckets {
		if b.TokensAt(now) >= float64(t.burst) {
			delete(t.buckets, key)
		}
	}
}

// clientOf is the client a request counts against.
func clientOf(r *http.Request) string {
	return pnpd.ClientAddress(r.RemoteAddr)
}

// passwordChecks is how many password hashes the console computes at once
// by default: each takes 64 MiB.
const passwordChecks = 4

// slotWait bounds how long a request waits for a password slot, so that a
// crowd of log-ins gets an answer rather than a hanging page.
const slotWait = 10 * time.Second

// busyMessage answers a request that waited too long for a password slot.
const busyMessage = "The console is busy; try again in a moment."

// errBusy is a request's wait for a password slot that ended first.
var errBusy = pnpd.Errorf(pnpd.ERateLimited, busyMessage)

// verify is Verify in one of the console's password slots.
func (c *Console) verify(ctx context.Context, hash, password string) (bool, error) {
	var match bool
	var err error
	if busy := c.hashing(ctx, func() { match, err = Verify(hash, password) }); busy != nil {
		return false, busy
	}

	return match, err
}

// hash is Hasher.Hash in one of the console's password slots.
func (c *Console) hash(ctx context.Context, password string) (string, error) {
	var hash string
	err := c.hashing(ctx, func() { hash = c.Hasher.Hash(password) })

	return hash, err
}

// hashing runs f, which hashes a password, once one of the console's
// password slots is free. It returns errBusy, without running f, if ctx
// ends or slotWait passes first.
func (c *Console) hashing(ctx context.Context, f func()) error {
	ctx, cancel := context.WithTimeout(ctx, slotWait)
	defer cancel()

	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return errBusy
	}
	defer func() { <-c.slots }()

	f()

	return nil
}
