package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// TestWorkerFaults checks what each sandbox fault does to one run: what the
// receiver gets, what is recorded and what River is told.
func TestWorkerFaults(t *testing.T) {
	t.Parallel()

	const delay = 300 * time.Millisecond
	tests := []struct {
		name     string
		fault    pnpd.WebhookFault
		inject   bool
		want     string // what River does after the run
		received int    // requests the receiver got
		attempts []recordedAttempt
		injected pnpd.FaultKind
	}{
		{name: "status sends nothing", inject: true, want: "retry", received: 0,
			fault:    pnpd.WebhookFault{Kind: pnpd.FaultStatus, StatusCode: 503},
			attempts: attempts(503, pnpd.ReasonErrorStatusCode, "503"),
			injected: pnpd.FaultStatus},
		{name: "status 302 is an error too", inject: true, want: "retry",
			fault:    pnpd.WebhookFault{Kind: pnpd.FaultStatus, StatusCode: 302},
			attempts: attempts(302, pnpd.ReasonErrorStatusCode, "302"),
			injected: pnpd.FaultStatus},
		{name: "delay sends late", inject: true, want: "done", received: 1,
			fault:    pnpd.WebhookFault{Kind: pnpd.FaultDelay, Delay: delay},
			attempts: attempts(200, "", ""), injected: pnpd.FaultDelay},
		{name: "drop sends and hangs up", inject: true, want: "retry", received: 1,
			fault:    pnpd.WebhookFault{Kind: pnpd.FaultDrop},
			attempts: attempts(0, pnpd.ReasonUnclassified, "Session closed unexpectedly"),
			injected: pnpd.FaultDrop},
		{name: "duplicate sends twice", inject: true, want: "done", received: 2,
			fault:    pnpd.WebhookFault{Kind: pnpd.FaultDuplicate},
			attempts: append(attempts(200, "", ""), attempts(200, "", "")...),
			injected: pnpd.FaultDuplicate},
		{name: "faults ignored outside the sandbox", want: "done", received: 1,
			fault:    pnpd.WebhookFault{Kind: pnpd.FaultStatus, StatusCode: 503},
			attempts: attempts(200, "", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := setup(t, nil, time.UnixMilli(testTimestamp).Add(time.Minute), nil)
			s.worker.InjectFaults = tt.inject
			tt.fault.ChannelID, tt.fault.Remaining = "1234567890", 1
			s.store.faults = []pnpd.WebhookFault{tt.fault}

			start := time.Now()
			err := s.worker.Work(context.Background(), job(1, testEventID))
			if got := outcome(err); got != tt.want {
				t.Errorf("Work() = %v (%s), want %s", err, got, tt.want)
			}

			checkRequests(t, s.recv.await(tt.received), tt.received, start, tt.fault.Delay)
			checkInjected(t, s.store.recorded(), tt.attempts, tt.injected)
		})
	}
}

// await waits up to ten seconds for n requests, since a dropped request
// may reach the handler after the sender hung up, and returns those there
// are.
func (rc *receiver) await(n int) []rawRequest {
	deadline := time.Now().Add(10 * time.Second)
	for len(rc.requests()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	return rc.requests()
}

// recordedAttempt is what a test expects of an attempt.
type recordedAttempt struct {
	status int
	reason string
	detail string
}

func attempts(status int, reason, detail string) []recordedAttempt {
	return []recordedAttempt{{status, reason, detail}}
}

// checkRequests checks the number of requests, that none came before the
// delay, and that copies are byte for byte the same, signature included.
func checkRequests(t *testing.T, got []rawRequest, want int, start time.Time,
	delay time.Duration) {
	t.Helper()

	if len(got) != want {
		t.Fatalf("receiver got %d requests, want %d", len(got), want)
	}
	for i, r := range got {
		if early := r.at.Sub(start); early < delay {
			t.Errorf("request %d came after %v, want at least %v", i+1, early, delay)
		}
		if r.body != got[0].body || r.signature != got[0].signature ||
			Sign(testSecret, []byte(r.body)) != r.signature {
			t.Errorf("request %d = %q signed %q, want the first, %q signed %q", i+1,
				r.body, r.signature, got[0].body, got[0].signature)
		}
	}
}

func checkInjected(t *testing.T, got []pnpd.WebhookAttempt, want []recordedAttempt,
	injected pnpd.FaultKind) {
	t.Helper()

	if len(got) != len(want) {
		t.Fatalf("recorded %d attempts, want %d: %+v", len(got), len(want), got)
	}
	for i, a := range got {
		w := want[i]
		if a.Attempt != i+1 || a.StatusCode != w.status || a.Reason != w.reason ||
			a.Detail != w.detail || a.Injected != injected || a.Redelivery {
			t.Errorf("attempt %d = %+v, want number %d, %d %q %q, injected %q, "+
				"not a redelivery", i+1, a, i+1, w.status, w.reason, w.detail, injected)
		}
	}
}

// TestWorkerFaultsInOrder checks that attempts take the units of the
// oldest fault first, and go on as usual once none is left.
func TestWorkerFaultsInOrder(t *testing.T) {
	t.Parallel()

	s := setup(t, nil, time.UnixMilli(testTimestamp).Add(time.Minute), nil)
	s.worker.InjectFaults = true
	s.store.faults = []pnpd.WebhookFault{
		{ChannelID: "1234567890", Kind: pnpd.FaultStatus, StatusCode: 500, Remaining: 2},
		{ChannelID: "1234567890", Kind: pnpd.FaultDrop, Remaining: 1},
	}

	for run := 1; run <= 4; run++ {
		_ = s.worker.Work(context.Background(), job(run, testEventID))
	}

	var got []string
	for _, a := range s.store.recorded() {
		got = append(got, string(a.Injected)+"/"+a.Detail)
	}
	want := []string{"status/500", "status/500", "drop/Session closed unexpectedly", "/"}
	if len(got) != len(want) {
		t.Fatalf("attempts = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attempt %d = %q, want %q", i+1, got[i], want[i])
		}
	}
	// The dropped request's handler may finish after the last attempt's:
	// nothing waited for its answer.
	s.recv.await(2)
	checkSent(t, s.recv.received(), []bool{true, true})
}

func TestWorkerTimeoutAllowsForDelays(t *testing.T) {
	t.Parallel()

	w := NewWorker(&fakeStore{}, fixedClock{}, nil, nil)
	if got := w.Timeout(job(1, testEventID)); got != JobTimeout {
		t.Errorf("Timeout() without faults = %v, want %v", got, JobTimeout)
	}

	w.InjectFaults = true
	w.FaultDelayLimit = FaultDelayLimit(30 * time.Second)
	if got := w.Timeout(job(1, testEventID)); got < w.FaultDelayLimit+DefaultTimeout ||
		got >= 30*time.Second {
		t.Errorf("Timeout() with faults = %v, want room for a %v delay and a send, "+
			"under the 30 s after which a job counts as lost", got, w.FaultDelayLimit)
	}
}

// TestFaultDelayLimit checks that a delayed job always ends before River
// would count it as lost and run it a second time.
func TestFaultDelayLimit(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct{ rescue, want time.Duration }{
		{12 * time.Second, 0},
		{13 * time.Second, time.Second},
		{30 * time.Second, 18 * time.Second},
		{time.Hour, MaxFaultDelay},
	} {
		if got := FaultDelayLimit(tt.rescue); got != tt.want {
			t.Errorf("FaultDelayLimit(%v) = %v, want %v", tt.rescue, got, tt.want)
		}
	}
}
