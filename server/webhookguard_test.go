package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// A platform's webhooks reach only the public internet unless the operator
// allows private addresses: a business that names the operator's own
// machine gets could_not_connect, and nothing arrives there.
func TestPlatformWebhooksStayOffPrivateAddresses(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		private bool
		want    messaging_api.TestWebhookEndpointResponse
		reached int32
	}{
		{"public only", false, messaging_api.TestWebhookEndpointResponse{
			Reason: "could_not_connect", Detail: "Not a public address"}, 0},
		{"private allowed", true, messaging_api.TestWebhookEndpointResponse{
			Success: true, StatusCode: 200, Reason: "OK", Detail: "200"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			var reached atomic.Int32
			receiver := httptest.NewServer(http.HandlerFunc(
				func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
			t.Cleanup(receiver.Close)

			srv := servertest.Start(t, server.Config{Addr: "127.0.0.1:0",
				DataDir: t.TempDir(), WebhookPrivate: tt.private})
			api := platformChannel(t, srv, receiver.URL)

			got, err := api.TestWebhookEndpoint(&messaging_api.TestWebhookEndpointRequest{})
			if err != nil {
				t.Fatalf("test webhook: %v", err)
			}
			got.Timestamp = got.Timestamp.UTC().Truncate(0)
			tt.want.Timestamp = got.Timestamp
			if *got != tt.want {
				t.Errorf("test result = %+v, want %+v", *got, tt.want)
			}
			if n := reached.Load(); n != tt.reached {
				t.Errorf("the receiver got %d requests, want %d", n, tt.reached)
			}
		})
	}
}

// platformChannel makes a channel whose webhook goes to url, as an operator
// would, and returns an SDK client with its access token.
func platformChannel(t *testing.T, srv *server.Server,
	url string) *messaging_api.MessagingApiAPI {
	t.Helper()

	var creds sandbox.Credentials
	err := srv.Store().Update(context.Background(), func(q pnpd.Queries) error {
		var err error
		creds, err = sandbox.CreateChannel(context.Background(), q, srv.Clock(),
			sandbox.ChannelSpec{Name: "Platform Shop", WebhookURL: url})

		return err
	})
	if err != nil {
		t.Fatalf("create channel: %v", err)
	}

	api, err := messaging_api.NewMessagingApiAPI(creds.AccessToken,
		messaging_api.WithEndpoint(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}

	return api
}
