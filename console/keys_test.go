package console_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/channel_access_token"

	"github.com/pnpd/pnpd/pnpdtest"
)

var kidText = regexp.MustCompile(`Name its kid, ([0-9a-f-]{36}),`)

// TestRegisterKey registers a public key in the console and trades an
// assertion it signs for a v2.1 token with the SDK; the token sends. A
// private key is refused, and a deleted key signs nothing more.
func TestRegisterKey(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	id, _ := b.channel(b.provider("Shop"), "Shop")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	p := b.post("/console/channels/"+id+"/keys",
		url.Values{"jwk": {string(pnpdtest.PublicJWK(&key.PublicKey))}})
	kid := find(t, "kid", kidText, p)
	want(t, "register", p, http.StatusCreated, "<code>"+kid+"</code>")

	tokens, err := channel_access_token.NewChannelAccessTokenAPI(
		channel_access_token.WithEndpoint(e.url))
	if err != nil {
		t.Fatal(err)
	}
	issue := func() (*channel_access_token.IssueChannelAccessTokenResponse, error) {
		return tokens.IssueChannelTokenByJWT("client_credentials",
			"urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
			pnpdtest.Assertion(key, kid, id, e.srv.Clock().Now(), time.Hour))
	}
	got, err := issue()
	if err != nil {
		t.Fatalf("issue a v2.1 token: %v", err)
	}
	to := e.recipient("+819012340041")
	if status := e.push(got.AccessToken, to); status != http.StatusOK {
		t.Errorf("push with the v2.1 token: status %d, want 200", status)
	}
	want(t, "token list", b.get("/console/channels/"+id), http.StatusOK, got.KeyId)

	private := strings.Replace(string(pnpdtest.PublicJWK(&key.PublicKey)), "{",
		`{"d":"`+base64.RawURLEncoding.EncodeToString(key.D.Bytes())+`",`, 1)
	p = b.post("/console/channels/"+id+"/keys", url.Values{"jwk": {private}})
	want(t, "private key", p, http.StatusBadRequest, `id="jwk-error"`)

	p = b.post("/console/channels/"+id+"/keys/"+kid+"/delete", url.Values{})
	if p.status != http.StatusSeeOther {
		t.Fatalf("delete key: status %d", p.status)
	}
	want(t, "after delete", b.get("/console/channels/"+id), http.StatusOK, `id="no-keys"`)
	if _, err := issue(); err == nil {
		t.Error("an assertion signed by the deleted key bought a token")
	}
	want(t, "delete again", b.post("/console/channels/"+id+"/keys/"+kid+"/delete",
		url.Values{}), http.StatusNotFound, "The channel has no key with that kid.")
}
