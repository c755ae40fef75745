package messenger

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/pnpd/pnpd"
)

// Broker tells a recipient's open pages that their chats changed, for live
// updates over server-sent events.
type Broker struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
	// closed ends every stream: the server is shutting down.
	closed    chan struct{}
	closeOnce sync.Once
}

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker {
	return &Broker{subs: map[string]map[chan struct{}]struct{}{},
		closed: make(chan struct{})}
}

// Close ends every live-update stream, at once and for good: the server is
// shutting down, and the pages reconnect, to another node if there is one,
// rather than hold the shutdown up.
func (b *Broker) Close() {
	b.closeOnce.Do(func() { close(b.closed) })
}

// Publish wakes every page of the recipients. It never blocks: a page that
// has a wake-up pending gets no second one.
func (b *Broker) Publish(recipientIDs ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()

	for _, id := range recipientIDs {
		for ch := range b.subs[id] {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// PublishAll wakes every open page of every recipient, for when changes
// may have been missed: each page then reloads what it shows.
func (b *Broker) PublishAll() {
	b.mu.Lock()
	defer b.mu.Unlock()

	for _, pages := range b.subs {
		for ch := range pages {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

func (b *Broker) subscribe(recipientID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[recipientID] == nil {
		b.subs[recipientID] = map[chan struct{}]struct{}{}
	}
	b.subs[recipientID][ch] = struct{}{}
	b.mu.Unlock()

	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()

		delete(b.subs[recipientID], ch)
		if len(b.subs[recipientID]) == 0 {
			delete(b.subs, recipientID)
		}
	}
}

// streamWriteTimeout bounds each write to a live-update stream.
const streamWriteTimeout = 30 * time.Second

// events streams "changed" events to a signed-in recipient's page until
// the page goes away.
func (a *API) events(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	// The stream outlives the server's read and write timeouts: it reads
	// nothing more, and each write gets a deadline of its own.
	_ = rc.SetReadDeadline(time.Time{})
	changed, cancel := a.Broker.subscribe(rec.ID)
	defer cancel()

	// A comment now and then keeps proxies from closing an idle stream.
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()

	fmt.Fprint(w, "retry: 2000\n\n")
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if err := rc.Flush(); err != nil {
			return nil
		}

		select {
		case <-r.Context().Done():
			return nil
		case <-a.Broker.closed:
			return nil
		case <-changed:
			fmt.Fprint(w, "event: changed\ndata: {}\n\n")
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		}
	}
}
