package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLiveUpdatesOutlastAnOutage: while pnpd restarts, the proxy in
// front of it cuts the chat's live updates and refuses the browser's
// reconnects with 503, which makes the browser give them up for good. The
// page keeps trying on its own, and once pnpd is back it shows the message
// that came in the meantime, and the next one live, without a reload.
func TestBrowserLiveUpdatesOutlastAnOutage(t *testing.T) {
	t.Parallel()

	var gw *gateway
	w := setupBrowserBehind(t, func(pnpdURL string) string {
		gw = newGateway(t, pnpdURL)
		return gw.srv.URL
	})
	daichi := phoneUser{"Daichi", "090-1234-0009"}
	w.signUp(daichi)
	w.agreeInSettings()
	w.open("/chats/" + w.creds.ChannelID)
	w.waitVisible(".messages .empty")
	w.listening()
	w.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__stayed = true`))

	// The outage fails the stream, and may cut what its opening started:
	// the page's refresh and its look for new notifications.
	for _, path := range []string{"/events", "/chats/" + w.creds.ChannelID, "/api/v1/chats"} {
		w.expectFailures(path)
	}
	gw.setDown(true)
	// The browser's own reconnect is refused, and then the page's.
	gw.waitRefused(t, 3)
	w.pushText(daichi, "Your parcel arrives today", "daichi-parcel-0001")
	gw.setDown(false)

	w.waitVisible(".bubble.message")
	w.assertDelivered("Your parcel arrives today")
	w.listening()
	w.pushText(daichi, "Your parcel was delivered", "daichi-parcel-0002")
	w.waitUntil("the second message", `document.querySelectorAll(".bubble.message").length === 2`)
	if !eval[bool](w.tab, `window.__stayed === true`) {
		t.Error("the page reloaded to show the messages; want live updates")
	}
	w.shot("after-outage")
}

// gateway stands in front of pnpd as a load balancer does during a rolling
// restart of pnpd's nodes: while no node is ready, it cuts the open
// live-update streams and answers every request, their reconnects too, 503.
type gateway struct {
	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	down    bool
	refused int                  // requests answered 503
	open    []context.CancelFunc // each cuts a request passed to pnpd
}

func newGateway(t *testing.T, target string) *gateway {
	t.Helper()

	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{proxy: httputil.NewSingleHostReverseProxy(u)}
	// A stream it cuts is no news.
	g.proxy.ErrorLog = log.New(io.Discard, "", 0)
	g.srv = httptest.NewServer(g)
	t.Cleanup(func() {
		g.setDown(true)
		g.srv.Close()
	})

	return g
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cut := context.WithCancel(r.Context())
	defer cut()

	g.mu.Lock()
	down := g.down
	if down {
		g.refused++
	} else {
		g.open = append(g.open, cut)
	}
	g.mu.Unlock()

	if down {
		http.Error(w, "No node is ready.", http.StatusServiceUnavailable)
		return
	}
	g.proxy.ServeHTTP(w, r.WithContext(ctx))
}

// setDown takes pnpd away, cutting what is open, or brings it back.
func (g *gateway) setDown(down bool) {
	g.mu.Lock()
	defer g.mu.Unlock()

	g.down = down
	if down {
		for _, cut := range g.open {
			cut()
		}
		g.open = nil
	}
}

// waitRefused waits until the gateway has refused n requests.
func (g *gateway) waitRefused(t *testing.T, n int) {
	t.Helper()

	deadline := time.Now().Add(stepTimeout)
	for {
		g.mu.Lock()
		refused := g.refused
		g.mu.Unlock()
		if refused >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway refused %d requests while pnpd was away, want %d: "+
				"the page gave up live updates", refused, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
