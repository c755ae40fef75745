package pnpdtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/pnpd/pnpd/pnpdtest"
)

// TestRegisterKey registers two keys and finds them listed, oldest first,
// and checks that a private key is refused with a 400.
func TestRegisterKey(t *testing.T) {
	t.Parallel()
	srv, ch, _ := setup(t)

	var kids []string
	var last *rsa.PrivateKey
	for range 2 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, srv.RegisterKey(t, ch.ChannelID, pnpdtest.PublicJWK(&k.PublicKey)))
		last = k
	}

	got := srv.ChannelKeys(t, ch.ChannelID)
	if len(got) != 2 || got[0].KID != kids[0] || got[1].KID != kids[1] ||
		got[0].CreatedAt.IsZero() {
		t.Errorf("ChannelKeys = %+v, want %v with their times", got, kids)
	}

	var private map[string]any
	if err := json.Unmarshal(pnpdtest.PublicJWK(&last.PublicKey), &private); err != nil {
		t.Fatal(err)
	}
	private["d"] = "AQAB"
	err := srv.Do(context.Background(), http.MethodPost,
		"/sandbox/v1/channels/"+ch.ChannelID+"/keys", private, nil)
	var apiErr *pnpdtest.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Errorf("register a private key: %v, want a 400", err)
	}
}
