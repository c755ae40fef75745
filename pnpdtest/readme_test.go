package pnpdtest_test

import (
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd/pnpdtest"
)

func TestShippingNotice(t *testing.T) {
	t.Parallel()
	srv := pnpdtest.Start(t) // pnpd in this process, on 127.0.0.1, sandbox on
	ch := srv.CreateChannel(t, pnpdtest.ChannelSpec{Name: "My Shop"})
	r := srv.CreateRecipient(t, pnpdtest.RecipientSpec{
		PhoneNumber: "+819012345678",
		Consent:     "not_set", // has not yet agreed to notification messages
	})

	// Your code under test sends with LINE's SDK, pointed at srv.URL.
	bot, err := messaging_api.NewMessagingApiAPI(ch.AccessToken,
		messaging_api.WithEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err := bot.PushMessagesByPhoneWithHttpInfo(&messaging_api.PnpMessagesRequest{
		To:       srv.PhoneHash("+819012345678"),
		Messages: []messaging_api.MessageInterface{messaging_api.TextMessage{Text: "Shipped!"}},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	requestID := resp.Header.Get("X-Line-Request-Id")

	if n := srv.Notification(t, requestID); n.State != "held_consent" {
		t.Fatalf("before consent: %s, want held_consent", n.State)
	}
	srv.Agree(t, r.UserID) // the recipient taps Agree
	n := srv.WaitNotification(t, requestID, pnpdtest.UntilFinal, 5*time.Second)
	if n.State != "delivered" {
		t.Errorf("after consent: %s, want delivered", n.State)
	}
}
