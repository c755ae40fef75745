package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pnpd/pnpd"
)

// DefaultTimeout is how long LINE waits for a webhook response before it
// counts the attempt as request_timeout.
const DefaultTimeout = 2 * time.Second

// MaxResponseBytes is how much of a response body Send reads before it
// closes the connection; the body itself is ignored.
const MaxResponseBytes = 64 << 10

// UserAgent is the User-Agent LINE's webhook requests carry.
const UserAgent = "LineBotWebhook/2.0"

// Result is the outcome of one webhook request.
type Result struct {
	StatusCode int    // 0 when no response arrived
	Reason     string // "" on any 2xx, else one of pnpd's Reason constants
	Detail     string // LINE's wording, such as "Connection failed" or "500"
	Latency    time.Duration
}

// OK reports whether the receiver answered with a 2xx status.
func (r Result) OK() bool {
	return r.Reason == ""
}

// Sender posts signed webhook bodies. The zero value is ready to use.
type Sender struct {
	// Client sends the requests; nil means a client on
	// http.DefaultTransport. Its redirect policy is ignored: Send never
	// follows a redirect.
	Client *http.Client
	// Timeout bounds each attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// PublicOnly refuses to connect to any address outside the public
	// internet — loopback, private, link-local (where clouds serve
	// instance metadata) — so that a business cannot aim the platform's
	// requests at the operator's own network. It applies when Client is
	// nil; proxies from the environment are then not used.
	PublicOnly bool

	public     sync.Once
	publicHTTP *http.Transport
}

// errAttemptTimeout marks the end of an attempt's time, to tell it apart
// from the caller cancelling.
var errAttemptTimeout = errors.New("webhook response not received in time")

// Send posts body to rawURL, signed with secret, and classifies the outcome
// in LINE's reasons. It never returns an error: every failure is a Result.
func (s *Sender) Send(ctx context.Context, rawURL, secret string,
	body []byte) Result {
	if !ValidURL(rawURL) {
		return Result{Reason: pnpd.ReasonCouldNotConnect, Detail: detailInvalidURL}
	}

	ctx, cancel := context.WithTimeoutCause(ctx, s.timeout(), errAttemptTimeout)
	defer cancel()

	var p progress
	req, err := newRequest(p.trace(ctx), rawURL, secret, body)
	if err != nil {
		return Result{Reason: pnpd.ReasonCouldNotConnect, Detail: detailInvalidURL}
	}

	start := time.Now()
	resp, err := s.client().Do(req)
	latency := time.Since(start)
	if err != nil {
		reason, detail := classify(ctx, err, p.stage())

		return Result{Reason: reason, Detail: detail, Latency: latency}
	}

	drain(resp.Body)

	return statusResult(resp.StatusCode, latency)
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}

	return DefaultTimeout
}

// client returns a copy of the configured client that never follows a
// redirect: LINE counts a 3xx as an error status.
func (s *Sender) client() *http.Client {
	c := http.Client{}
	switch {
	case s.Client != nil:
		c = *s.Client
	case s.PublicOnly:
		s.public.Do(func() { s.publicHTTP = publicTransport() })
		c.Transport = s.publicHTTP
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}

	return &c
}

// MaxURLLength is the longest webhook URL pnpd takes, in bytes.
const MaxURLLength = 500

// ValidURL reports whether rawURL is one pnpd sends webhooks to: absolute,
// http or https, with a host, at most MaxURLLength long. LINE takes https
// only; pnpd takes http too, so that a receiver on a developer's own
// machine needs no certificate.
func ValidURL(rawURL string) bool {
	if len(rawURL) > MaxURLLength {
		return false
	}

	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)

	return scheme == "http" || scheme == "https"
}

func newRequest(ctx context.Context, rawURL, secret string,
	body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL,
		bytes.NewReader(body))
	if err != nil {
		return nil, err
	}

	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", UserAgent)
	// Set directly to keep LINE's lower-case name on HTTP/1.1;
	// Header.Set would write X-Line-Signature.
	req.Header["x-line-signature"] = []string{Sign(secret, body)}

	return req, nil
}

// drain reads a bounded part of the body so that the connection can be
// reused when the body is short, then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, MaxResponseBytes))
	_ = body.Close()
}

func statusResult(code int, latency time.Duration) Result {
	r := Result{StatusCode: code, Latency: latency}
	if code < 200 || code > 299 {
		r.Reason = pnpd.ReasonErrorStatusCode
		r.Detail = strconv.Itoa(code)
	}

	return r
}

// SendTest sends LINE's webhook test to rawURL: one request signed with
// the channel's secret, for its bot user ID, with no events. The LINE API's
// webhook test and the console's Verify button both send it.
func (s *Sender) SendTest(ctx context.Context, rawURL string, ch *pnpd.Channel) Result {
	// A string and an empty list always encode.
	body, _ := json.Marshal(struct {
		Destination string     `json:"destination"`
		Events      []struct{} `json:"events"`
	}{ch.BotUserID, []struct{}{}})

	return s.Send(ctx, rawURL, ch.Secret, body)
}
