package pnpdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// Client calls the sandbox API of a pnpd server. Its methods fail the test
// they are given on any error; Do answers with errors instead. A Client is
// safe for use by parallel tests.
type Client struct {
	baseURL string
	token   string
	http    *http.Client

	mu     sync.Mutex
	phones map[string]phone // user ID → number, for VerifyBySMS
}

// Connect returns a Client for the sandbox API of the pnpd at baseURL (such
// as http://127.0.0.1:8080), which must run with --sandbox and token.
func Connect(baseURL, token string) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token,
		http: &http.Client{}, phones: map[string]phone{}}
}

// APIError is an answer of the sandbox API outside 2xx.
type APIError struct {
	Status  int    // the HTTP status
	Code    string // invalid, not_found, conflict, unauthorized, rate_limited, internal
	Message string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%d: %s", e.Status, e.Message)
	}

	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// callTimeout bounds a call that does not long-poll.
const callTimeout = 30 * time.Second

// Do sends a request to the sandbox API and decodes its JSON answer into
// out (unless out is nil or the answer has no body). path is the path under
// the server, such as "/sandbox/v1/clock", with any query; in, when not
// nil, is sent as JSON. An answer outside 2xx is an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	err := c.do(ctx, method, path, in, out)
	if err != nil {
		// The path's query may hold a phone number, never to be shown.
		p, _, _ := strings.Cut(path, "?")
		return fmt.Errorf("%s %s: %w", method, p, err)
	}

	return nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	req, err := c.request(ctx, method, path, in)
	if err != nil {
		return err
	}

	resp, err := c.http.Do(req)
	if err != nil {
		// A url.Error repeats the URL, whose query may hold a phone number.
		if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
			err = uerr.Err
		}
		return err
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}

	if resp.StatusCode/100 != 2 {
		return answerError(resp.StatusCode, body)
	}

	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}

	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}

	return nil
}

func (c *Client) request(ctx context.Context, method, path string, in any) (*http.Request,
	error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}

	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	return req, nil
}

func answerError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code == "" {
		return &APIError{Status: status, Message: strings.TrimSpace(string(body))}
	}

	return &APIError{Status: status, Code: e.Error.Code, Message: e.Error.Message}
}

// call is Do for the typed methods: it fails tb on any error.
func (c *Client) call(tb testing.TB, method, path string, in, out any) {
	tb.Helper()

	c.callFor(tb, callTimeout, method, path, in, out)
}

// callFor is call for a request that may take up to d.
func (c *Client) callFor(tb testing.TB, d time.Duration, method, path string, in, out any) {
	tb.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()

	if err := c.Do(ctx, method, path, in, out); err != nil {
		tb.Fatalf("pnpdtest: %v", err)
	}
}

// PhoneHash returns what a business sends as "to" for the phone number
// e164: the lower-case hex SHA-256 of the number in E.164.
func (c *Client) PhoneHash(e164 string) string {
	return pnpd.HashPhone(e164)
}

// remember keeps a recipient's number for VerifyBySMS, which has to read
// the SMS sent to it: the sandbox shows numbers only masked.
func (c *Client) remember(userID string, p phone) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.phones[userID] = p
}

func (c *Client) phoneOf(userID string) (phone, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()

	p, ok := c.phones[userID]

	return p, ok
}

// pathf builds a path from a format and path segments, escaping each.
func pathf(format string, segments ...string) string {
	args := make([]any, len(segments))
	for i, s := range segments {
		args[i] = url.PathEscape(s)
	}

	return fmt.Sprintf(format, args...)
}
