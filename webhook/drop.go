package webhook

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
)

// SendDropped posts body to rawURL, signed with secret, like Send, then
// closes the connection without reading the answer: the sandbox's drop
// fault. The receiver gets the whole request; pnpd records the attempt as
// LINE does a session that closed unexpectedly.
//
// It writes the request on a connection of its own rather than through the
// client, which would read the answer before handing the connection back.
// It dials with the client's transport's dialer and TLS settings when the
// client has an *http.Transport.
func (s *Sender) SendDropped(ctx context.Context, rawURL, secret string,
	body []byte) Result {
	if !ValidURL(rawURL) {
		return Result{Reason: pnpd.ReasonCouldNotConnect, Detail: detailInvalidURL}
	}

	ctx, cancel := context.WithTimeoutCause(ctx, s.timeout(), errAttemptTimeout)
	defer cancel()

	req, err := newRequest(ctx, rawURL, secret, body)
	if err != nil {
		return Result{Reason: pnpd.ReasonCouldNotConnect, Detail: detailInvalidURL}
	}

	start := time.Now()
	conn, st, err := s.dial(ctx, req.URL)
	if err != nil {
		reason, detail := classify(ctx, err, st)

		return Result{Reason: reason, Detail: detail, Latency: time.Since(start)}
	}

	err = writeAndClose(ctx, conn, req)
	latency := time.Since(start)
	if err != nil {
		reason, detail := classify(ctx, err, stageConnected)

		return Result{Reason: reason, Detail: detail, Latency: latency}
	}

	return Result{Reason: pnpd.ReasonUnclassified, Detail: detailSessionClosed,
		Latency: latency}
}

// writeAndClose writes the whole request, then closes the connection.
func writeAndClose(ctx context.Context, conn net.Conn, req *http.Request) error {
	defer conn.Close()

	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}

	return req.Write(conn)
}

// dial connects to the URL's host, over TLS for https, and tells how far
// it got when it fails.
func (s *Sender) dial(ctx context.Context, u *url.URL) (net.Conn, stage, error) {
	dial, tlsConfig := s.dialer()
	raw, err := dial(ctx, "tcp", hostPort(u))
	if err != nil {
		return nil, stageConnecting, err
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return raw, stageConnected, nil
	}

	cfg := tlsConfig.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = u.Hostname()
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, stageHandshaking, err
	}

	return conn, stageConnected, nil
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// dialer returns the dial function and TLS settings of the client's
// transport, or the defaults.
func (s *Sender) dialer() (dialFunc, *tls.Config) {
	dial, cfg := dialFunc((&net.Dialer{}).DialContext), &tls.Config{}
	if s.Client == nil {
		return dial, cfg
	}

	t, ok := s.Client.Transport.(*http.Transport)
	if !ok {
		return dial, cfg
	}
	if t.DialContext != nil {
		dial = t.DialContext
	}
	if t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig
	}

	return dial, cfg
}

// hostPort adds the scheme's default port when the URL names none.
func hostPort(u *url.URL) string {
	if port := u.Port(); port != "" {
		return net.JoinHostPort(u.Hostname(), port)
	}
	if strings.EqualFold(u.Scheme, "https") {
		return net.JoinHostPort(u.Hostname(), "443")
	}

	return net.JoinHostPort(u.Hostname(), "80")
}
