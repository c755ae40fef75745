package sqlstore

import (
	"slices"
	"sync"

	"github.com/pnpd/pnpd"
)

// channelCache keeps channels, and the access tokens that find them, in
// memory: every push looks its token up, every webhook its channel, and
// both change rarely. Every write to a channel or a token empties the
// cache once it commits, so a revoked token stops working as soon as its
// revocation is committed; a store written by other processes too must
// hear of their commits (Config.CacheChannels). A nil cache keeps
// nothing.
type channelCache struct {
	mu sync.Mutex
	// gen counts the emptyings: a lookup that read the database before the
	// last one must not fill the cache with what it read.
	// paused keeps the cache empty: news of other processes' changes may
	// not be arriving.
	paused  bool
	gen     uint64
	byID    map[string]*pnpd.Channel
	byToken map[string]cachedToken
}

type cachedToken struct {
	channelID string
	expiresAt int64 // Unix ms; 0 for a token that does not expire
}

// cacheLimit bounds the entries of each map; beyond it the cache starts
// again, empty.
const cacheLimit = 10_000

func newChannelCache() *channelCache {
	return &channelCache{byID: map[string]*pnpd.Channel{}, byToken: map[string]cachedToken{}}
}

func (c *channelCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.gen
}

// channel returns a copy of the cached channel, which the caller may change.
func (c *channelCache) channel(id string) (*pnpd.Channel, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	ch, ok := c.byID[id]
	if !ok {
		return nil, false
	}

	return copyChannel(ch), true
}

// copyChannel copies a channel deeply, so that neither the cache nor a
// caller sees the other's changes.
func copyChannel(ch *pnpd.Channel) *pnpd.Channel {
	cp := *ch
	cp.TemplateKeys = slices.Clone(ch.TemplateKeys)

	return &cp
}

func (c *channelCache) token(hash string) (cachedToken, bool) {
	if c == nil {
		return cachedToken{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	t, ok := c.byToken[hash]

	return t, ok
}

// put caches a channel, and a token hash when not empty, read from the
// database at generation gen.
func (c *channelCache) put(gen uint64, ch *pnpd.Channel, hash string, t cachedToken) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	if gen != c.gen || c.paused {
		return
	}
	if len(c.byID) >= cacheLimit || len(c.byToken) >= cacheLimit {
		clear(c.byID)
		clear(c.byToken)
	}

	c.byID[ch.ID] = copyChannel(ch)
	if hash != "" {
		c.byToken[hash] = t
	}
}

// invalidate empties the cache; call it after a commit that wrote to a
// channel or a token.
func (c *channelCache) invalidate() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	c.gen++
	clear(c.byID)
	clear(c.byToken)
}

// pause empties the cache and keeps it empty, or, with paused false, lets
// it fill again.
func (c *channelCache) pause(paused bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	c.gen++
	c.paused = paused
	clear(c.byID)
	clear(c.byToken)
}
