// Package storetest holds the conformance suite every pnpd.Store must pass.
// It knows only the interfaces in package pnpd, so that the SQLite adapter
// and any later one (PostgreSQL) are held to the same behaviour.
//
// An adapter's own test calls Run with a function that opens a new, empty,
// migrated store.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// opener returns a new, empty, migrated store and registers its cleanup
// with t.Cleanup.
type opener func(t *testing.T) pnpd.Store

// test is one case of the suite; it gets a fresh store of its own.
type test struct {
	name string
	run  func(t *testing.T, f *fixture)
}

// Run runs the conformance suite against fresh stores made by open: every
// case runs in parallel with a store of its own.
func Run(t *testing.T, open func(t *testing.T) pnpd.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Channels", channelTests},
		{"Recipients", recipientTests},
		{"Notifications", notificationTests},
		{"Trace", traceTests},
		{"Statistics", statisticsTests},
		{"Chats", chatTests},
		{"Webhook", webhookTests},
		{"SMS", smsTests},
		{"Sessions", sessionTests},
		{"Settings", settingTests},
		{"Update", updateTests},
		{"Reset", resetTests},
		{"Console", consoleTests},
		{"ChannelEdits", channelEditTests},
		{"Text", textTests},
	}

	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			runGroup(t, open, g.tests)
		})
	}
}

func runGroup(t *testing.T, open opener, tests []test) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, setup(t, open))
		})
	}
}

// fixture is one case's store and the context to call it with.
type fixture struct {
	ctx   context.Context
	store pnpd.Store
	seq   atomic.Int64
}

// setup opens a fresh store for one case.
func setup(t *testing.T, open opener) *fixture {
	t.Helper()

	// The context lives until t's cleanup, which waits for t's subtests, so
	// parallel table cases below t may use it too.
	return &fixture{ctx: t.Context(), store: open(t)}
}

// next returns a number not yet used in this fixture, for unique IDs.
func (f *fixture) next() int64 {
	return f.seq.Add(1)
}

// base is the suite's reference time: UTC, at millisecond precision, the
// precision every store keeps.
var base = time.Date(2025, 4, 1, 9, 30, 15, 123_000_000, time.UTC)

// at returns the reference time moved by d.
func at(d time.Duration) time.Time {
	return base.Add(d)
}

// ok fails the test at once when err is not nil.
func ok(t *testing.T, what string, err error) {
	t.Helper()

	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// wantCode checks that err carries the domain error code want.
func wantCode(t *testing.T, what string, err error, want pnpd.Code) {
	t.Helper()

	if got := pnpd.ErrorCode(err); got != want {
		t.Errorf("%s: error code = %q (error %v), want %q", what, got, err, want)
	}
}

// equal checks that got and want are deeply equal, times and locations
// included.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()

	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// errTest is the error the suite returns from inside Update.
var errTest = errors.New("storetest: roll back")
