package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// serve starts a loopback HTTP server and returns its URL.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()

	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	return srv.URL
}

// serveTLS starts a loopback HTTPS server whose certificate the default
// client does not trust.
func serveTLS(t *testing.T, h http.HandlerFunc) string {
	t.Helper()

	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake errors
	srv.StartTLS()
	t.Cleanup(srv.Close)

	return srv.URL
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// closedPort is an http URL on loopback where nothing listens: port 1,
// which no test's server gets, unlike a free port closed again, which a
// server started meanwhile, in this process or another, may take.
func closedPort(*testing.T) string {
	return "http://127.0.0.1:1/webhook"
}

func slow(w http.ResponseWriter, r *http.Request) {
	// The server notices the client hanging up only once the body is read.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-time.After(3 * time.Second):
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}

func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err) // the test server supports hijacking
	}
	_ = conn.Close()
}

func redirect(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/moved" {
		w.WriteHeader(http.StatusOK)

		return
	}
	http.Redirect(w, r, "/moved", http.StatusFound)
}

func bigBody(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<20))
}

// A target starts a receiver, when the case needs one, and returns the
// webhook URL.
type target func(t *testing.T) string

func plain(h http.HandlerFunc) target {
	return func(t *testing.T) string { return serve(t, h) }
}

func secure(h http.HandlerFunc) target {
	return func(t *testing.T) string { return serveTLS(t, h) }
}

// tlsToPlain points an https URL at a plain HTTP server.
func tlsToPlain(t *testing.T) string {
	return strings.Replace(serve(t, status(200)), "http:", "https:", 1)
}

func fixed(url string) target {
	return func(*testing.T) string { return url }
}

func TestSenderSend(t *testing.T) {
	t.Parallel()

	const (
		connect = pnpd.ReasonCouldNotConnect
		code    = pnpd.ReasonErrorStatusCode
		other   = pnpd.ReasonUnclassified
	)
	tests := []struct {
		name    string
		url     target
		timeout time.Duration // zero: DefaultTimeout
		status  int
		reason  string
		detail  string
	}{
		{name: "200", url: plain(status(200)), status: 200},
		{name: "204", url: plain(status(204)), status: 204},
		{name: "long response body", url: plain(bigBody), status: 200},
		{name: "500", url: plain(status(500)), status: 500, reason: code, detail: "500"},
		{name: "redirect is not followed", url: plain(redirect), status: 302,
			reason: code, detail: "302"},
		{name: "no answer in time", url: plain(slow), timeout: 200 * time.Millisecond,
			reason: pnpd.ReasonRequestTimeout, detail: detailRequestTimeout},
		{name: "closed port", url: closedPort, reason: connect,
			detail: detailConnectionFailed},
		{name: "receiver hangs up", url: plain(hangUp), reason: other,
			detail: detailSessionClosed},
		{name: "untrusted certificate", url: secure(status(200)), reason: connect,
			detail: detailTLSHandshake},
		{name: "https to a plain HTTP server", url: tlsToPlain, reason: connect,
			detail: detailNoTLSRecord},
		{name: "malformed URL", url: fixed("http://[::1/webhook"), reason: connect,
			detail: detailInvalidURL},
		{name: "relative URL", url: fixed("/webhook"), reason: connect,
			detail: detailInvalidURL},
		{name: "not HTTP", url: fixed("ftp://127.0.0.1/webhook"), reason: connect,
			detail: detailInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := &Sender{Timeout: tt.timeout}
			got := s.Send(context.Background(), tt.url(t), testSecret, []byte(`{}`))

			if got.StatusCode != tt.status || got.Reason != tt.reason ||
				got.Detail != tt.detail {
				t.Errorf("Send() = %+v, want status %d reason %q detail %q", got,
					tt.status, tt.reason, tt.detail)
			}
		})
	}
}

func TestSenderRequest(t *testing.T) {
	t.Parallel()

	body := Body(testEvent(testPhoneHash), false)
	got := make(chan *http.Request, 1)
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		got <- r
	})

	if res := (&Sender{}).Send(context.Background(), url, testSecret, body); !res.OK() {
		t.Fatalf("Send() = %+v, want success", res)
	}

	r := <-got
	b, _ := io.ReadAll(r.Body)
	tests := []struct {
		name, got, want string
	}{
		{name: "method", got: r.Method, want: http.MethodPost},
		{name: "content type", got: r.Header.Get("Content-Type"),
			want: "application/json; charset=utf-8"},
		{name: "user agent", got: r.Header.Get("User-Agent"), want: "LineBotWebhook/2.0"},
		{name: "signature", got: r.Header.Get("x-line-signature"),
			want: Sign(testSecret, body)},
		{name: "body", got: string(b), want: string(body)},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestSenderCallerCancels(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := (&Sender{}).Send(ctx, serve(t, status(200)), testSecret, []byte(`{}`))

	if got.Reason != pnpd.ReasonUnclassified {
		t.Errorf("Send() = %+v, want reason %q", got, pnpd.ReasonUnclassified)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()

	wrap := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://bot.example/", Err: err}
	}
	tests := []struct {
		name       string
		err        error
		stage      stage
		wantReason string
		wantDetail string
	}{
		{name: "unknown host", stage: stageResolving,
			err:        wrap(&net.DNSError{Err: "no such host", IsNotFound: true}),
			wantReason: pnpd.ReasonCouldNotConnect, wantDetail: detailUnknownHost},
		{name: "DNS timeout", stage: stageResolving,
			err:        wrap(&net.DNSError{Err: "i/o timeout", IsTimeout: true}),
			wantReason: pnpd.ReasonCouldNotConnect, wantDetail: detailDNSTimeout},
		{name: "connect timeout", stage: stageConnecting,
			err:        wrap(&net.OpError{Op: "dial", Err: timeoutError{}}),
			wantReason: pnpd.ReasonCouldNotConnect, wantDetail: detailConnectTimeout},
		{name: "TLS alert", stage: stageConnecting,
			err:        wrap(tls.AlertError(40)),
			wantReason: pnpd.ReasonCouldNotConnect, wantDetail: detailTLSHandshake},
		{name: "closed during handshake", stage: stageHandshaking, err: wrap(io.EOF),
			wantReason: pnpd.ReasonCouldNotConnect, wantDetail: detailTLSHandshake},
		{name: "closed before ready", stage: stageConnecting, err: wrap(io.EOF),
			wantReason: pnpd.ReasonCouldNotConnect, wantDetail: detailConnectionClosed},
		{name: "reset after connecting", stage: stageConnected,
			err:        wrap(fmt.Errorf("read: %w", io.ErrUnexpectedEOF)),
			wantReason: pnpd.ReasonUnclassified, wantDetail: detailSessionClosed},
		{name: "anything else", stage: stageConnected, err: wrap(errors.New("odd")),
			wantReason: pnpd.ReasonUnclassified, wantDetail: detailUnclassified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			reason, detail := classify(context.Background(), tt.err, tt.stage)
			if reason != tt.wantReason || detail != tt.wantDetail {
				t.Errorf("classify() = %q, %q, want %q, %q", reason, detail,
					tt.wantReason, tt.wantDetail)
			}
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
