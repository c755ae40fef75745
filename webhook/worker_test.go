package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pnpd/pnpd"
)

// fakeStore keeps channels, events and attempts in memory. The embedded
// Store is nil: a call to any other method panics.
type fakeStore struct {
	pnpd.Store

	mu       sync.Mutex
	channels map[string]*pnpd.Channel
	events   map[string]*pnpd.WebhookEvent
	attempts []pnpd.WebhookAttempt
	faults   []pnpd.WebhookFault
}

// Update runs fn on the store itself: the fake has no transactions.
func (s *fakeStore) Update(_ context.Context, fn func(pnpd.Queries) error) error {
	return fn(s)
}

func (s *fakeStore) TakeWebhookFault(_ context.Context,
	channelID string) (*pnpd.WebhookFault, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	for i := range s.faults {
		if f := &s.faults[i]; f.ChannelID == channelID && f.Remaining > 0 {
			f.Remaining--
			cp := *f

			return &cp, nil
		}
	}

	return nil, pnpd.Errorf(pnpd.ENotFound, "Webhook fault not found.")
}

func (s *fakeStore) Channel(_ context.Context, id string) (*pnpd.Channel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	c, ok := s.channels[id]
	if !ok {
		return nil, pnpd.Errorf(pnpd.ENotFound, "Channel not found.")
	}
	cp := *c

	return &cp, nil
}

func (s *fakeStore) WebhookEvent(_ context.Context, id string) (*pnpd.WebhookEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	e, ok := s.events[id]
	if !ok {
		return nil, pnpd.Errorf(pnpd.ENotFound, "Webhook event not found.")
	}
	cp := *e

	return &cp, nil
}

func (s *fakeStore) AddWebhookAttempt(_ context.Context, a *pnpd.WebhookAttempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.attempts = append(s.attempts, *a)

	return nil
}

func (s *fakeStore) WebhookAttempts(_ context.Context,
	eventID string) ([]pnpd.WebhookAttempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	var out []pnpd.WebhookAttempt
	for _, a := range s.attempts {
		if a.EventID == eventID {
			out = append(out, a)
		}
	}

	return out, nil
}

func (s *fakeStore) recorded() []pnpd.WebhookAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]pnpd.WebhookAttempt(nil), s.attempts...)
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// receiver is a channel's bot server built on the official SDK: it answers
// the given statuses in turn, then 200, and keeps what it parsed.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []parsed
	raw      []rawRequest
}

// rawRequest is a request as it arrived.
type rawRequest struct {
	body      string
	signature string
	at        time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw := rawRequest{signature: r.Header.Get("X-Line-Signature"), at: time.Now()}
	body, _ := io.ReadAll(r.Body)
	raw.body = string(body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	p := parseDelivery(testSecret, r)

	rc.mu.Lock()
	rc.got = append(rc.got, p)
	rc.raw = append(rc.raw, raw)
	code := http.StatusOK
	if len(rc.statuses) > 0 {
		code, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	rc.mu.Unlock()

	w.WriteHeader(code)
}

func (rc *receiver) requests() []rawRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()

	return append([]rawRequest(nil), rc.raw...)
}

func (rc *receiver) received() []parsed {
	rc.mu.Lock()
	defer rc.mu.Unlock()

	return append([]parsed(nil), rc.got...)
}

type workerSetup struct {
	worker *Worker
	store  *fakeStore
	recv   *receiver
	logs   *bytes.Buffer
	now    time.Time
}

// setup returns a worker for one stored event of a channel with its
// webhook and redelivery on, and a receiver that answers statuses.
func setup(t *testing.T, statuses []int, now time.Time,
	change func(*pnpd.Channel)) workerSetup {
	t.Helper()

	recv := &receiver{statuses: statuses}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)

	ch := &pnpd.Channel{
		ID: "1234567890", Secret: testSecret, BotUserID: testDestination,
		WebhookURL: srv.URL + "/callback", WebhookEnabled: true, RedeliveryEnabled: true,
	}
	if change != nil {
		change(ch)
	}
	store := &fakeStore{
		channels: map[string]*pnpd.Channel{ch.ID: ch},
		events:   map[string]*pnpd.WebhookEvent{testEventID: testEvent(testPhoneHash)},
	}

	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := NewWorker(store, fixedClock{now}, &Sender{}, logger)

	return workerSetup{worker: w, store: store, recv: recv, logs: logs, now: now}
}

