package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// fakeClock is a time that moves only when a test says so.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.now = c.now.Add(d)
}

// TestThrottleKeepsActiveBuckets fills a small throttle with clients still
// refilling, then floods it with new ones: the spent client stays refused
// until its minute is up, and the flood shares one bucket.
func TestThrottleKeepsActiveBuckets(t *testing.T) {
	t.Parallel()

	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	th := newThrottle(clientTries, 4, clock.Now)
	for range clientTries {
		th.allow("spent")
	}

	// The flood lasts 10 s, so that the throttle sweeps its table often,
	// yet the spent client has not earned a try back.
	flood := 0
	for i := range 1000 {
		if th.allow(fmt.Sprintf("flood-%d", i)) {
			flood++
		}
		if i%100 == 99 {
			clock.advance(time.Second)
		}
	}
	if th.allow("spent") {
		t.Error("a flood of new clients gave a spent client new tries")
	}
	// Three new clients fit beside the spent one; the rest share 5 tries.
	if want := 3 + clientTries; flood != want {
		t.Errorf("the flood got %d tries, want %d", flood, want)
	}

	clock.advance(time.Minute)
	if !th.allow("spent") || !th.allow("newcomer") {
		t.Error("a minute later, a client is still refused")
	}
}

// TestPasswordSlots runs many password checks at once: three run while the
// rest wait, no more than three ever run together, and every one runs.
func TestPasswordSlots(t *testing.T) {
	t.Parallel()

	c := &Console{PasswordChecks: 3}
	c.Register(http.NewServeMux())
	var mu sync.Mutex
	running, most, done := 0, 0, 0
	entered, release := make(chan struct{}, 12), make(chan struct{})
	check := func() {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()

		entered <- struct{}{}
		<-release
		mu.Lock()
		running--
		done++
		mu.Unlock()
	}

	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			if err := c.hashing(t.Context(), check); err != nil {
				t.Errorf("hashing: %v", err)
			}
		})
	}
	for range 3 {
		<-entered
	}
	select {
	case <-entered:
		t.Error("a fourth check ran beside three")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	wg.Wait()

	if most != 3 || done != 12 {
		t.Errorf("%d checks at most at once, %d done; want 3 and 12", most, done)
	}
}

// TestPasswordSlotsBusy checks that a request whose context ends while
// every slot is taken gives up without hashing.
func TestPasswordSlotsBusy(t *testing.T) {
	t.Parallel()

	c := &Console{PasswordChecks: 1}
	c.Register(http.NewServeMux())
	c.slots <- struct{}{}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	ran := false
	if err := c.hashing(ctx, func() { ran = true }); err != errBusy || ran {
		t.Errorf("hashing = %v, ran %v; want errBusy without running", err, ran)
	}
}

// operatorStore holds one operator, admin, and takes sessions.
type operatorStore struct {
	pnpd.Store
	admin pnpd.Operator
}

func (s *operatorStore) OperatorByUsername(_ context.Context, name string) (*pnpd.Operator,
	error) {
	if name != s.admin.Username {
		return nil, pnpd.Errorf(pnpd.ENotFound, "no operator")
	}

	op := s.admin

	return &op, nil
}

func (s *operatorStore) CreateOperatorSession(context.Context, *pnpd.OperatorSession) error {
	return nil
}

const adminPassword = "the-right-password-41"

// loginEnv is a console on a store with admin, with a clock for its
// log-in limits, a small client table and its logs in JSON.
type loginEnv struct {
	t     *testing.T
	c     *Console
	mux   *http.ServeMux
	clock *fakeClock
	logs  *bytes.Buffer
}

func setupLogIn(t *testing.T, clients int) *loginEnv {
	t.Helper()

	cheap := Hasher{Time: 1, MemoryKiB: 64, Threads: 1}
	e := &loginEnv{t: t, mux: http.NewServeMux(), logs: &bytes.Buffer{},
		clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}}
	e.c = &Console{Store: &operatorStore{admin: pnpd.Operator{ID: 1, Username: "admin",
		PasswordHash: cheap.Hash(adminPassword)}}, Clock: &pnpd.OffsetClock{},
		Log: slog.New(slog.NewJSONHandler(e.logs, nil)), Hasher: cheap}
	e.c.Register(e.mux)
	e.c.clientTries = newThrottle(clientTries, clients, e.clock.Now)
	e.c.userTries = newThrottle(userTries, clients, e.clock.Now)

	return e
}

// logIn posts the log-in form from a client address and returns the status
// and the page.
func (e *loginEnv) logIn(ctx context.Context, client, username, password string) (int,
	string) {
	form := url.Values{"username": {username}, "password": {password}}
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/console/login",
		strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = client + ":40000"
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)

	return w.Code, w.Body.String()
}

