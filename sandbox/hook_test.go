package sandbox_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	linewebhook "github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/pnpd/pnpd"
)

// hookWorld is a sandbox server with a channel whose webhook goes to a
// receiver on loopback, and one recipient.
type hookWorld struct {
	*instance
	recv  *receiver
	creds credentials
	sdk   *messaging_api.MessagingApiAPI
	// to is the recipient's phone hash, as a business sends it.
	to string
}

// setupHook starts a server and creates a channel with redelivery on or
// off, whose webhook answers the given statuses in turn and then 200, and
// a recipient in the given consent state.
func setupHook(t *testing.T, redelivery bool, consent pnpd.Consent,
	statuses ...int) *hookWorld {
	t.Helper()

	w := &hookWorld{instance: setup(t), recv: newReceiver(t, statuses...)}
	body := fmt.Sprintf(`{"name":"Shop","webhookUrl":%q,"redelivery":%t}`, w.recv.url,
		redelivery)
	w.sandbox(t, "POST", "/sandbox/v1/channels", body, &w.creds)
	w.to = pnpd.HashPhone(w.recipient(t, consent))

	sdk, err := messaging_api.NewMessagingApiAPI(w.creds.AccessToken,
		messaging_api.WithEndpoint(w.url))
	if err != nil {
		t.Fatalf("new SDK client: %v", err)
	}
	w.sdk = sdk

	return w
}

// recipient creates, through the store, a recipient who signed up an hour
// ago and returns the phone number, which the test must never print.
func (in *instance) recipient(t *testing.T, consent pnpd.Consent) string {
	t.Helper()

	phone := fmt.Sprintf("+8180%08d", rand.IntN(100_000_000))
	now := in.srv.Clock().Now()
	err := in.srv.Store().CreateRecipient(t.Context(), &pnpd.Recipient{
		ID: pnpd.NewUserID(), DisplayName: "Aiko", PhoneNumber: phone,
		PhoneHash: pnpd.HashPhone(phone), Language: "en", CreatedAt: now.Add(-time.Hour),
		SMSVerifiedAt: now.Add(-time.Hour), Consent: consent, PrivacyPolicyAgreed: true,
	})
	if err != nil {
		t.Fatalf("create recipient: %v", err)
	}

	return phone
}

// push sends a text to the recipient with the official SDK and returns
// the x-line-request-id.
func (w *hookWorld) push(t *testing.T, tag string) string {
	t.Helper()

	res, _, err := w.sdk.PushMessagesByPhoneWithHttpInfo(&messaging_api.PnpMessagesRequest{
		To:       w.to,
		Messages: []messaging_api.MessageInterface{messaging_api.TextMessage{Text: "hi"}},
	}, tag)
	if err != nil {
		t.Fatalf("push: %v", err)
	}

	id := res.Header.Get("X-Line-Request-Id")
	if id == "" {
		t.Fatal("the push answered without x-line-request-id")
	}

	return id
}

// faults injects webhook faults into the world's channel.
func (w *hookWorld) faults(t *testing.T, body string) {
	t.Helper()

	w.sandbox(t, "POST", w.faultsPath(), body, nil)
}

func (w *hookWorld) faultsPath() string {
	return "/sandbox/v1/channels/" + w.creds.ChannelID + "/webhook-faults"
}

// moveClock moves the sandbox clock forward.
func (w *hookWorld) moveClock(t *testing.T, d time.Duration) {
	t.Helper()

	body := fmt.Sprintf(`{"advanceSeconds": %d}`, int(d.Seconds()))
	w.sandbox(t, "POST", "/sandbox/v1/clock", body, nil)
}

// view mirrors the notification view.
type view struct {
	RequestID   string     `json:"requestId"`
	ChannelID   string     `json:"channelId"`
	Kind        string     `json:"kind"`
	State       string     `json:"state"`
	Final       bool       `json:"final"`
	DeliveryTag string     `json:"deliveryTag"`
	To          string     `json:"to"`
	AcceptedAt  time.Time  `json:"acceptedAt"`
	ExpiresAt   time.Time  `json:"expiresAt"`
	DeliveredAt *time.Time `json:"deliveredAt"`
	Webhook     *struct {
		EventID       string     `json:"eventId"`
		Settled       bool       `json:"settled"`
		Delivered     bool       `json:"delivered"`
		NextAttemptAt *time.Time `json:"nextAttemptAt"`
		Attempts      []attempt  `json:"attempts"`
	} `json:"webhook"`
	TimedOut bool `json:"timedOut"`
}

type attempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode"`
	Reason     string    `json:"reason"`
	Detail     string    `json:"detail"`
	LatencyMs  int64     `json:"latencyMs"`
	Redelivery bool      `json:"redelivery"`
	Injected   string    `json:"injected"`
}

// attempts returns the webhook attempts of a view, none when it has no
// webhook.
func (v view) attempts() []attempt {
	if v.Webhook == nil {
		return nil
	}

	return v.Webhook.Attempts
}

// view gets a notification's view at path.
func (in *instance) view(t *testing.T, path string) view {
	t.Helper()

	var v view
	in.sandbox(t, "GET", path, "", &v)

	return v
}

// awaitAttempts polls the view at path until the webhook has n attempts,
// for up to timeout.
func (in *instance) awaitAttempts(t *testing.T, path string, n int,
	timeout time.Duration) view {
	t.Helper()

	deadline := time.Now().Add(timeout)
	for {
		v := in.view(t, path)
		if len(v.attempts()) >= n {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the webhook has %d attempts, want %d: %+v", timeout,
				len(v.attempts()), n, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// receiver is a channel's bot server on loopback: it answers the given
// statuses in turn, then 200, and keeps every request as it arrived.
type receiver struct {
	url string

	mu       sync.Mutex
	statuses []int
	got      []request
}

// request is one webhook request as it arrived.
type request struct {
	body      []byte
	signature string
	at        time.Time
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()

	rc := &receiver{statuses: statuses}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/callback"

	return rc
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)

	rc.mu.Lock()
	rc.got = append(rc.got, request{body: body, at: time.Now(),
		signature: r.Header.Get("X-Line-Signature")})
	code := http.StatusOK
	if len(rc.statuses) > 0 {
		code, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	rc.mu.Unlock()

	w.WriteHeader(code)
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()

	return append([]request(nil), rc.got...)
}

// await waits up to timeout for n requests and returns those there are.
func (rc *receiver) await(n int, timeout time.Duration) []request {
	deadline := time.Now().Add(timeout)
	for len(rc.requests()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	return rc.requests()
}

// event parses a request with the official SDK, as a bot server would.
func (r request) event(t *testing.T, secret string) linewebhook.PnpDeliveryCompletionEvent {
	t.Helper()

	req := httptest.NewRequest("POST", "/callback", bytes.NewReader(r.body))
	req.Header.Set("X-Line-Signature", r.signature)
	cb, err := linewebhook.ParseRequest(secret, req)
	if err != nil {
		t.Fatalf("the SDK refused the webhook %s: %v", r.body, err)
	}
	if len(cb.Events) != 1 {
		t.Fatalf("webhook with %d events, want 1", len(cb.Events))
	}

	ev, ok := cb.Events[0].(linewebhook.PnpDeliveryCompletionEvent)
	if !ok {
		t.Fatalf("event %T, want a delivery completion event", cb.Events[0])
	}

	return ev
}

// wantError checks a response's status and exact body.
func wantError(t *testing.T, what string, r response, status int, body string) {
	t.Helper()

	if r.status != status || strings.TrimSpace(string(r.body)) != body {
		t.Errorf("%s: %d %s, want %d %s", what, r.status, r.body, status, body)
	}
}

func stringsReader(s string) io.Reader {
	return strings.NewReader(s)
}

// get calls the sandbox without a test to fail, for another goroutine; a
// failed call answers status 0.
func (in *instance) get(path string) response {
	req, err := http.NewRequest("GET", in.url+path, nil)
	if err != nil {
		return response{}
	}
	req.Header.Set("Authorization", "Bearer "+token)

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}
	}

	return response{status: resp.StatusCode, body: body}
}
