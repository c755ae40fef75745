// Package quietlog keeps one failure from flooding the log. While the
// database is down, River's job fetcher fails on every poll (twenty times a
// second), a readiness probe fails on every call, and a listener fails on
// every reconnect: each says the same thing again and again, and drowns
// whatever else the log has to say. A quiet handler lets a warning or an
// error through once per period for each message, and the next one that
// passes says how many it held back.
package quietlog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxMessages bounds the messages remembered; past it the memory starts
// over, which at worst lets a repeat through early.
const maxMessages = 1024

// New returns a handler that passes records to next, except a warning or
// an error whose message already passed within the last period.
func New(next slog.Handler, period time.Duration) slog.Handler {
	return &handler{next: next, period: period,
		seen: &seen{last: map[string]*passed{}}}
}

type handler struct {
	next   slog.Handler
	period time.Duration
	seen   *seen // shared with the handlers derived by WithAttrs and WithGroup
}

type seen struct {
	mu   sync.Mutex
	last map[string]*passed
}

// passed is when a message last passed, and how many repeats were held
// back since.
type passed struct {
	at   time.Time
	held int
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}

	held, pass := h.seen.note(r.Message, r.Time, h.period)
	if !pass {
		return nil
	}
	if held > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("repeats_held_back", held))
	}

	return h.next.Handle(ctx, r)
}

// note records a message logged at t, and reports whether it passes and
// how many repeats were held back before it.
func (s *seen) note(msg string, t time.Time, period time.Duration) (held int, pass bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	p := s.last[msg]
	if p != nil && t.Sub(p.at) < period {
		p.held++
		return 0, false
	}
	if p == nil && len(s.last) >= maxMessages {
		clear(s.last)
	}
	if p != nil {
		held = p.held
	}
	s.last[msg] = &passed{at: t}

	return held, true
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(attrs), period: h.period, seen: h.seen}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), period: h.period, seen: h.seen}
}
