package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/internal/pgtest"
	"github.com/pnpd/pnpd/postgres"
)

// TestChannelsNotifyCommitsWithTheChange: the other nodes hear of a
// revoked token from the transaction that revokes it, exactly when it
// commits — not from a later send the node might die before — and never
// from a transaction that rolls back.
func TestChannelsNotifyCommitsWithTheChange(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, template(t))
	db := setup(t, url, postgres.Options{Keyring: keys,
		ChannelsNotify: postgres.Notification{Channel: "test_channels", Payload: "node-a"}})

	listener, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	if _, err := listener.Exec(t.Context(), "LISTEN test_channels"); err != nil {
		t.Fatal(err)
	}

	now := time.Now().UTC()
	ch := &pnpd.Channel{ID: "1000000001", Name: "Shop", Secret: pnpd.RandomHex(16),
		BotUserID: pnpd.NewUserID(), Country: "JP", CreatedAt: now}
	if err := db.CreateChannel(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	tok := &pnpd.AccessToken{Hash: pnpd.RandomHex(32), ChannelID: ch.ID, Kind: "short_lived",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateAccessToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}

	if err := db.DeleteAccessToken(t.Context(), tok.Hash); err != nil {
		t.Fatal(err)
	}
	wantNotification(t, listener, "node-a")

	errRollBack := errors.New("roll back")
	err = db.Update(t.Context(), func(q pnpd.Queries) error {
		if err := q.UpdateChannelWebhook(t.Context(), ch.ID, "https://example.com/hook",
			true); err != nil {
			return err
		}

		return errRollBack
	})
	if !errors.Is(err, errRollBack) {
		t.Fatalf("update: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if n, err := listener.WaitForNotification(ctx); err == nil {
		t.Fatalf("a rolled-back change notified the other nodes: %+v", n)
	}
}

func wantNotification(t *testing.T, conn *pgx.Conn, payload string) {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	n, err := conn.WaitForNotification(ctx)
	if err != nil {
		t.Fatalf("no notification of the change: %v", err)
	}
	if n.Payload != payload {
		t.Errorf("notification %q, want %q", n.Payload, payload)
	}
}

// TestUntrustedChannelCache: while a node cannot hear of other nodes'
// changes, it reads every token from the database, so one revoked
// elsewhere stops working here too.
func TestUntrustedChannelCache(t *testing.T) {
	t.Parallel()

	url := pgtest.NewDatabase(t, template(t))
	here := setup(t, url, postgres.Options{Keyring: keys, CacheChannels: true})
	elsewhere := setup(t, url, postgres.Options{Keyring: keys}) // tells no one

	now := time.Now().UTC()
	ch := &pnpd.Channel{ID: "1000000001", Name: "Shop", Secret: pnpd.RandomHex(16),
		BotUserID: pnpd.NewUserID(), Country: "JP", CreatedAt: now}
	if err := here.CreateChannel(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	tok := &pnpd.AccessToken{Hash: pnpd.RandomHex(32), ChannelID: ch.ID, Kind: "short_lived",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := here.CreateAccessToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := here.ChannelByToken(t.Context(), tok.Hash, now); err != nil {
		t.Fatal(err) // now cached
	}

	if err := elsewhere.DeleteAccessToken(t.Context(), tok.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := here.ChannelByToken(t.Context(), tok.Hash, now); err != nil {
		t.Fatalf("the cache did not keep the token: %v (the test shows nothing)", err)
	}

	here.TrustChannelCache(false)
	_, err := here.ChannelByToken(t.Context(), tok.Hash, now)
	if pnpd.ErrorCode(err) != pnpd.ENotFound {
		t.Errorf("a token revoked elsewhere, with the cache untrusted: %v, want not found", err)
	}
	here.TrustChannelCache(true)
	_, err = here.ChannelByToken(t.Context(), tok.Hash, now)
	if pnpd.ErrorCode(err) != pnpd.ENotFound {
		t.Errorf("after the cache is trusted again: %v, want not found", err)
	}
}
