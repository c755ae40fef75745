package quietlog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd/internal/quietlog"
)

// TestRepeatsHeldBack: a warning repeated within the period shows once,
// and the next that passes says how many were held back; other messages,
// and info lines, are never held back.
func TestRepeatsHeldBack(t *testing.T) {
	var out bytes.Buffer
	h := quietlog.New(slog.NewTextHandler(&out, nil), 10*time.Second)
	log := slog.New(h).With("component", "jobs")

	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration, level slog.Level, msg string) {
		r := slog.NewRecord(start.Add(d), level, msg, 0)
		if err := log.Handler().Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		at(time.Duration(i)*50*time.Millisecond, slog.LevelError, "Error fetching jobs")
		at(time.Duration(i)*50*time.Millisecond, slog.LevelInfo, "A job ran")
	}
	at(time.Second, slog.LevelWarn, "Database not ready")
	at(10*time.Second, slog.LevelError, "Error fetching jobs")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var fetch, info, other []string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "Error fetching jobs"):
			fetch = append(fetch, l)
		case strings.Contains(l, "A job ran"):
			info = append(info, l)
		default:
			other = append(other, l)
		}
	}
	if len(fetch) != 2 || strings.Contains(fetch[0], "repeats_held_back") ||
		!strings.Contains(fetch[1], "repeats_held_back=99") ||
		!strings.Contains(fetch[1], "component=jobs") {
		t.Errorf("the repeated error logged as:\n%s", strings.Join(fetch, "\n"))
	}
	if len(info) != 100 {
		t.Errorf("%d of 100 info lines logged", len(info))
	}
	if len(other) != 1 || !strings.Contains(other[0], "Database not ready") {
		t.Errorf("other lines: %q", other)
	}
}
