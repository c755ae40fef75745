package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	linewebhook "github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/pnpd/pnpd"
)

// receiver is a bot server on loopback that answers 200 to a request the
// SDK finds signed with the secret it knows, and 400 to any other.
type receiver struct {
	url string

	mu     sync.Mutex
	secret string
	got    []*linewebhook.CallbackRequest
}

func receive(t *testing.T, secret string) *receiver {
	t.Helper()

	rc := &receiver{secret: secret}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()

		cb, err := linewebhook.ParseRequest(rc.secret, r)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.got = append(rc.got, cb)
	}))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/webhook"

	return rc
}

func (rc *receiver) setSecret(secret string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()

	rc.secret = secret
}

// setWebhook saves a channel's settings with a webhook URL.
func (b *browser) setWebhook(id, webhookURL string) {
	b.e.t.Helper()

	ch, err := b.e.srv.Store().Channel(b.e.t.Context(), id)
	if err != nil {
		b.e.t.Fatal(err)
	}
	p := b.upload("/console/channels/"+id, url.Values{"name": {ch.Name},
		"country": {ch.Country}, "bot_user_id": {ch.BotUserID},
		"webhook_url": {webhookURL}, "webhook": {"on"}, "flexible": {"on"}}, nil)
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("set webhook: status %d:\n%s", p.status, p.body)
	}
}

// TestReissueSecret checks that a reissued secret is shown once and signs
// the webhook from then on: a receiver that knows only the old secret
// refuses the webhook test, one given the new secret accepts it.
func TestReissueSecret(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	id, secret := b.channel(b.provider("Shop"), "Shop")
	rc := receive(t, secret)
	b.setWebhook(id, rc.url)
	want(t, "verify with the first secret", b.post("/console/channels/"+id+"/verify",
		url.Values{}), http.StatusOK, "Success")

	want(t, "reissue unconfirmed", b.post("/console/channels/"+id+"/secret", url.Values{}),
		http.StatusBadRequest, "Tick the box to confirm")
	p := b.post("/console/channels/"+id+"/secret", url.Values{"confirm": {"on"}})
	newSecret := find(t, "new secret", secretText, p)
	if newSecret == secret {
		t.Fatal("the reissued secret is the old one")
	}
	if strings.Contains(b.get("/console/channels/"+id).body, newSecret) {
		t.Error("the channel page shows the new secret again")
	}

	want(t, "verify with the old secret at the receiver",
		b.post("/console/channels/"+id+"/verify", url.Values{}), http.StatusOK,
		"Failed:\n    status 400")
	rc.setSecret(newSecret)
	want(t, "verify with the new secret at the receiver",
		b.post("/console/channels/"+id+"/verify", url.Values{}), http.StatusOK,
		"Success:\n    status 200")
}

// TestVerifyWithoutURL checks that Verify asks for a URL first.
func TestVerifyWithoutURL(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	id, _ := b.channel(b.provider("Shop"), "Shop")

	want(t, "verify", b.post("/console/channels/"+id+"/verify", url.Values{}),
		http.StatusBadRequest, "Set the webhook URL first.")
}

// recipient creates a recipient who can receive at once and returns the
// phone hash a business addresses.
func (e *env) recipient(phone string) string {
	e.t.Helper()

	now := e.srv.Clock().Now()
	err := e.srv.Store().CreateRecipient(e.t.Context(), &pnpd.Recipient{
		ID: pnpd.NewUserID(), DisplayName: "Aiko", PhoneNumber: phone,
		PhoneHash: pnpd.HashPhone(phone), Language: "ja", CreatedAt: now,
		SMSVerifiedAt: now, Consent: pnpd.ConsentAgreed, PrivacyPolicyAgreed: true,
	})
	if err != nil {
		e.t.Fatal(err)
	}

	return pnpd.HashPhone(phone)
}

