package lineapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/message"
	"github.com/pnpd/pnpd/webhook"
)

// webhookEndpointPath is where a channel's webhook URL is set and read.
const webhookEndpointPath = "/v2/bot/channel/webhook/endpoint"

// msgNoEndpoint answers a webhook test when there is no URL to test.
const msgNoEndpoint = "The webhook endpoint URL is not set"

// testTimeFormat is RFC 3339 in UTC with milliseconds, as LINE writes the
// test's timestamp.
const testTimeFormat = "2006-01-02T15:04:05.000Z07:00"

type webhookEndpointRequest struct {
	Endpoint *string `json:"endpoint"`
}

type webhookEndpointResponse struct {
	Endpoint string `json:"endpoint"`
	Active   bool   `json:"active"`
}

type webhookTestResponse struct {
	Success    bool   `json:"success"`
	Timestamp  string `json:"timestamp"`
	StatusCode int    `json:"statusCode"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
}

// setWebhookEndpoint is PUT /v2/bot/channel/webhook/endpoint. Like LINE it
// leaves the "use webhook" switch as it is, with one exception: a channel
// that had no URL has webhooks turned on, since it cannot have chosen to
// have them off for a URL it never had.
func (a *API) setWebhookEndpoint(w http.ResponseWriter, r *http.Request,
	ch *pnpd.Channel) error {
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}

	var req webhookEndpointRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if d := checkEndpoint(req.Endpoint); d != nil {
		return bodyErrors([]message.Detail{*d})
	}

	enabled := ch.WebhookEnabled || ch.WebhookURL == ""
	err = a.Store.UpdateChannelWebhook(r.Context(), ch.ID, *req.Endpoint, enabled)
	if err != nil {
		return fmt.Errorf("set webhook endpoint: %w", err)
	}

	writeJSON(w, http.StatusOK, struct{}{})

	return nil
}

// readJSONBody checks the content type and reads the body.
func readJSONBody(r *http.Request) ([]byte, error) {
	if err := checkContentType(r); err != nil {
		return nil, err
	}

	return readBody(r)
}

// checkEndpoint checks a webhook URL. LINE takes only https URLs; pnpd
// takes http too, as the sandbox's channel form does, so that a receiver on
// the developer's own machine can be used without a certificate.
func checkEndpoint(endpoint *string) *message.Detail {
	switch {
	case endpoint == nil || *endpoint == "":
		return &message.Detail{Message: "May not be empty", Property: "endpoint"}
	case !webhook.ValidURL(*endpoint):
		return &message.Detail{Message: "Must be an http or https URL of at most 500 characters",
			Property: "endpoint"}
	}

	return nil
}

// webhookEndpoint is GET /v2/bot/channel/webhook/endpoint. The webhook is
// active only when it is on and has a URL: only then are events sent.
func (a *API) webhookEndpoint(w http.ResponseWriter, _ *http.Request,
	ch *pnpd.Channel) error {
	writeJSON(w, http.StatusOK, webhookEndpointResponse{
		Endpoint: ch.WebhookURL,
		Active:   ch.WebhookEnabled && ch.WebhookURL != "",
	})

	return nil
}

// testWebhook is POST /v2/bot/channel/webhook/test: one signed request
// with no events to the URL given, or else the configured one, whether or
// not webhooks are on. A URL given but malformed is not a 400: the sender
// reports it as LINE's could_not_connect, "Invalid URL syntax".
//
// A platform's sender reaches public addresses only, so the test cannot
// aim at the operator's own network.
func (a *API) testWebhook(w http.ResponseWriter, r *http.Request, ch *pnpd.Channel) error {
	endpoint, err := testEndpoint(r, ch)
	if err != nil {
		return err
	}

	sent := a.Clock.Now()
	res := a.sender().SendTest(r.Context(), endpoint, ch)
	writeJSON(w, http.StatusOK, testResponse(res, sent))

	return nil
}

// testEndpoint reads the optional body of a webhook test and returns the
// URL to test. The Go SDK sends "null" when it is given no request.
func testEndpoint(r *http.Request, ch *pnpd.Channel) (string, error) {
	body, err := readBody(r)
	if err != nil {
		return "", err
	}

	var req webhookEndpointRequest
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		if err := checkContentType(r); err != nil {
			return "", err
		}
		if err := decodeJSON(body, &req); err != nil {
			return "", err
		}
	}

	switch {
	case req.Endpoint != nil && *req.Endpoint != "":
		return *req.Endpoint, nil
	case ch.WebhookURL != "":
		return ch.WebhookURL, nil
	}

	return "", fail(http.StatusBadRequest, msgNoEndpoint)
}

func (a *API) sender() *webhook.Sender {
	if a.Webhooks != nil {
		return a.Webhooks
	}

	return &webhook.Sender{}
}

// testResponse writes a send's result as LINE's test result. A success
// reads "OK" with the status as detail, as in LINE's example; a failure
// has LINE's reason and detail, and status 0 when no response came.
func testResponse(res webhook.Result, sent time.Time) webhookTestResponse {
	out := webhookTestResponse{
		Success:    res.OK(),
		Timestamp:  sent.UTC().Format(testTimeFormat),
		StatusCode: res.StatusCode,
		Reason:     res.Reason,
		Detail:     res.Detail,
	}
	if res.OK() {
		out.Reason, out.Detail = "OK", strconv.Itoa(res.StatusCode)
	}

	return out
}
