package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	linewebhook "github.com/line/line-bot-sdk-go/v8/linebot/webhook"
	"github.com/oklog/ulid/v2"

	"github.com/pnpd/pnpd"
)

const (
	testDestination = "Uc7472b39e21dab71c2347e02714630d6"
	testPhoneHash   = "68df277462529930889fab80ecffdc0883906320591df93c25efc08300410fc2"
	testEventID     = "01G17DAF0QJ7A3ERC5EJ9MAMH8"
	testTimestamp   = 1650590038721
	testSecret      = "8c570fa6dd201bb328f1c1eac23a96d8"
)

func testEvent(data string) *pnpd.WebhookEvent {
	return &pnpd.WebhookEvent{
		ID:             testEventID,
		NotificationID: "n1",
		ChannelID:      "1234567890",
		Destination:    testDestination,
		Data:           data,
		Timestamp:      time.UnixMilli(testTimestamp),
	}
}

func TestNewEventID(t *testing.T) {
	t.Parallel()

	at := time.Date(2026, 9, 1, 12, 0, 0, 123e6, time.UTC)
	first, second := NewEventID(at), NewEventID(at)

	id, err := ulid.ParseStrict(first)
	if err != nil {
		t.Fatalf("NewEventID() = %q, not a ULID: %v", first, err)
	}
	if got := id.Time(); got != uint64(at.UnixMilli()) {
		t.Errorf("ULID time = %d, want %d", got, at.UnixMilli())
	}
	if first == second {
		t.Errorf("two IDs for the same time are equal: %q", first)
	}
}

func TestBody(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		data       string
		redelivery bool
		want       string
	}{
		{
			name: "first attempt",
			data: testPhoneHash,
			want: `{"destination":"Uc7472b39e21dab71c2347e02714630d6","events":[` +
				`{"type":"delivery","delivery":{"data":"` + testPhoneHash + `"},` +
				`"webhookEventId":"01G17DAF0QJ7A3ERC5EJ9MAMH8",` +
				`"deliveryContext":{"isRedelivery":false},` +
				`"timestamp":1650590038721,"mode":"active"}]}`,
		},
		{
			name:       "redelivery flips only isRedelivery",
			data:       testPhoneHash,
			redelivery: true,
			want: `{"destination":"Uc7472b39e21dab71c2347e02714630d6","events":[` +
				`{"type":"delivery","delivery":{"data":"` + testPhoneHash + `"},` +
				`"webhookEventId":"01G17DAF0QJ7A3ERC5EJ9MAMH8",` +
				`"deliveryContext":{"isRedelivery":true},` +
				`"timestamp":1650590038721,"mode":"active"}]}`,
		},
		{
			name: "delivery tag with <, > and & unescaped and raw UTF-8",
			data: `<order&id>配達-"1"`,
			want: `{"destination":"Uc7472b39e21dab71c2347e02714630d6","events":[` +
				`{"type":"delivery","delivery":{"data":"<order&id>配達-\"1\""},` +
				`"webhookEventId":"01G17DAF0QJ7A3ERC5EJ9MAMH8",` +
				`"deliveryContext":{"isRedelivery":false},` +
				`"timestamp":1650590038721,"mode":"active"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := string(Body(testEvent(tt.data), tt.redelivery))
			if got != tt.want {
				t.Errorf("Body() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSign(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		secret string
		body   string
		want   string
	}{
		{
			name:   "LINE's published vector",
			secret: testSecret,
			body:   `{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}`,
			want:   "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := Sign(tt.secret, []byte(tt.body)); got != tt.want {
				t.Errorf("Sign() = %q, want %q", got, tt.want)
			}
		})
	}
}

// parsed is what a receiver built on the official SDK made of a request.
type parsed struct {
	event linewebhook.PnpDeliveryCompletionEvent
	dest  string
	err   error
}

// sdkReceiver starts a loopback server that parses each request with the
// official LINE SDK and reports the outcome on the returned channel.
func sdkReceiver(t *testing.T, secret string) (string, <-chan parsed) {
	t.Helper()

	out := make(chan parsed, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := parseDelivery(secret, r)
		out <- p
		if p.err != nil {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)

	return srv.URL, out
}

func parseDelivery(secret string, r *http.Request) parsed {
	cb, err := linewebhook.ParseRequest(secret, r)
	if err != nil {
		return parsed{err: err}
	}
	if len(cb.Events) != 1 {
		return parsed{err: errors.New("want exactly one event")}
	}

	ev, ok := cb.Events[0].(linewebhook.PnpDeliveryCompletionEvent)
	if !ok {
		return parsed{err: errors.New("event is not a PnpDeliveryCompletionEvent")}
	}

	return parsed{event: ev, dest: cb.Destination}
}

func TestBodyParsedBySDK(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		data       string
		redelivery bool
	}{
		{name: "phone hash", data: testPhoneHash},
		{name: "redelivery", data: testPhoneHash, redelivery: true},
		{name: "delivery tag with markup and UTF-8", data: "<a&b>配達"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			url, got := sdkReceiver(t, testSecret)
			body := Body(testEvent(tt.data), tt.redelivery)
			res := (&Sender{}).Send(context.Background(), url, testSecret, body)
			if !res.OK() {
				t.Fatalf("Send() = %+v, want success", res)
			}

			p := <-got
			if p.err != nil {
				t.Fatalf("SDK rejected the request: %v", p.err)
			}
			checkParsed(t, p, tt.data, tt.redelivery)
		})
	}
}

func checkParsed(t *testing.T, p parsed, data string, redelivery bool) {
	t.Helper()

	ev := p.event
	if p.dest != testDestination {
		t.Errorf("destination = %q, want %q", p.dest, testDestination)
	}
	if ev.Delivery == nil || ev.Delivery.Data != data {
		t.Errorf("delivery = %+v, want data %q", ev.Delivery, data)
	}
	if ev.WebhookEventId != testEventID {
		t.Errorf("webhookEventId = %q, want %q", ev.WebhookEventId, testEventID)
	}
	if ev.DeliveryContext == nil || ev.DeliveryContext.IsRedelivery != redelivery {
		t.Errorf("deliveryContext = %+v, want isRedelivery %v", ev.DeliveryContext,
			redelivery)
	}
	if ev.Timestamp != testTimestamp {
		t.Errorf("timestamp = %d, want %d", ev.Timestamp, testTimestamp)
	}
	if ev.Mode != linewebhook.EventMode_ACTIVE {
		t.Errorf("mode = %q, want %q", ev.Mode, linewebhook.EventMode_ACTIVE)
	}
	if ev.Source != nil {
		t.Errorf("source = %+v, want none", ev.Source)
	}
}

func TestSDKRejectsWrongSecret(t *testing.T) {
	t.Parallel()

	url, got := sdkReceiver(t, "another channel's secret")
	body := Body(testEvent(testPhoneHash), false)
	res := (&Sender{}).Send(context.Background(), url, testSecret, body)

	p := <-got
	if !errors.Is(p.err, linewebhook.ErrInvalidSignature) {
		t.Errorf("SDK error = %v, want %v", p.err, linewebhook.ErrInvalidSignature)
	}
	if res.Reason != pnpd.ReasonErrorStatusCode || res.Detail != "400" {
		t.Errorf("Send() = %+v, want error_status_code 400", res)
	}
}