func job(attempt int, eventID string) *river.Job[pnpd.WebhookJob] {
	return &river.Job[pnpd.WebhookJob]{
		JobRow: &rivertype.JobRow{Attempt: attempt},
		Args:   pnpd.WebhookJob{EventID: eventID},
	}
}

// outcome names what River does with a run's error.
func outcome(err error) string {
	var cancel *river.JobCancelError
	switch {
	case err == nil:
		return "done"
	case errors.As(err, &cancel):
		return "cancel"
	default:
		return "retry"
	}
}

func failedAttempts(n int) []pnpd.WebhookAttempt {
	out := make([]pnpd.WebhookAttempt, n)
	for i := range out {
		out[i] = pnpd.WebhookAttempt{EventID: testEventID, Attempt: i + 1,
			Reason: pnpd.ReasonErrorStatusCode, Detail: "500", StatusCode: 500}
	}

	return out
}

func TestWorkerWork(t *testing.T) {
	t.Parallel()

	redeliveryOff := func(c *pnpd.Channel) { c.RedeliveryEnabled = false }
	tests := []struct {
		name     string
		channel  func(*pnpd.Channel)
		previous []pnpd.WebhookAttempt
		after    time.Duration // how long after the event the runs happen
		statuses []int         // the receiver's answers, in turn
		runs     []int         // River's attempt number for each run
		want     []string      // what River does after each run
		sent     []bool        // isRedelivery of each request received
		reasons  []string      // the reasons of the attempts recorded
	}{
		{name: "success", runs: []int{1}, want: []string{"done"},
			sent: []bool{false}, reasons: []string{""}},
		{name: "failure with redelivery on", statuses: []int{500}, runs: []int{1},
			want: []string{"retry"}, sent: []bool{false},
			reasons: []string{pnpd.ReasonErrorStatusCode}},
		{name: "second run redelivers the same event", statuses: []int{500},
			runs: []int{1, 2}, want: []string{"retry", "done"}, sent: []bool{false, true},
			reasons: []string{pnpd.ReasonErrorStatusCode, ""}},
		{name: "re-run after a crash mid-send is a redelivery", runs: []int{2},
			want: []string{"done"}, sent: []bool{true}, reasons: []string{""}},
		{name: "redelivery off sends once", channel: redeliveryOff, statuses: []int{500},
			runs: []int{1}, want: []string{"cancel"}, sent: []bool{false},
			reasons: []string{pnpd.ReasonErrorStatusCode}},
		{name: "redelivery off after a failed attempt", channel: redeliveryOff,
			previous: failedAttempts(1), runs: []int{2}, want: []string{"cancel"}},
		{name: "gives up after the last attempt",
			previous: failedAttempts(MaxAttempts - 1), statuses: []int{503}, runs: []int{MaxAttempts}, want: []string{"cancel"},
			sent: []bool{true}, reasons: []string{pnpd.ReasonErrorStatusCode}},
		{name: "no redelivery 24 hours after the event", previous: failedAttempts(3),
			after: 25 * time.Hour, runs: []int{4}, want: []string{"cancel"}},
		{name: "already delivered", previous: []pnpd.WebhookAttempt{{
			EventID: testEventID, Attempt: 1, StatusCode: 200}},
			runs: []int{2}, want: []string{"done"}},
		{name: "webhook disabled",
			channel: func(c *pnpd.Channel) { c.WebhookEnabled = false },
			runs:    []int{1}, want: []string{"done"},
			reasons: []string{pnpd.ReasonWebhookDisabled}},
		{name: "no webhook URL", channel: func(c *pnpd.Channel) { c.WebhookURL = "" },
			runs: []int{1}, want: []string{"done"},
			reasons: []string{pnpd.ReasonWebhookDisabled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			now := time.UnixMilli(testTimestamp).Add(time.Minute + tt.after)
			s := setup(t, tt.statuses, now, tt.channel)
			s.store.attempts = append(s.store.attempts, tt.previous...)

			for i, attempt := range tt.runs {
				err := s.worker.Work(context.Background(), job(attempt, testEventID))
				if got := outcome(err); got != tt.want[i] {
					t.Errorf("run %d: Work() = %v (%s), want %s", i+1, err, got,
						tt.want[i])
				}
			}

			checkSent(t, s.recv.received(), tt.sent)
			checkRecorded(t, s, len(tt.previous), tt.sent, tt.reasons)
			checkLogs(t, s.logs.String())
		})
	}
}

