package cluster_test

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// proxy forwards TCP connections to a database server. Frozen, the
// connections it holds stop carrying bytes without closing, as those to a
// hung server or half-open ones do; new connections still work.
type proxy struct {
	host string
	port uint16

	target string
	done   chan struct{} // closed when the test ends

	mu    sync.Mutex
	links []*link
}

// link is one connection through the proxy.
type link struct {
	client, server net.Conn
	frozen         atomic.Bool
}

// startProxy starts a proxy on loopback to db's server, stopped when the
// test ends.
func startProxy(t *testing.T, db *database) *proxy {
	t.Helper()

	host := db.cfg.ConnConfig.Host
	if strings.HasPrefix(host, "/") {
		t.Skip("PNPD_TEST_POSTGRES_URL names a Unix socket, which the proxy cannot reach")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}

	addr := ln.Addr().(*net.TCPAddr)
	p := &proxy{host: "127.0.0.1", port: uint16(addr.Port), done: make(chan struct{}),
		target: net.JoinHostPort(host, strconv.Itoa(int(db.cfg.ConnConfig.Port)))}
	var wg sync.WaitGroup
	wg.Go(func() { p.accept(ln, &wg) })
	t.Cleanup(func() {
		ln.Close()
		close(p.done)
		p.closeAll()
		wg.Wait()
	})

	return p
}

// accept forwards each connection until the listener closes.
func (p *proxy) accept(ln net.Listener, wg *sync.WaitGroup) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}

		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		l := &link{client: client, server: server}
		p.mu.Lock()
		p.links = append(p.links, l)
		p.mu.Unlock()
		wg.Go(func() { p.forward(l, server, client) })
		wg.Go(func() { p.forward(l, client, server) })
	}
}

// forward copies src to dst until either fails, then closes the link;
// once the link is frozen, it holds what it reads, and even an end, until
// the test ends.
func (p *proxy) forward(l *link, dst, src net.Conn) {
	defer l.client.Close()
	defer l.server.Close()

	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if l.frozen.Load() {
			<-p.done
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze stops the connections the proxy holds now.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()

	for _, l := range p.links {
		l.frozen.Store(true)
	}
}

// connections returns how many connections the proxy has forwarded.
func (p *proxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()

	return len(p.links)
}

// closeAll closes every connection, which ends their forwarding.
func (p *proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()

	for _, l := range p.links {
		l.client.Close()
		l.server.Close()
	}
}
