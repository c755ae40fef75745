package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"syscall"

	"github.com/pnpd/pnpd"
)

// The details of a failed attempt, in the words of LINE's webhook error
// statistics. An error status has its code as detail.
const (
	detailConnectionFailed = "Connection failed"
	detailConnectionClosed = "Connection failed (session closed)"
	detailConnectTimeout   = "Connection timeout"
	detailDNSTimeout       = "DNS Query timeout"
	detailInvalidURL       = "Invalid URL syntax"
	detailNoTLSRecord      = "No SSL/TLS record"
	detailTLSHandshake     = "TLS handshake failure"
	detailUnknownHost      = "Unknown host"
	detailRequestTimeout   = "Request timeout"
	detailSessionClosed    = "Session closed unexpectedly"
	detailUnclassified     = "Unclassified webhook dispatch error"
)

// stage is how far a request got before it failed; a failure before
// stageConnected means LINE "could not connect".
type stage int32

const (
	stageStart stage = iota
	stageResolving
	stageConnecting
	stageHandshaking
	stageConnected
)

// progress follows a request through httptrace. The transport dials on its
// own goroutines, so the stage is atomic and only moves forward.
type progress struct {
	v atomic.Int32
}

func (p *progress) stage() stage {
	return stage(p.v.Load())
}

func (p *progress) reach(s stage) {
	for {
		old := p.v.Load()
		if stage(old) >= s || p.v.CompareAndSwap(old, int32(s)) {
			return
		}
	}
}

// trace returns ctx with hooks that record the request's progress.
func (p *progress) trace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		DNSStart:          func(httptrace.DNSStartInfo) { p.reach(stageResolving) },
		DNSDone:           func(httptrace.DNSDoneInfo) { p.reach(stageConnecting) },
		ConnectStart:      func(string, string) { p.reach(stageConnecting) },
		TLSHandshakeStart: func() { p.reach(stageHandshaking) },
		GotConn:           func(httptrace.GotConnInfo) { p.reach(stageConnected) },
	})
}

// classify names a failed request's reason and detail. ctx is the attempt's
// context, st the stage the request reached.
func classify(ctx context.Context, err error, st stage) (reason, detail string) {
	if errors.Is(context.Cause(ctx), errAttemptTimeout) || isTimeout(err) {
		return timeoutReason(st)
	}

	if ctx.Err() != nil {
		// The caller gave up (shutdown or the job's own deadline): the
		// receiver is not at fault.
		return pnpd.ReasonUnclassified, detailUnclassified
	}

	if st < stageConnected {
		return pnpd.ReasonCouldNotConnect, connectDetail(err, st)
	}

	if closedEarly(err) {
		return pnpd.ReasonUnclassified, detailSessionClosed
	}

	return pnpd.ReasonUnclassified, detailUnclassified
}

func isTimeout(err error) bool {
	var ne net.Error

	return errors.As(err, &ne) && ne.Timeout()
}

func timeoutReason(st stage) (reason, detail string) {
	switch st {
	case stageResolving:
		return pnpd.ReasonCouldNotConnect, detailDNSTimeout
	case stageHandshaking:
		return pnpd.ReasonCouldNotConnect, detailTLSHandshake
	case stageConnected:
		return pnpd.ReasonRequestTimeout, detailRequestTimeout
	default:
		return pnpd.ReasonCouldNotConnect, detailConnectTimeout
	}
}

// connectDetail describes a failure that happened before a connection was
// ready for the request.
func connectDetail(err error, st stage) string {
	var dnsErr *net.DNSError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, errNotPublic):
		return detailNotPublic
	case errors.As(err, &dnsErr):
		return dnsDetail(dnsErr)
	case errors.As(err, &recordErr), errors.Is(err, http.ErrSchemeMismatch):
		// net/http turns a plain HTTP answer to a TLS hello into
		// ErrSchemeMismatch.
		return detailNoTLSRecord
	case st == stageHandshaking || isTLSError(err):
		return detailTLSHandshake
	case closedEarly(err):
		return detailConnectionClosed
	default:
		return detailConnectionFailed
	}
}

func dnsDetail(err *net.DNSError) string {
	if err.IsTimeout {
		return detailDNSTimeout
	}

	return detailUnknownHost
}

func isTLSError(err error) bool {
	var alert tls.AlertError
	var verify *tls.CertificateVerificationError

	return errors.As(err, &alert) || errors.As(err, &verify)
}

// closedEarly reports whether the peer closed or reset the connection.
func closedEarly(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed)
}
