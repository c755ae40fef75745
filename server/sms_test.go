package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// TestPlatformSignsUpThroughTheSMSGateway: on a platform, the verification
// code goes to the operator's SMS gateway, and the person who got it there
// signs up with it; the outbox keeps the message with the code blanked.
func TestPlatformSignsUpThroughTheSMSGateway(t *testing.T) {
	t.Parallel()

	texts := make(chan string, 4)
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		var m struct{ To, Text string }
		if r.Header.Get("Authorization") != "Bearer sms-token" ||
			json.NewDecoder(r.Body).Decode(&m) != nil || m.To != "+819012340071" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		texts <- m.Text
	}))
	t.Cleanup(gateway.Close)

	srv := servertest.Start(t, server.Config{SMSGateway: gateway.URL,
		SMSGatewayToken: "sms-token"})
	post := func(path, body string) int {
		resp, err := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()

		return resp.StatusCode
	}

	if status := post("/api/v1/signup/code", `{"phoneNumber":"+819012340071"}`); status !=
		http.StatusOK {
		t.Fatalf("ask for a code: %d", status)
	}
	code := regexp.MustCompile(`[0-9]{6}`).FindString(<-texts)
	if code == "" {
		t.Fatal("the gateway got no code")
	}
	if status := post("/api/v1/signup", `{"phoneNumber":"+819012340071","code":"`+code+
		`","displayName":"Aiko","agreePrivacyPolicy":true}`); status != http.StatusCreated {
		t.Errorf("sign up with the code the gateway got: %d, want 201", status)
	}

	sent, err := srv.Store().Outbox(t.Context(), "+819012340071", 10)
	if err != nil || len(sent) != 1 || strings.Contains(sent[0].Text, code) {
		t.Errorf("outbox %v, %v: want one record without the code", sent, err)
	}
}
