// Package integration_test is an example of a business's integration test
// against pnpd: it runs pnpd in process with pnpdtest, sends with LINE's
// official Go SDK pointed at it, checks each delivery webhook's signature
// with the SDK at a receiver of its own, and drives the recipient's side
// through the sandbox API. It uses nothing of pnpd but pnpdtest; copy it
// into your project and replace the bot with yours.
package integration_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/pnpd/pnpd/pnpdtest"
)

const day = 24 * time.Hour

// wait bounds every wait: long enough for a loaded CI machine, far longer
// than pnpd takes.
const wait = 5 * time.Second

// business is the sending side: a channel, LINE's SDK client for it, and
// the bot's webhook receiver.
type business struct {
	pnpd *pnpdtest.Server
	ch   pnpdtest.Channel
	api  *messaging_api.MessagingApiAPI
	hook *receiver
}

// setup starts pnpd and a webhook receiver and creates a channel whose
// webhook, with redelivery on, points at the receiver.
func setup(t *testing.T) *business {
	t.Helper()

	srv := pnpdtest.Start(t)
	hook := newReceiver(t)
	ch := srv.CreateChannel(t, pnpdtest.ChannelSpec{Name: "Parcel Co",
		WebhookURL: hook.url + "/callback", Redelivery: true})
	hook.setSecret(ch.ChannelSecret)

	// The only change an integration needs: the SDK's endpoint.
	api, err := messaging_api.NewMessagingApiAPI(ch.AccessToken,
		messaging_api.WithEndpoint(srv.URL))
	if err != nil {
		t.Fatalf("LINE SDK client: %v", err)
	}

	return &business{pnpd: srv, ch: ch, api: api, hook: hook}
}

// push sends a text notification to the number with the SDK and returns
// the request ID pnpd answered with.
func (b *business) push(t *testing.T, e164, text, tag string) string {
	t.Helper()

	resp, _, err := b.api.PushMessagesByPhoneWithHttpInfo(&messaging_api.PnpMessagesRequest{
		To:       b.pnpd.PhoneHash(e164),
		Messages: []messaging_api.MessageInterface{messaging_api.TextMessage{Text: text}},
	}, tag)
	if err != nil {
		t.Fatalf("push %q: %v", text, err)
	}

	id := resp.Header.Get("X-Line-Request-Id")
	if id == "" {
		t.Fatalf("push %q: no x-line-request-id", text)
	}

	return id
}

// delivered waits for the notification's webhook and checks that the
// notification was delivered and that the receiver got its event once,
// signed, with the hash or tag it was sent with.
func (b *business) delivered(t *testing.T, requestID, data string) pnpdtest.Notification {
	t.Helper()

	n := b.pnpd.WaitWebhook(t, requestID, wait)
	if n.State != "delivered" || n.Webhook == nil || !n.Webhook.Delivered {
		t.Fatalf("notification %s, webhook %+v: want delivered, webhook answered", n.State,
			n.Webhook)
	}

	if got := b.hook.events(data); len(got) != 1 {
		t.Fatalf("the receiver got %d delivery events for the notification, want 1",
			len(got))
	}

	return n
}

func TestReceivingFlows(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		spec pnpdtest.RecipientSpec
		held string // the state the notification waits in; "" for none
		act  func(t *testing.T, pnpd *pnpdtest.Server, userID string)
	}{
		{
			name: "agreed, SMS not needed: delivered at once",
			spec: pnpdtest.RecipientSpec{Consent: "agreed"},
		},
		{
			name: "consent not set: delivered on agreeing",
			spec: pnpdtest.RecipientSpec{Consent: "not_set"},
			held: "held_consent",
			act: func(t *testing.T, pnpd *pnpdtest.Server, userID string) {
				if res := pnpd.Agree(t, userID); res.Delivered != 1 {
					t.Errorf("agree = %+v, want 1 delivered", res)
				}
			},
		},
		{
			name: "SMS needed: delivered on verifying by SMS",
			spec: pnpdtest.RecipientSpec{Consent: "agreed", CreatedAt: ago(200 * day)},
			held: "held_sms",
			act: func(t *testing.T, pnpd *pnpdtest.Server, userID string) {
				if res := pnpd.VerifyBySMS(t, userID); res.Delivered != 1 {
					t.Errorf("verify = %+v, want 1 delivered", res)
				}
			},
		},
		{
			name: "consent not set, SMS needed: delivered on agreeing, then verifying",
			spec: pnpdtest.RecipientSpec{Consent: "not_set", CreatedAt: ago(200 * day)},
			held: "held_consent",
			act: func(t *testing.T, pnpd *pnpdtest.Server, userID string) {
				res := pnpd.Agree(t, userID)
				if res.Delivered != 0 || !res.SMSVerificationRequired {
					t.Errorf("agree = %+v, want still held for an SMS verification", res)
				}
				if res := pnpd.VerifyBySMS(t, userID); res.Delivered != 1 {
					t.Errorf("verify = %+v, want 1 delivered", res)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tt.spec.PhoneNumber = "+819012345678"
			r := b.pnpd.CreateRecipient(t, tt.spec)

			id := b.push(t, tt.spec.PhoneNumber, "Your parcel ships today.", "")

			if tt.held != "" {
				if n := b.pnpd.Notification(t, id); string(n.State) != tt.held {
					t.Fatalf("after the push: %s, want %s", n.State, tt.held)
				}
				if got := b.hook.events(r.PhoneHash); len(got) != 0 {
					t.Fatalf("a held notification sent %d webhook events", len(got))
				}
				tt.act(t, b.pnpd, r.UserID)
			}
			b.delivered(t, id, r.PhoneHash)
		})
	}
}

