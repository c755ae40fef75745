package lineapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// The paths of the endpoints under test.
const (
	pushPath  = "/bot/pnp/push"
	countPath = "/v2/bot/message/delivery/pnp"
)

// The error bodies LINE documents, as the API must write them.
const (
	bodyAuthRequired = `{"message":"Authorization header required. ` +
		`Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"}`
	bodyTokenMalformed = `{"message":"Authentication failed due to the following ` +
		`reason: The access token malformed. Confirm that the access token in the ` +
		`authorization header is valid."}`
	bodyTokenInvalid = `{"message":"Authentication failed. Confirm that the access ` +
		`token in the authorization header is valid."}`
	bodyFailedToSend = `{"message":"Failed to send messages"}`
	bodyRateLimited  = `{"message":"The API rate limit has been exceeded. Try again later."}`
	bodyInvalidDate  = `{"message":"The value for the 'date' parameter is invalid"}`
	bodyTooLarge     = `{"message":"The request body must not exceed 2MB"}`
)

// env is a running pnpd, seeded with the demo channel and its recipients.
type env struct {
	srv   *server.Server
	url   string
	demo  sandbox.Demo
	token string // the demo channel's access token
	ids   *requestIDs
}

// setup starts pnpd on a loopback port with a fresh database and the demo
// seeded; rateLimit is each channel's requests per second per endpoint, 0
// for none.
func setup(tb testing.TB, rateLimit float64) *env {
	tb.Helper()

	ctx := context.Background()
	srv := servertest.Start(tb, server.Config{Sandbox: true, SandboxToken: "x",
		RateLimit: rateLimit})

	demo, err := sandbox.SeedDemo(ctx, srv.Store(), srv.Clock())
	if err != nil {
		tb.Fatalf("seed demo: %v", err)
	}

	return &env{srv: srv, url: srv.URL(), demo: demo, token: demo.Credentials.AccessToken,
		ids: &requestIDs{seen: map[string]bool{}}}
}

// channel creates a further channel and returns its access token.
func (e *env) channel(tb testing.TB, name string) string {
	tb.Helper()

	var creds sandbox.Credentials
	err := e.srv.Store().Update(context.Background(), func(q pnpd.Queries) error {
		var err error
		creds, err = sandbox.CreateChannel(context.Background(), q, e.srv.Clock(),
			sandbox.ChannelSpec{Name: name})

		return err
	})
	if err != nil {
		tb.Fatalf("create channel: %v", err)
	}

	return creds.AccessToken
}

// hash is the phone hash of the demo recipient with the given name.
func (e *env) hash(tb testing.TB, name string) string {
	tb.Helper()

	for _, r := range e.demo.Recipients {
		if r.Name == name {
			return pnpd.HashPhone(r.PhoneNumber)
		}
	}
	tb.Fatalf("no demo recipient %q", name)

	return ""
}

// sdk is the official LINE client pointed at pnpd with a token.
func (e *env) sdk(tb testing.TB, token string) *messaging_api.MessagingApiAPI {
	tb.Helper()

	c, err := messaging_api.NewMessagingApiAPI(token, messaging_api.WithEndpoint(e.url))
	if err != nil {
		tb.Fatalf("new SDK client: %v", err)
	}

	return c
}

// textBody is a valid push body: one text message to the hash.
func textBody(to string) string {
	return `{"to":"` + to + `","messages":[{"type":"text","text":"Your parcel is on its way"}]}`
}

// pushRequest is a push as a well-behaved client sends it: the demo token,
// a JSON content type and the body.
func (e *env) pushRequest(tb testing.TB, body string) *http.Request {
	tb.Helper()

	req, err := http.NewRequest(http.MethodPost, e.url+pushPath, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.token)

	return req
}

// countRequest asks for the flexible count of a date with the demo token;
// rawQuery is the whole query string.
func (e *env) countRequest(tb testing.TB, rawQuery string) *http.Request {
	tb.Helper()

	req, err := http.NewRequest(http.MethodGet, e.url+countPath+"?"+rawQuery, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)

	return req
}

// reply is what the API answered.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string {
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// send sends a request to a LINE endpoint and checks what every answer
// must have: a request ID not seen before and, for errors, LINE's error
// body.
func (e *env) send(tb testing.TB, req *http.Request) reply {
	tb.Helper()

	r := sendRaw(tb, req)
	e.ids.check(tb, r)
	if r.status >= 400 {
		checkErrorBody(tb, r)
	}

	return r
}