func (e *loginEnv) expect(what, client, username, password string, want int) {
	e.t.Helper()

	if got, page := e.logIn(e.t.Context(), client, username, password); got != want {
		e.t.Errorf("%s: status %d, want %d\n%s", what, got, want, page)
	}
}

// TestUsernameFloodKeepsLimits spends admin's tries from five addresses and
// one address's tries on an unknown name, then floods the log-in with
// unknown usernames from many addresses. Neither limit starts over: admin
// stays refused until the minute is up, as does the spent address.
func TestUsernameFloodKeepsLimits(t *testing.T) {
	t.Parallel()

	e := setupLogIn(t, 8)
	for range clientTries {
		e.expect("unknown name", "10.9.0.1", "nobody", "guess", http.StatusBadRequest)
	}
	for i := range userTries {
		e.expect("wrong password", fmt.Sprintf("10.0.0.%d", i%5), "admin", "guess",
			http.StatusBadRequest)
	}

	for i := range 300 {
		e.logIn(t.Context(), fmt.Sprintf("10.1.%d.%d", i/250, i%250),
			fmt.Sprintf("user-%d", i), "guess")
		// A second passes, so that the full tables are swept again, yet
		// too little for admin or the spent address to earn a try back.
		if i == 150 {
			e.clock.advance(1100 * time.Millisecond)
		}
	}

	e.expect("admin after the flood", "10.0.0.1", "admin", adminPassword,
		http.StatusTooManyRequests)
	e.expect("spent address after the flood", "10.9.0.1", "nobody", "guess",
		http.StatusTooManyRequests)
	e.clock.advance(time.Minute)
	e.expect("admin a minute later", "10.0.0.1", "admin", adminPassword,
		http.StatusSeeOther)
}

// TestLogInRefusalLogs checks the log line of each refused log-in: its
// reason and client, the username only when it is an operator's, and never
// the password.
func TestLogInRefusalLogs(t *testing.T) {
	t.Parallel()

	e := setupLogIn(t, 100)
	e.expect("wrong password", "10.0.0.1", "admin", "wrong-secret-1", http.StatusBadRequest)
	e.expect("unknown name", "10.0.0.2", "nobody", "wrong-secret-2", http.StatusBadRequest)
	for range clientTries {
		e.logIn(t.Context(), "10.0.0.3", "admin", "wrong-secret-3")
	}
	e.expect("throttled", "10.0.0.3", "admin", "wrong-secret-4",
		http.StatusTooManyRequests)

	lines := refusals(t, e.logs.String())
	if len(lines) != 3+clientTries {
		t.Fatalf("%d refusals logged, want %d:\n%s", len(lines), 3+clientTries, e.logs)
	}
	want := map[int]map[string]string{
		0:              {"reason": "wrong_password", "client": "10.0.0.1", "username": "admin"},
		1:              {"reason": "wrong_password", "client": "10.0.0.2"},
		len(lines) - 1: {"reason": "throttled", "client": "10.0.0.3", "username": "admin"},
	}
	for i, w := range want {
		if !sameAttrs(lines[i], w) {
			t.Errorf("refusal %d logged %v, want %v", i, lines[i], w)
		}
	}
	if strings.Contains(e.logs.String(), "wrong-secret") {
		t.Errorf("the log holds a password:\n%s", e.logs)
	}
}

// refusals returns the attributes of the log's refused log-ins.
func refusals(t *testing.T, logs string) []map[string]any {
	t.Helper()

	var out []map[string]any
	for line := range strings.Lines(logs) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "Operator log-in refused" {
			if m["level"] != "INFO" {
				t.Errorf("refusal logged at %v, want INFO", m["level"])
			}
			out = append(out, m)
		}
	}

	return out
}

// sameAttrs reports whether a log line has exactly the attributes want,
// besides time, level and msg.
func sameAttrs(line map[string]any, want map[string]string) bool {
	if len(line) != len(want)+3 {
		return false
	}

	for k, v := range want {
		if line[k] != v {
			return false
		}
	}

	return true
}

// TestLogInBusy checks that a log-in that cannot get a password slot before
// its request ends is told the console is busy, and logged so.
func TestLogInBusy(t *testing.T) {
	t.Parallel()

	e := setupLogIn(t, 100)
	for range cap(e.c.slots) {
		e.c.slots <- struct{}{}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	status, page := e.logIn(ctx, "10.0.0.1", "admin", adminPassword)
	if status != http.StatusServiceUnavailable || !strings.Contains(page, busyMessage) {
		t.Errorf("status %d, want 503 saying %q:\n%s", status, busyMessage, page)
	}
	if l := refusals(t, e.logs.String()); len(l) != 1 || l[0]["reason"] != "busy" {
		t.Errorf("refusal logs %v, want one for busy", l)
	}
}