func TestHeldNotificationExpiresAfter24Hours(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.pnpd.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012345678",
		Consent: "not_set"})
	id := b.push(t, "+819012345678", "Your bill is ready.", "")

	b.pnpd.Advance(t, 23*time.Hour)
	if n := b.pnpd.Notification(t, id); n.State != "held_consent" {
		t.Fatalf("after 23 hours: %s, want still held_consent", n.State)
	}

	b.pnpd.Advance(t, time.Hour)
	n := b.pnpd.WaitNotification(t, id, pnpdtest.UntilWebhook, wait)
	if n.State != "expired" || !n.Final || n.Webhook != nil {
		t.Errorf("after 24 hours: %s, final=%t, webhook %+v; want expired, final, none",
			n.State, n.Final, n.Webhook)
	}

	// Agreeing now delivers nothing: the notification is gone.
	if res := b.pnpd.Agree(t, r.UserID); res.Delivered != 0 {
		t.Errorf("agree after expiry = %+v, want nothing delivered", res)
	}
	if got := b.hook.events(r.PhoneHash); len(got) != 0 {
		t.Errorf("an expired notification sent %d webhook events", len(got))
	}
}

// TestSMSVerificationEvery180Days: a number is verified by SMS again when
// its last verification is 180 days old, unless the account or its number
// is younger than that.
func TestSMSVerificationEvery180Days(t *testing.T) {
	t.Parallel()
	b := setup(t)

	tests := []struct {
		name  string
		phone string
		spec  pnpdtest.RecipientSpec
		want  string
	}{
		{name: "account 200 days old: held for SMS", phone: "+819011112001",
			spec: pnpdtest.RecipientSpec{CreatedAt: ago(200 * day)}, want: "held_sms"},
		{name: "account 100 days old: delivered", phone: "+819011112002",
			spec: pnpdtest.RecipientSpec{CreatedAt: ago(100 * day)}, want: "delivered"},
		{name: "number changed 10 days ago: delivered", phone: "+819011112003",
			spec: pnpdtest.RecipientSpec{CreatedAt: ago(200 * day),
				PhoneNumberChangedAt: ago(10 * day)}, want: "delivered"},
	}
	for i, tt := range tests {
		tt.spec.PhoneNumber = tt.phone
		r := b.pnpd.CreateRecipient(t, tt.spec)
		if r.SMSVerificationRequired != (tt.want == "held_sms") {
			t.Errorf("%s: smsVerificationRequired = %t", tt.name, r.SMSVerificationRequired)
		}

		tag := fmt.Sprintf("appointment-reminder-%04d", i)
		id := b.push(t, tt.phone, "Your appointment is tomorrow.", tag)

		if tt.want == "delivered" {
			b.delivered(t, id, tag)
			continue
		}
		if n := b.pnpd.NotificationByDeliveryTag(t, b.ch.ChannelID, tag); string(n.State) !=
			tt.want || n.RequestID != id {
			t.Errorf("%s: notification %s is %s", tt.name, n.RequestID, n.State)
		}
	}
}

// TestRedeliveryAfterFailures: the bot's webhook answers 500 twice (the
// sandbox injects it); pnpd sends the event again, flagged as a
// redelivery, and the bot sees it once.
func TestRedeliveryAfterFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.pnpd.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012345678"})
	b.pnpd.InjectWebhookFaults(t, b.ch.ChannelID, pnpdtest.StatusFault(500, 2))

	id := b.push(t, "+819012345678", "Your parcel was delivered.", "")
	n := b.delivered(t, id, r.PhoneHash)

	codes := []int{}
	for _, a := range n.Webhook.Attempts {
		codes = append(codes, a.StatusCode)
	}
	if !slices.Equal(codes, []int{500, 500, 200}) {
		t.Errorf("attempts answered %v, want [500 500 200]", codes)
	}
	if ev := b.hook.events(r.PhoneHash); !ev[0].DeliveryContext.IsRedelivery {
		t.Error("the event the receiver got is not flagged isRedelivery")
	}
	if left := b.pnpd.WebhookFaults(t, b.ch.ChannelID); len(left) != 0 {
		t.Errorf("faults left: %+v", left)
	}
}

// ago is the time d before now, for a recipient's past: the sandbox clock
// of a fresh pnpd is the wall clock.
func ago(d time.Duration) time.Time {
	return time.Now().Add(-d)
}

// receiver is the bot's webhook endpoint: it checks each request's
// signature with LINE's SDK and keeps the delivery events.
type receiver struct {
	url string

	mu       sync.Mutex
	secret   string
	received []webhook.PnpDeliveryCompletionEvent
	problems []string
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()

	r := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, p := range r.problemList() {
			t.Errorf("webhook receiver: %s", p)
		}
	})
	r.url = srv.URL

	return r
}

func (r *receiver) setSecret(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.secret = secret
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()

	cb, err := webhook.ParseRequest(r.secret, req)
	if err != nil {
		r.problems = append(r.problems, err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}

	for _, ev := range cb.Events {
		// The SDK gives a delivery event as a value, not a pointer.
		if d, ok := ev.(webhook.PnpDeliveryCompletionEvent); ok {
			r.received = append(r.received, d)
		} else {
			r.problems = append(r.problems, "an event that is not a delivery")
		}
	}
}

// events are the delivery events received whose delivery.data is data.
func (r *receiver) events(data string) []webhook.PnpDeliveryCompletionEvent {
	r.mu.Lock()
	defer r.mu.Unlock()

	var out []webhook.PnpDeliveryCompletionEvent
	for _, ev := range r.received {
		if ev.Delivery != nil && ev.Delivery.Data == data {
			out = append(out, ev)
		}
	}

	return out
}

func (r *receiver) problemList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()

	return append([]string(nil), r.problems...)
}