// push sends a notification with the official SDK and returns the status.
func (e *env) push(token, to string) int {
	e.t.Helper()

	api, err := messaging_api.NewMessagingApiAPI(token, messaging_api.WithEndpoint(e.url))
	if err != nil {
		e.t.Fatal(err)
	}

	res, _, err := api.PushMessagesByPhoneWithHttpInfo(&messaging_api.PnpMessagesRequest{
		To:       to,
		Messages: []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: "Hi"}},
	}, "")
	if res == nil {
		e.t.Fatalf("push: no response: %v", err)
	}
	res.Body.Close()

	return res.StatusCode
}

// issue issues the channel's long-lived token and returns it.
func (b *browser) issue(id string, keepOld bool) string {
	b.e.t.Helper()

	form := url.Values{}
	if keepOld {
		form.Set("keep_old", "on")
	}

	return find(b.e.t, "token", tokenText, b.post("/console/channels/"+id+"/token", form))
}

// TestReissueToken checks LINE's one long-lived token per channel: a new
// token revokes the old one at once, unless the operator chose to keep it
// for 24 hours, after which it stops too.
func TestReissueToken(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	to := e.recipient("+819012340001")
	id, _ := b.channel(b.provider("Shop"), "Shop")

	first := b.issue(id, false)
	if got := e.push(first, to); got != http.StatusOK {
		t.Fatalf("push with the first token: %d, want 200", got)
	}

	second := b.issue(id, false)
	steps := []struct {
		what   string
		token  string
		status int
	}{
		{"the revoked first token", first, http.StatusUnauthorized},
		{"the second token", second, http.StatusOK},
	}
	for _, s := range steps {
		if got := e.push(s.token, to); got != s.status {
			t.Errorf("push with %s: %d, want %d", s.what, got, s.status)
		}
	}

	third := b.issue(id, true)
	page := b.get("/console/channels/" + id)
	if strings.Contains(page.body, third) || strings.Contains(page.body, second) {
		t.Error("the channel page shows a token")
	}
	if got := e.push(second, to); got != http.StatusOK {
		t.Errorf("push with the kept second token: %d, want 200", got)
	}

	e.srv.Clock().SetOffset(24*time.Hour + time.Minute)
	if got := e.push(second, to); got != http.StatusUnauthorized {
		t.Errorf("push with the second token a day later: %d, want 401", got)
	}
	if got := e.push(third, to); got != http.StatusOK {
		t.Errorf("push with the third token a day later: %d, want 200", got)
	}
}

// TestSendTestNotification checks that the test form's notification goes
// through the receiving flow: it is delivered to the recipient, under the
// request ID the page links to, and the page never shows the number.
func TestSendTestNotification(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	phone := "+819012340002"
	e.recipient(phone)
	id, _ := b.channel(b.provider("Shop"), "Shop")

	p := b.post("/console/channels/"+id+"/test", url.Values{"phone": {phone},
		"text": {"Your parcel <b>arrives</b> today"}})
	requestID := find(t, "request ID", requestIDText, p)
	want(t, "send", p, http.StatusOK, `href="/console/notifications/`+requestID+`"`)
	if strings.Contains(p.body, phone) || strings.Contains(p.body, phone[1:]) {
		t.Error("the page shows the phone number")
	}

	n, err := e.srv.Store().Notification(t.Context(), requestID)
	if err != nil {
		t.Fatal(err)
	}
	if n.State != pnpd.StateDelivered || n.ChannelID != id ||
		!strings.Contains(string(n.Messages), "arrives") {
		t.Errorf("notification %+v, want delivered from the channel", n)
	}

	cases := []struct{ name, phone, text, field string }{
		{"no account", "+819012349999", "Hi", "test-error"},
		{"not E.164", "09012340002", "Hi", "phone-error"},
		{"no text", phone, " ", "text-error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			p := b.post("/console/channels/"+id+"/test", url.Values{"phone": {tc.phone},
				"text": {tc.text}})
			want(t, "send", p, http.StatusBadRequest, `id="`+tc.field+`"`)
		})
	}
}
