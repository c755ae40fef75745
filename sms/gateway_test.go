package sms_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/sms"
)

// TestGatewaySends checks what an SMS service receives from the gateway:
// the number, the text and the token; and that a refusal is an error that
// does not repeat the message.
func TestGatewaySends(t *testing.T) {
	t.Parallel()

	var got struct {
		To, Text string
	}
	var auth string
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)

	g := &sms.Gateway{URL: srv.URL, Token: "gateway-token"}
	if err := g.Send(context.Background(), "+819012345678", "code 123456"); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got.To != "+819012345678" || got.Text != "code 123456" || auth != "Bearer gateway-token" {
		t.Errorf("the gateway got %+v with %q", got, auth)
	}

	status = http.StatusInternalServerError
	err := g.Send(context.Background(), "+819012345678", "code 654321")
	if err == nil || strings.Contains(err.Error(), "654321") {
		t.Errorf("send to a failing gateway: %v, want an error without the code", err)
	}
}
