package pnpdtest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// Now reads the sandbox clock.
func (c *Client) Now(tb testing.TB) Clock {
	tb.Helper()

	var out Clock
	c.call(tb, http.MethodGet, "/sandbox/v1/clock", nil, &out)

	return out
}

// Advance moves the sandbox clock forward by d, rounded up to a whole
// second, the API's unit. Every timer follows: held notifications that
// pass their 24 hours expire, and webhook redeliveries that fall due are
// sent.
func (c *Client) Advance(tb testing.TB, d time.Duration) Clock {
	tb.Helper()

	if d <= 0 {
		tb.Fatalf("pnpdtest: Advance(%v): the clock moves only forward", d)
	}
	seconds := int64((d + time.Second - 1) / time.Second)

	var out Clock
	c.call(tb, http.MethodPost, "/sandbox/v1/clock",
		map[string]int64{"advanceSeconds": seconds}, &out)

	return out
}

// ResetClock sets the sandbox clock back to the wall clock.
func (c *Client) ResetClock(tb testing.TB) Clock {
	tb.Helper()

	var out Clock
	c.call(tb, http.MethodDelete, "/sandbox/v1/clock", nil, &out)

	return out
}

// SMS lists the SMS sent to e164, newest first; every number's when e164
// is empty.
func (c *Client) SMS(tb testing.TB, e164 string) []SMS {
	tb.Helper()

	path := "/sandbox/v1/sms"
	if e164 != "" {
		path += "?phoneNumber=" + url.QueryEscape(e164)
	}

	var out struct {
		Messages []SMS `json:"messages"`
	}
	c.call(tb, http.MethodGet, path, nil, &out)

	return out.Messages
}

// LatestCode returns the code in the newest SMS sent to e164, and fails
// the test when none was sent.
func (c *Client) LatestCode(tb testing.TB, e164 string) string {
	tb.Helper()

	return c.latestCode(tb, phone{e164: e164})
}

// CreateChannel creates a channel. Point its webhook at a receiver the
// test started, such as an httptest.Server.
func (c *Client) CreateChannel(tb testing.TB, spec ChannelSpec) Channel {
	tb.Helper()

	var out Channel
	c.call(tb, http.MethodPost, "/sandbox/v1/channels", spec, &out)

	return out
}

// Statistics counts what a channel delivered on the UTC+9 day of day,
// today when day is zero.
func (c *Client) Statistics(tb testing.TB, channelID string, day time.Time) Statistics {
	tb.Helper()

	path := pathf("/sandbox/v1/channels/%s/statistics", channelID)
	if !day.IsZero() {
		path += "?date=" + day.In(pnpd.StatisticsZone).Format("20060102")
	}

	var out Statistics
	c.call(tb, http.MethodGet, path, nil, &out)

	return out
}

// MagicNumbers lists the sandbox's magic numbers: fictitious numbers that
// always behave one way, with no setup.
func (c *Client) MagicNumbers(tb testing.TB) []MagicNumber {
	tb.Helper()

	var out struct {
		MagicNumbers []MagicNumber `json:"magicNumbers"`
	}
	c.call(tb, http.MethodGet, "/sandbox/v1/magic-numbers", nil, &out)

	return out.MagicNumbers
}

// Reset deletes every recipient, notification, channel and SMS, clears
// the faults, sets the clock back and seeds the magic numbers again: the
// server is as new.
func (c *Client) Reset(tb testing.TB) {
	tb.Helper()

	c.reset(tb, false)
}

// ResetKeepingChannels is Reset that keeps the channels and their tokens.
func (c *Client) ResetKeepingChannels(tb testing.TB) {
	tb.Helper()

	c.reset(tb, true)
}

func (c *Client) reset(tb testing.TB, keepChannels bool) {
	tb.Helper()

	c.call(tb, http.MethodPost, "/sandbox/v1/reset",
		map[string]bool{"keepChannels": keepChannels}, nil)

	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.phones)
}
