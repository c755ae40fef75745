package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/keyring"
)

// TestTraceUpgrade opens a database written before pnpd recorded trace
// steps: each notification gets one step, its state at the upgrade, at the
// time it entered it as far as the row tells, and later changes add steps.
func TestTraceUpgrade(t *testing.T) {
	t.Parallel()

	path := filepath.Join(t.TempDir(), "pnpd.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, sub,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), 4); err != nil {
		t.Fatalf("migrate to version 4: %v", err)
	}

	accepted := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	old := []struct {
		id        string
		state     pnpd.NotificationState
		delivered any
		want      time.Time
	}{
		{"held", pnpd.StateHeldForConsent, nil, accepted},
		{"delivered", pnpd.StateDelivered, accepted.Add(time.Hour).UnixMilli(),
			accepted.Add(time.Hour)},
		{"expired", pnpd.StateExpired, nil, accepted.Add(24 * time.Hour)},
	}
	for _, n := range old {
		_, err := raw.Exec(`INSERT INTO notification (id, channel_id, recipient_id, kind,
			to_hash, delivery_tag, messages, notification_disabled, aggregation_unit, state,
			accepted_at, expires_at, delivered_at)
			VALUES (?, '1650000001', 'U1', 'flexible', 'ab', '', '[]', 0, '', ?, ?, ?, ?)`,
			n.id, n.state, accepted.UnixMilli(), accepted.Add(24*time.Hour).UnixMilli(),
			n.delivered)
		if err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := Open(t.Context(), path, Options{Keyring: keyring.Generate()})
	if err != nil {
		t.Fatalf("open after the upgrade: %v", err)
	}
	defer db.Close()

	for _, n := range old {
		wantSteps(t, db, n.id, pnpd.TraceStep{NotificationID: n.id, At: n.want,
			State: n.state, Detail: pnpd.TraceDetailUpgrade})
	}

	held, err := db.Notification(t.Context(), "held")
	if err != nil {
		t.Fatal(err)
	}
	held.State, held.StateChangedAt = pnpd.StateBlocked, accepted.Add(time.Minute)
	if err := db.UpdateNotification(t.Context(), held); err != nil {
		t.Fatal(err)
	}
	wantSteps(t, db, "held",
		pnpd.TraceStep{NotificationID: "held", At: accepted, State: pnpd.StateHeldForConsent,
			Detail: pnpd.TraceDetailUpgrade},
		pnpd.TraceStep{NotificationID: "held", At: accepted.Add(time.Minute),
			State: pnpd.StateBlocked})
}

func wantSteps(t *testing.T, db *DB, id string, want ...pnpd.TraceStep) {
	t.Helper()

	got, err := db.NotificationTrace(t.Context(), id)
	if err != nil {
		t.Fatalf("trace of %s: %v", id, err)
	}
	if len(got) != len(want) {
		t.Fatalf("trace of %s: %+v, want %+v", id, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("trace of %s, step %d: %+v, want %+v", id, i, got[i], want[i])
		}
	}
}