// sendRaw sends a request and reads the whole answer, checking nothing.
func sendRaw(tb testing.TB, req *http.Request) reply {
	tb.Helper()

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read answer: %v", req.Method, req.URL.Path, err)
	}

	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// sdkReply turns what an SDK call returned into a reply, checked as send
// checks it.
func (e *env) sdkReply(tb testing.TB, resp *http.Response, err error) reply {
	tb.Helper()

	if resp == nil {
		tb.Fatalf("SDK call: no response: %v", err)
	}
	defer resp.Body.Close()

	// The SDK puts the body back for errors and leaves it unread on success.
	body, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: body}
	e.ids.check(tb, r)
	if r.status >= 400 {
		checkErrorBody(tb, r)
	}

	return r
}

// requestIDs remembers the X-Line-Request-Id of every answer of one server
// to check that none repeats.
type requestIDs struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (ids *requestIDs) check(tb testing.TB, r reply) {
	tb.Helper()

	values := r.header.Values("X-Line-Request-Id")
	if len(values) != 1 || values[0] == "" {
		tb.Errorf("X-Line-Request-Id = %q, want one non-empty ID (answer %v)", values, r)
		return
	}

	ids.mu.Lock()
	defer ids.mu.Unlock()

	if ids.seen[values[0]] {
		tb.Errorf("X-Line-Request-Id %s was sent before", values[0])
	}
	ids.seen[values[0]] = true
}

// errorCount reads N from LINE's "The request body has N error(s)".
var errorCount = regexp.MustCompile(`^The request(?: body)? has (\d+) error\(s\)$`)

// errorBody is LINE's error body, decoded strictly.
type errorBody struct {
	Message *string `json:"message"`
	Details []struct {
		Message  *string `json:"message"`
		Property *string `json:"property"`
	} `json:"details"`
}

// checkErrorBody checks that an error answer is a LINE error body: a
// non-empty message, details with a message and a property each, as many
// as the message counts, and nothing else.
func checkErrorBody(tb testing.TB, r reply) {
	tb.Helper()

	var b errorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Message == nil || *b.Message == "" {
		tb.Errorf("answer %v is not a LINE error body (%v)", r, err)
		return
	}

	for i, d := range b.Details {
		if d.Message == nil || *d.Message == "" || d.Property == nil || *d.Property == "" {
			tb.Errorf("answer %v: details[%d] lacks a message or a property", r, i)
		}
	}

	if m := errorCount.FindStringSubmatch(*b.Message); m != nil {
		if n, _ := strconv.Atoi(m[1]); n != len(b.Details) {
			tb.Errorf("answer %v counts %d error(s) but has %d details", r, n, len(b.Details))
		}
	}
}

// assertReply checks the status and that the body is the JSON value want,
// written as want writes it: the same members in the same order, the same
// strings byte for byte, "<" and ">" as they are. One line end may follow.
func assertReply(tb testing.TB, got reply, status int, want string) {
	tb.Helper()

	if got.status != status {
		tb.Errorf("status = %d, want %d (body %s)", got.status, status, got.body)
	}

	switch {
	case !sameJSON(got.body, []byte(want)):
		tb.Errorf("body = %s, want %s", bytes.TrimSpace(got.body), want)
	case string(bytes.TrimSuffix(got.body, []byte("\n"))) != want:
		tb.Errorf("body is written as %q, want %q", got.body, want)
	}
}

func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}

	return reflect.DeepEqual(va, vb)
}

// errorJSON builds LINE's "The request body has N error(s)" body from
// message and property pairs.
func errorJSON(pairs ...string) string {
	return detailJSON(fmt.Sprintf("The request body has %d error(s)", len(pairs)/2), pairs...)
}

// detailJSON builds an error body with a message and details from message
// and property pairs.
func detailJSON(message string, pairs ...string) string {
	type detail struct {
		Message  string `json:"message"`
		Property string `json:"property"`
	}
	body := struct {
		Message string   `json:"message"`
		Details []detail `json:"details"`
	}{Message: message}
	for i := 0; i+1 < len(pairs); i += 2 {
		body.Details = append(body.Details, detail{pairs[i], pairs[i+1]})
	}

	return compactJSON(body)
}

// messageJSON builds an error body with only a message.
func messageJSON(message string) string {
	return compactJSON(map[string]string{"message": message})
}

// compactJSON writes v as LINE does: compact, with "<", ">" and "&" as they
// are.
func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)

	return strings.TrimSuffix(b.String(), "\n")
}
