package lineapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	linewebhook "github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

// receiver is a bot server on loopback that checks each request's signature
// with the SDK and hands on what it parsed.
type receiver struct {
	url      string
	requests chan *linewebhook.CallbackRequest
}

// receive starts a receiver that answers status to every request.
func receive(t *testing.T, secret string, status int) *receiver {
	t.Helper()

	rc := &receiver{requests: make(chan *linewebhook.CallbackRequest, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := linewebhook.ParseRequest(secret, r)
		if err != nil {
			t.Errorf("receiver: parse webhook request: %v", err)
			w.WriteHeader(http.StatusBadRequest)

			return
		}

		rc.requests <- cb
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/webhook"

	return rc
}

// next waits for the receiver's next request.
func (rc *receiver) next(t *testing.T, what string) *linewebhook.CallbackRequest {
	t.Helper()

	select {
	case cb := <-rc.requests:
		return cb
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no webhook request arrived", what)
		return nil
	}
}

// unreachable is an http URL on loopback where nothing listens: port 1,
// which no test's server gets, unlike a free port closed again, which a
// server started meanwhile, in this process or another, may take.
func unreachable(*testing.T) string {
	return "http://127.0.0.1:1/webhook"
}

func TestWebhookEndpointIsSetAndRead(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	api := e.sdk(t, e.token)

	res, got, err := api.GetWebhookEndpointWithHttpInfo()
	e.sdkReply(t, res, err)
	if got.Endpoint != "" || got.Active {
		t.Errorf("webhook of a channel without one = %+v, want no endpoint, inactive", got)
	}

	// The SDK reads the answer of a set itself: the body is checked on a
	// plain request.
	url := "https://shop.example/line/webhook"
	req, err := http.NewRequest(http.MethodPut, e.url+"/v2/bot/channel/webhook/endpoint",
		strings.NewReader(`{"endpoint":"`+url+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.token)
	assertReply(t, e.send(t, req), http.StatusOK, `{}`)

	res, got, err = api.GetWebhookEndpointWithHttpInfo()
	e.sdkReply(t, res, err)
	if got.Endpoint != url || !got.Active {
		t.Errorf("webhook after it was set = %+v, want %s, active", got, url)
	}

	// Once the channel has a URL, a new one leaves the switch as it is.
	err = e.srv.Store().UpdateChannelWebhook(context.Background(),
		e.demo.Credentials.ChannelID, url, false)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err = api.SetWebhookEndpointWithHttpInfo(
		&messaging_api.SetWebhookEndpointRequest{Endpoint: url + "/v2"})
	e.sdkReply(t, res, err)
	res, got, err = api.GetWebhookEndpointWithHttpInfo()
	e.sdkReply(t, res, err)
	if got.Endpoint != url+"/v2" || got.Active {
		t.Errorf("webhook set while off = %+v, want %s/v2, inactive", got, url)
	}
}

// badURL is the refusal of a webhook URL pnpd does not take.
const badURL = "Must be an http or https URL of at most 500 characters"

func TestWebhookEndpointRefusesBadURLs(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	api := e.sdk(t, e.token)

	cases := []struct {
		name, endpoint, want string
	}{
		{"empty", "", errorJSON("May not be empty", "endpoint")},
		{"not a URL", "shop.example", errorJSON(badURL, "endpoint")},
		{"ftp", "ftp://shop.example/", errorJSON(badURL, "endpoint")},
		{"no host", "https:///webhook", errorJSON(badURL, "endpoint")},
		{"too long", "https://shop.example/" + strings.Repeat("a", 480),
			errorJSON(badURL, "endpoint")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			res, _, err := api.SetWebhookEndpointWithHttpInfo(
				&messaging_api.SetWebhookEndpointRequest{Endpoint: tc.endpoint})
			assertReply(t, e.sdkReply(t, res, err), http.StatusBadRequest, tc.want)
		})
	}

	res, got, err := api.GetWebhookEndpointWithHttpInfo()
	e.sdkReply(t, res, err)
	if got.Endpoint != "" {
		t.Errorf("endpoint after refused URLs = %q, want none", got.Endpoint)
	}
}

// TestPushReachesTheNewEndpoint checks that a delivery webhook goes to the
// URL set last, though the channel was looked up before each change.
func TestPushReachesTheNewEndpoint(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	api := e.sdk(t, e.token)
	secret := e.demo.Credentials.ChannelSecret
	first, second := receive(t, secret, http.StatusOK), receive(t, secret, http.StatusOK)

	for _, rc := range []*receiver{first, second} {
		res, _, err := api.SetWebhookEndpointWithHttpInfo(
			&messaging_api.SetWebhookEndpointRequest{Endpoint: rc.url})
		if r := e.sdkReply(t, res, err); r.status != http.StatusOK {
			t.Fatalf("set endpoint: %v", r)
		}

		r := e.send(t, e.pushRequest(t, textBody(e.hash(t, "Aiko"))))
		assertReply(t, r, http.StatusOK, `{}`)

		cb := rc.next(t, "delivery webhook")
		if cb.Destination != e.demo.Credentials.BotUserID || len(cb.Events) != 1 {
			t.Errorf("delivery webhook = %+v, want one event for %s", cb,
				e.demo.Credentials.BotUserID)
		}
	}

	select {
	case cb := <-first.requests:
		t.Errorf("the first URL got a request after it was replaced: %+v", cb)
	default:
	}
}

func TestWebhookTest(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	api := e.sdk(t, e.token)
	secret := e.demo.Credentials.ChannelSecret
	ok := receive(t, secret, http.StatusOK)
	failing := receive(t, secret, http.StatusInternalServerError)

	res, _, err := api.SetWebhookEndpointWithHttpInfo(
		&messaging_api.SetWebhookEndpointRequest{Endpoint: ok.url})
	e.sdkReply(t, res, err)

	cases := []struct {
		name     string
		endpoint string // "" for the configured one
		rc       *receiver
		want     messaging_api.TestWebhookEndpointResponse
	}{
		{"configured URL", "", ok, messaging_api.TestWebhookEndpointResponse{
			Success: true, StatusCode: 200, Reason: "OK", Detail: "200"}},
		{"URL given", failing.url, failing, messaging_api.TestWebhookEndpointResponse{
			StatusCode: 500, Reason: "error_status_code", Detail: "500"}},
		{"unreachable", unreachable(t), nil, messaging_api.TestWebhookEndpointResponse{
			Reason: "could_not_connect", Detail: "Connection failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			before := time.Now().Add(-time.Second)
			res, got, err := api.TestWebhookEndpointWithHttpInfo(
				&messaging_api.TestWebhookEndpointRequest{Endpoint: tc.endpoint})
			e.sdkReply(t, res, err)
			if got == nil {
				t.Fatalf("no test result: %v", err)
			}

			if got.Timestamp.Before(before) || got.Timestamp.After(time.Now()) {
				t.Errorf("timestamp = %v, want about now", got.Timestamp)
			}
			got.Timestamp = time.Time{}
			if *got != tc.want {
				t.Errorf("test result = %+v, want %+v", *got, tc.want)
			}

			if tc.rc != nil {
				cb := tc.rc.next(t, "test request")
				if cb.Destination != e.demo.Credentials.BotUserID || len(cb.Events) != 0 {
					t.Errorf("test request = %+v, want no events for %s", cb,
						e.demo.Credentials.BotUserID)
				}
			}
		})
	}
}

func TestWebhookTestWithoutURL(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)

	res, _, err := e.sdk(t, e.token).TestWebhookEndpointWithHttpInfo(nil)
	assertReply(t, e.sdkReply(t, res, err), http.StatusBadRequest,
		messageJSON("The webhook endpoint URL is not set"))
}

func TestBotInfo(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	other := e.channel(t, "Other Shop")

	res, got, err := e.sdk(t, e.token).GetBotInfoWithHttpInfo()
	e.sdkReply(t, res, err)
	if got.UserId != e.demo.Credentials.BotUserID || got.DisplayName != "pnpd Demo Shop" ||
		got.ChatMode != "bot" || got.MarkAsReadMode != "auto" {
		t.Errorf("bot info = %+v", got)
	}
	if !regexp.MustCompile(`^@[0-9]{3}[a-z]{5}$`).MatchString(got.BasicId) {
		t.Errorf("basic ID = %q, want @ then 3 digits and 5 letters", got.BasicId)
	}

	again, err := e.sdk(t, e.token).GetBotInfo()
	if err != nil || again.BasicId != got.BasicId {
		t.Errorf("basic ID asked again = %+v (%v), want %s", again, err, got.BasicId)
	}
	theirs, err := e.sdk(t, other).GetBotInfo()
	if err != nil || theirs.BasicId == got.BasicId || theirs.DisplayName != "Other Shop" {
		t.Errorf("other channel's bot info = %+v (%v)", theirs, err)
	}
}

func TestWebhookSettingsNeedAToken(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	api := e.sdk(t, "not-a-valid-token")

	calls := []struct {
		name string
		call func() (*http.Response, error)
	}{
		{"set endpoint", func() (*http.Response, error) {
			res, _, err := api.SetWebhookEndpointWithHttpInfo(
				&messaging_api.SetWebhookEndpointRequest{Endpoint: "https://x.example/"})
			return res, err
		}},
		{"get endpoint", func() (*http.Response, error) {
			res, _, err := api.GetWebhookEndpointWithHttpInfo()
			return res, err
		}},
		{"test", func() (*http.Response, error) {
			res, _, err := api.TestWebhookEndpointWithHttpInfo(nil)
			return res, err
		}},
		{"bot info", func() (*http.Response, error) {
			res, _, err := api.GetBotInfoWithHttpInfo()
			return res, err
		}},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			res, err := tc.call()
			assertReply(t, e.sdkReply(t, res, err), http.StatusUnauthorized, bodyTokenInvalid)
		})
	}
}
