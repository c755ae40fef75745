package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd/keyring"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
	"github.com/pnpd/pnpd/webhook"
)

// signed is one webhook request as it arrived.
type signed struct {
	signature string
	body      []byte
}

// signedReceiver is a webhook receiver that hands on what it gets.
func signedReceiver(t *testing.T) (*httptest.Server, <-chan signed) {
	t.Helper()

	got := make(chan signed, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- signed{signature: r.Header.Get("X-Line-Signature"), body: body}
	}))
	t.Cleanup(srv.Close)

	return srv, got
}

// TestSecretsAtRest creates channels and tokens through a real server and
// stops it: no file of the data folder but the key file holds a channel
// secret or an access token. Started again with its key, the server signs
// webhooks with the secret and takes it at the token endpoint; started with
// another key file, or without its key file, it refuses to start.
func TestSecretsAtRest(t *testing.T) {
	t.Parallel()

	hooks, got := signedReceiver(t)
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Sandbox: true,
		SandboxToken: sandboxToken, Logger: slog.New(slog.DiscardHandler)}
	srv, demo := startOn(t, cfg)
	e := &env{t: t, srv: srv, url: srv.URL(), demo: demo}
	shop := e.channel("Secret shop", hooks.URL, false)
	short := e.issueToken(shop.ChannelID, shop.ChannelSecret)
	stateless := e.issueTokenAt("/oauth2/v3/token", shop.ChannelID, shop.ChannelSecret)
	servertest.Stop(t, srv)

	wantHidden(t, cfg.DataDir, map[string]string{
		"channel secret": shop.ChannelSecret, "long-lived token": shop.AccessToken,
		"short-lived token": short, "stateless token": stateless,
		"demo's secret": demo.Credentials.ChannelSecret,
		"demo's token":  demo.Credentials.AccessToken,
	})
	wantRefused(t, cfg)

	srv = servertest.Start(t, cfg)
	e.srv, e.url = srv, srv.URL()
	if resp := e.push(shop.AccessToken, aiko); resp.status != http.StatusOK {
		t.Fatalf("push after the restart: %d %s", resp.status, resp.body)
	}
	select {
	case h := <-got:
		if h.signature != webhook.Sign(shop.ChannelSecret, h.body) {
			t.Errorf("webhook signature %q does not verify with the secret", h.signature)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook within 10 s of the push")
	}
	e.issueToken(shop.ChannelID, shop.ChannelSecret)

	// The stateless token is checked by its signature alone: the key file's
	// token key signs it, so it outlives the restart.
	if resp := e.push(stateless, aiko); resp.status != http.StatusOK {
		t.Errorf("push with a stateless token after the restart: %d %s", resp.status,
			resp.body)
	}
}

// wantHidden checks that no file of the data folder but the key file
// holds any of the values.
func wantHidden(t *testing.T, dir string, values map[string]string) {
	t.Helper()

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if entry.Name() == keyring.FileName || entry.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, entry.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for what, v := range values {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%s holds the %s in clear", entry.Name(), what)
			}
		}
	}
}

// wantRefused starts a server on cfg's data folder with another key file,
// then with its key file gone: each start fails, naming the key file.
func wantRefused(t *testing.T, cfg server.Config) {
	t.Helper()

	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := keyring.Open(other, true); err != nil {
		t.Fatal(err)
	}
	withOther := cfg
	withOther.KeyFile = other
	wantStartError(t, withOther, other+" is not the key")

	key := filepath.Join(cfg.DataDir, keyring.FileName)
	aside := filepath.Join(t.TempDir(), "aside.key")
	if err := os.Rename(key, aside); err != nil {
		t.Fatal(err)
	}
	wantStartError(t, cfg, key+" is missing")
	if _, err := os.Stat(key); err == nil {
		t.Error("a start without the key file made a new one")
	}
	if err := os.Rename(aside, key); err != nil {
		t.Fatal(err)
	}
}

func wantStartError(t *testing.T, cfg server.Config, want string) {
	t.Helper()

	srv, err := server.New(t.Context(), cfg)
	if err == nil {
		servertest.Stop(t, srv)
		t.Fatalf("server started; want an error with %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("start: %v; want an error with %q", err, want)
	}
}

// issueToken gets a short-lived access token for the channel ID and
// secret from the token endpoint.
func (e *env) issueToken(channelID, secret string) string {
	e.t.Helper()

	return e.issueTokenAt("/v2/oauth/accessToken", channelID, secret)
}

// issueTokenAt gets an access token for the channel ID and secret from a
// token endpoint.
func (e *env) issueTokenAt(path, channelID, secret string) string {
	e.t.Helper()

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {channelID},
		"client_secret": {secret}}
	resp, err := http.PostForm(e.url+path, form)
	if err != nil {
		e.t.Fatalf("issue token: %v", err)
	}
	defer resp.Body.Close()

	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil ||
		resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		e.t.Fatalf("issue token: %d, %v; want 200 with a token", resp.StatusCode, err)
	}

	return out.AccessToken
}

// TestPlatformOutboxHidesCodes: a platform's SMS outbox keeps the message a
// recipient was sent with its code blanked out, so that a copy of the
// database signs no one up; the sandbox's, the recipient's phone, keeps it.
func TestPlatformOutboxHidesCodes(t *testing.T) {
	t.Parallel()

	for _, sandboxMode := range []bool{false, true} {
		srv := servertest.Start(t, server.Config{Sandbox: sandboxMode,
			SandboxToken: sandboxToken})
		resp, err := http.Post(srv.URL()+"/api/v1/signup/code", "application/json",
			strings.NewReader(`{"phoneNumber":"+819012340061"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()

		sent, err := srv.Store().Outbox(t.Context(), "+819012340061", 10)
		if err != nil || len(sent) != 1 {
			t.Fatalf("outbox: %v, %v; want one SMS", sent, err)
		}
		hidden := !regexp.MustCompile(`[0-9]{6}`).MatchString(sent[0].Text) &&
			strings.Contains(sent[0].Text, "••••••")
		if hidden == sandboxMode {
			t.Errorf("sandbox %v: the outbox keeps %q", sandboxMode, sent[0].Text)
		}
	}
}