// checkSent checks that the receiver parsed the same event each time and
// that only isRedelivery changed.
func checkSent(t *testing.T, got []parsed, want []bool) {
	t.Helper()

	if len(got) != len(want) {
		t.Fatalf("receiver got %d requests, want %d", len(got), len(want))
	}
	for i, p := range got {
		if p.err != nil {
			t.Fatalf("request %d: SDK rejected it: %v", i+1, p.err)
		}
		checkParsed(t, p, testPhoneHash, want[i])
	}
}

func checkRecorded(t *testing.T, s workerSetup, previous int, sent []bool,
	reasons []string) {
	t.Helper()

	got := s.store.recorded()[previous:]
	if len(got) != len(reasons) {
		t.Fatalf("recorded %d attempts, want %d: %+v", len(got), len(reasons), got)
	}
	for i, a := range got {
		if a.Reason != reasons[i] || a.Attempt != previous+i+1 || !a.At.Equal(s.now) {
			t.Errorf("attempt %d = %+v, want number %d, reason %q, at %v", i+1, a,
				previous+i+1, reasons[i], s.now)
		}
		if i < len(sent) && a.Redelivery != sent[i] {
			t.Errorf("attempt %d: Redelivery = %v, want %v", i+1, a.Redelivery, sent[i])
		}
	}
}

// checkLogs checks that the logs name the event but never show the secret
// or the phone hash.
func checkLogs(t *testing.T, logs string) {
	t.Helper()

	if !strings.Contains(logs, "event_id="+testEventID) {
		t.Errorf("logs do not name the event:\n%s", logs)
	}
	for _, secret := range []string{testSecret, testPhoneHash} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestWorkerUnknown(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		eventID string
		channel func(*pnpd.Channel)
	}{
		{name: "unknown event", eventID: "01J00000000000000000000000"},
		{name: "unknown channel", eventID: testEventID,
			channel: func(c *pnpd.Channel) { c.ID = "999" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := setup(t, nil, time.UnixMilli(testTimestamp), tt.channel)
			err := s.worker.Work(context.Background(), job(1, tt.eventID))

			if got := outcome(err); got != "cancel" {
				t.Errorf("Work() = %v (%s), want cancel", err, got)
			}
			if n := len(s.recv.received()); n != 0 {
				t.Errorf("receiver got %d requests, want none", n)
			}
		})
	}
}

func TestWorkerNextRetry(t *testing.T) {
	t.Parallel()

	w := NewWorker(&fakeStore{}, fixedClock{}, nil, nil)
	var total, last time.Duration
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		before := time.Now()
		delay := w.NextRetry(job(attempt, testEventID)).Sub(before)
		if delay < last {
			t.Errorf("attempt %d: wait %v is shorter than the one before, %v", attempt,
				delay, last)
		}
		last = delay.Round(time.Second)
		total += last
	}

	if total >= RedeliveryWindow {
		t.Errorf("redeliveries span %v, want under %v", total, RedeliveryWindow)
	}
	if got := w.Timeout(job(1, testEventID)); got != 10*time.Second {
		t.Errorf("Timeout() = %v, want 10s", got)
	}
}
