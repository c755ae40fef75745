package pnpdtest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/pnpdtest"
)

// A test starts pnpd, creates a channel and a recipient, pushes with LINE's
// SDK pointed at the server, acts as the recipient and waits for the
// outcome. (An Example has no *testing.T to run it with: this one shows
// the test; examples/integration runs such tests.)
func ExampleStart() {
	testNotificationIsDeliveredOnConsent := func(t *testing.T) {
		srv := pnpdtest.Start(t)
		// The bot's webhook receiver; a real one checks the signature.
		hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter,
			*http.Request) {
		}))
		defer hook.Close()

		ch := srv.CreateChannel(t, pnpdtest.ChannelSpec{Name: "Parcel Co",
			WebhookURL: hook.URL, Redelivery: true})
		r := srv.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012345678",
			Consent: pnpd.ConsentNotSet})

		bot, _ := messaging_api.NewMessagingApiAPI(ch.AccessToken,
			messaging_api.WithEndpoint(srv.URL))
		resp, _, err := bot.PushMessagesByPhoneWithHttpInfo(&messaging_api.PnpMessagesRequest{
			To:       srv.PhoneHash("+819012345678"),
			Messages: []messaging_api.MessageInterface{messaging_api.TextMessage{Text: "Hi"}},
		}, "")
		if err != nil {
			t.Fatal(err)
		}

		srv.Agree(t, r.UserID)
		n := srv.WaitWebhook(t, resp.Header.Get("x-line-request-id"), 5*time.Second)
		if n.State != pnpd.StateDelivered || !n.Webhook.Delivered {
			t.Errorf("notification %s, webhook %+v: want delivered", n.State, n.Webhook)
		}
	}
	_ = testNotificationIsDeliveredOnConsent
}

// Outside a test, New starts pnpd and Do calls its sandbox API with errors
// as values.
func Example() {
	ctx := context.Background()
	srv, err := pnpdtest.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	var ch pnpdtest.Channel
	err = srv.Do(ctx, "POST", "/sandbox/v1/channels", pnpdtest.ChannelSpec{Name: "Shop"}, &ch)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("channel ID:", len(ch.ChannelID), "digits")

	var clock pnpdtest.Clock
	in := map[string]int{"advanceSeconds": 86400}
	if err := srv.Do(ctx, "POST", "/sandbox/v1/clock", in, &clock); err != nil {
		log.Fatal(err)
	}
	fmt.Println("clock ahead by", time.Duration(clock.OffsetSeconds)*time.Second)

	err = srv.Do(ctx, "GET", "/sandbox/v1/channels/404/statistics", nil, nil)
	fmt.Println(err)
	// Output:
	// channel ID: 10 digits
	// clock ahead by 24h0m0s
	// GET /sandbox/v1/channels/404/statistics: 404 not_found: No channel has this ID.
}
