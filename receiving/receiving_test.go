package receiving_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sqlite"
)

const day = 24 * time.Hour

// start is when every scenario begins: noon in Tokyo.
var start = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)

const (
	jpPhone       = "+819012345678"
	thPhone       = "+66812345678"
	twPhone       = "+886912345678"
	usPhone       = "+12025550123"
	newPhone      = "+819087654321"
	strangerPhone = "+819055556666" // no account has it
)

var (
	jpHash      = pnpd.HashPhone(jpPhone)
	jpHashUpper = strings.ToUpper(jpHash)
	newHash     = pnpd.HashPhone(newPhone)
)

// manualClock is a pnpd.Clock that moves only when the test moves it.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the time the test set.
func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

// Advance moves the clock forward by d.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.now = c.now.Add(d)
}

// fixture is one scenario's world: a fresh SQLite file holding two
// channels and one recipient, and the service under test.
type fixture struct {
	ctx   context.Context
	db    *sqlite.DB
	file  *sql.DB // the same file, for what the store has no query for
	clock *manualClock
	svc   *receiving.Service
	// channels holds "A", whose webhook is on, and "B", which has none.
	channels map[string]*pnpd.Channel
	rec      *pnpd.Recipient // as created
	pushes   map[string]receiving.Push
	order    []string // push labels, in the order they were sent
}

// setup opens a fresh database without job workers, so that webhook jobs
// stay queued for the test to find, and creates channels A and B.
func setup(t *testing.T) *fixture {
	t.Helper()

	path := filepath.Join(t.TempDir(), "pnpd.db")
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })

	// The sqlite package registered the driver; this pool only reads.
	file, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("open database file: %v", err)
	}
	t.Cleanup(func() { file.Close() })

	clock := &manualClock{now: start}
	f := &fixture{
		ctx: t.Context(), db: db, file: file, clock: clock,
		svc: &receiving.Service{Store: db, Rules: flow.DefaultRules(), Clock: clock,
			Log: slog.New(slog.DiscardHandler)},
		channels: map[string]*pnpd.Channel{
			"A": newChannel("1000000001", "Shop A", "http://127.0.0.1:1/hook"),
			"B": newChannel("1000000002", "Shop B", ""),
		},
		pushes: map[string]receiving.Push{},
	}
	for _, ch := range f.channels {
		if err := db.CreateChannel(f.ctx, ch); err != nil {
			t.Fatalf("create channel: %v", err)
		}
	}

	return f
}

// newChannel returns a channel whose webhook is on when it has a URL.
func newChannel(id, name, webhookURL string) *pnpd.Channel {
	return &pnpd.Channel{
		ID: id, Name: name, Secret: pnpd.RandomHex(16), BotUserID: pnpd.NewUserID(),
		Country: "JP", WebhookURL: webhookURL, WebhookEnabled: webhookURL != "",
		CreatedAt: start.Add(-365 * day),
	}
}

// standing is how a recipient stands with the 180-day SMS rule at start.
type standing int

const (
	verifiedRecently standing = iota // account 400 days old, SMS 10 days ago
	newAccount                       // account 10 days old, never verified
	changedNumber                    // number changed 100 days ago
	stale                            // account and SMS 200 days old
)

// account is a recipient's state at the start of a scenario.
type account struct {
	phone           string // jpPhone when empty
	consent         pnpd.Consent
	standing        standing
	noPrivacyPolicy bool
}

func (f *fixture) createRecipient(t *testing.T, a account) {
	t.Helper()

	if a.phone == "" {
		a.phone = jpPhone
	}
	r := &pnpd.Recipient{
		ID: pnpd.NewUserID(), DisplayName: "Hanako", PhoneNumber: a.phone,
		PhoneHash: pnpd.HashPhone(a.phone), Language: "ja", Consent: a.consent,
		PrivacyPolicyAgreed: !a.noPrivacyPolicy,
		CreatedAt:           start.Add(-400 * day), SMSVerifiedAt: start.Add(-300 * day),
	}
	switch a.standing {
	case verifiedRecently:
		r.SMSVerifiedAt = start.Add(-10 * day)
	case newAccount:
		r.CreatedAt, r.SMSVerifiedAt = start.Add(-10*day), time.Time{}
	case changedNumber:
		r.PhoneChangedAt = start.Add(-100 * day)
	case stale:
		r.CreatedAt, r.SMSVerifiedAt = start.Add(-200*day), start.Add(-200*day)
	}

	if err := f.db.CreateRecipient(f.ctx, r); err != nil {
		t.Fatalf("create recipient: %v", err)
	}
	f.rec = r
}

// step is one thing that happens in a scenario; it checks what it
// returned at once.
type step func(t *testing.T, f *fixture)

// pushOption changes a push from its defaults: to the recipient's
// original hash, no delivery tag, with an alert.
type pushOption func(*receiving.Push)

func tagged(tag string) pushOption {
	return func(p *receiving.Push) { p.DeliveryTag = tag }
}

func to(hash string) pushOption {
	return func(p *receiving.Push) { p.To = hash }
}

func silent(p *receiving.Push) { p.NotificationDisabled = true }

// messagesOf returns the two message objects a push labelled so sends.
func messagesOf(label string) []json.RawMessage {
	return []json.RawMessage{
		json.RawMessage(fmt.Sprintf(`{"type":"text","text":"%s: first"}`, label)),
		json.RawMessage(fmt.Sprintf(`{"type":"text","text":"%s: second"}`, label)),
	}
}

// push sends a notification with two message objects from channel "A" or
// "B". want flow.Refuse expects ErrRefused.
func push(label, channel string, want flow.Outcome, opts ...pushOption) step {
	return func(t *testing.T, f *fixture) {
		t.Helper()

		messages, _ := json.Marshal(messagesOf(label))
		p := receiving.Push{
			RequestID: pnpd.NewRequestID(), Channel: f.channels[channel],
			Kind: pnpd.KindFlexible, To: f.rec.PhoneHash, Messages: messages,
		}
		for _, o := range opts {
			o(&p)
		}
		f.pushes[label] = p
		f.order = append(f.order, label)

		got, err := f.svc.Accept(f.ctx, p)
		checkAccepted(t, label, got, err, want)
	}
}

func checkAccepted(t *testing.T, label string, got flow.Outcome, err error,
	want flow.Outcome) {
	t.Helper()

	switch {
	case want == flow.Refuse && !errors.Is(err, receiving.ErrRefused):
		t.Fatalf("push %s: error %v, want ErrRefused", label, err)
	case want == flow.Refuse && pnpd.ErrorCode(err) != pnpd.ERefused:
		t.Fatalf("push %s: code %q, want %q", label, pnpd.ErrorCode(err), pnpd.ERefused)
	case want != flow.Refuse && err != nil:
		t.Fatalf("push %s: %v", label, err)
	case want != flow.Refuse && got != want:
		t.Fatalf("push %s: outcome %v, want %v", label, got, want)
	}
}

func advance(d time.Duration) step {
	return func(_ *testing.T, f *fixture) { f.clock.Advance(d) }
}

func agree(want receiving.Result) step {
	return action("agree", want, func(f *fixture) (receiving.Result, error) {
		return f.svc.Agree(f.ctx, f.rec.ID)
	})
}

func reject(want receiving.Result) step {
	return action("reject", want, func(f *fixture) (receiving.Result, error) {
		return f.svc.Reject(f.ctx, f.rec.ID)
	})
}

// verified runs Verified in a transaction of the test's own, as the SMS
// check does.
func verified(want receiving.Result) step {
	return action("verified", want, func(f *fixture) (receiving.Result, error) {
		return inTx(f, func(q pnpd.Queries) (receiving.Result, error) {
			return f.svc.Verified(f.ctx, q, f.rec.ID)
		})
	})
}

func changeNumber(phone string, want receiving.Result) step {
	return action("change number", want, func(f *fixture) (receiving.Result, error) {
		return inTx(f, func(q pnpd.Queries) (receiving.Result, error) {
			return f.svc.ChangeNumber(f.ctx, q, f.rec.ID, phone)
		})
	})
}

func block(channel string, want receiving.Result) step {
	return action("block "+channel, want, func(f *fixture) (receiving.Result, error) {
		return f.svc.SetBlocked(f.ctx, f.rec.ID, f.channels[channel].ID, true)
	})
}

func unblock(channel string, want receiving.Result) step {
	return action("unblock "+channel, want, func(f *fixture) (receiving.Result, error) {
		return f.svc.SetBlocked(f.ctx, f.rec.ID, f.channels[channel].ID, false)
	})
}

func action(name string, want receiving.Result,
	do func(*fixture) (receiving.Result, error)) step {
	return func(t *testing.T, f *fixture) {
		t.Helper()

		got, err := do(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The recipient sees these three; the rest is for Outcomes.
		if got.Delivered != want.Delivered || got.Dropped != want.Dropped ||
			got.SMSVerificationRequired != want.SMSVerificationRequired {
			t.Fatalf("%s: result %+v, want %+v", name, got, want)
		}
	}
}

func inTx(f *fixture,
	fn func(pnpd.Queries) (receiving.Result, error)) (receiving.Result, error) {
	var res receiving.Result
	err := f.db.Update(f.ctx, func(q pnpd.Queries) error {
		var err error
		res, err = fn(q)

		return err
	})

	return res, err
}

// expire runs the expiry sweep.
func expire(want int) step {
	return func(t *testing.T, f *fixture) {
		t.Helper()

		got, err := f.svc.Expire(f.ctx)
		if err != nil {
			t.Fatalf("expire: %v", err)
		}
		if got != want {
			t.Fatalf("expire: %d expired, want %d", got, want)
		}
	}
}

// stateIs checks a notification's state between steps.
func stateIs(label string, want pnpd.NotificationState) step {
	return func(t *testing.T, f *fixture) {
		t.Helper()

		n, err := f.db.Notification(f.ctx, f.pushes[label].RequestID)
		if err != nil {
			t.Fatalf("notification %s: %v", label, err)
		}
		if n.State != want {
			t.Fatalf("notification %s: state %q, want %q", label, n.State, want)
		}
	}
}

const (
	heldConsent   = pnpd.StateHeldForConsent
	heldSMS       = pnpd.StateHeldForSMS
	delivered     = pnpd.StateDelivered
	expired       = pnpd.StateExpired
	blocked       = pnpd.StateBlocked
	rejected      = pnpd.StateRejected
	numberChanged = pnpd.StateNumberChanged
	notStored     = pnpd.NotificationState("")
	notSet        = pnpd.ConsentNotSet
	agreed        = pnpd.ConsentAgreed
)

// outcome is what a scenario leaves for the recipient, the business and
// the statistics to see.
type outcome struct {
	// states holds every push's final state; notStored for a refused one.
	states map[string]pnpd.NotificationState
	// notices are the system chat's, in order: "kind" or "kind label",
	// the label naming the notification the notice concerns.
	notices []string
	// chats lists, per channel, the pushes whose messages its chat shows.
	chats map[string][]string
	// webhooks holds delivery.data of each push that has a webhook event.
	webhooks map[string]string
	// counted holds each channel's delivered count; absent is 0.
	counted map[string]int64
}

// TestReceivingFlow plays scenarios of PRODUCT.md's receiving flow on a
// real SQLite file and checks what the recipient, the business and the
// statistics see at the end.
func TestReceivingFlow(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		account account
		steps   []step
		want    outcome
	}{
		// Rule 3: consent agreed, SMS not needed.
		{
			name:    "agreed and verified recently: delivered with its tag, silently",
			account: account{consent: agreed, standing: verifiedRecently},
			steps:   []step{push("a", "A", flow.Deliver, tagged("order-17"), silent)},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": "order-17"},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "agreed, new account, hash in upper case: found and echoed",
			account: account{consent: agreed, standing: newAccount},
			steps:   []step{push("a", "A", flow.Deliver, to(jpHashUpper))},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": jpHashUpper},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "agreed, number changed recently: delivered, data is the hash",
			account: account{consent: agreed, standing: changedNumber},
			steps:   []step{push("a", "A", flow.Deliver)},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "agreed, Thai number: delivered",
			account: account{phone: thPhone, consent: agreed, standing: verifiedRecently},
			steps:   []step{push("a", "A", flow.Deliver)},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": pnpd.HashPhone(thPhone)},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "agreed, Taiwanese number, channel without webhook: no event",
			account: account{phone: twPhone, consent: agreed, standing: verifiedRecently},
			steps:   []step{push("a", "B", flow.Deliver)},
			want: outcome{
				states:  map[string]pnpd.NotificationState{"a": delivered},
				notices: []string{"received a"},
				chats:   map[string][]string{"B": {"a"}},
				counted: map[string]int64{"B": 1},
			},
		},

		// Rule 3: consent not set.
		{
			name:    "not set: held, then agree delivers",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent, tagged("t-1")),
				stateIs("a", heldConsent),
				advance(time.Hour),
				agree(receiving.Result{Delivered: 1}),
			},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"pending a", "consent_request a", "received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": "t-1"},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "not set: reject deletes the held one and refuses later ones",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				reject(receiving.Result{Dropped: 1}),
				advance(time.Hour),
				push("later", "A", flow.Refuse),
			},
			want: outcome{
				states: map[string]pnpd.NotificationState{
					"a": rejected, "later": notStored,
				},
				notices: []string{"pending a", "consent_request a"},
			},
		},

		// Rules 3 and 5: consent, then SMS, each released globally.
		{
			name:    "not set, SMS needed: one agree and one SMS release both channels",
			account: account{consent: notSet, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(time.Minute),
				push("b", "B", flow.HoldForConsent),
				agree(receiving.Result{SMSVerificationRequired: true}),
				stateIs("a", heldSMS),
				stateIs("b", heldSMS),
				advance(time.Minute),
				verified(receiving.Result{Delivered: 2}),
			},
			want: outcome{
				states: map[string]pnpd.NotificationState{"a": delivered, "b": delivered},
				notices: []string{"pending a", "consent_request a", "pending b",
					"consent_request b", "sms_request", "received a", "received b"},
				chats:    map[string][]string{"A": {"a"}, "B": {"b"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1, "B": 1},
			},
		},
		{
			name:    "not set, SMS needed, verified first: agree then delivers at once",
			account: account{consent: notSet, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				verified(receiving.Result{}),
				stateIs("a", heldConsent),
				agree(receiving.Result{Delivered: 1}),
			},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"pending a", "consent_request a", "received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "agreed, SMS needed: held, verified delivers without a second notice",
			account: account{consent: agreed, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForSMS),
				stateIs("a", heldSMS),
				advance(time.Minute),
				verified(receiving.Result{Delivered: 1}),
			},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"received a", "sms_request a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "agreed, SMS needed, pushed again: the second waits too",
			account: account{consent: agreed, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForSMS),
				advance(time.Minute),
				push("b", "A", flow.HoldForSMS),
				verified(receiving.Result{Delivered: 2}),
			},
			want: outcome{
				states: map[string]pnpd.NotificationState{"a": delivered, "b": delivered},
				notices: []string{"received a", "sms_request a", "received b",
					"sms_request b"},
				chats:    map[string][]string{"A": {"a", "b"}},
				webhooks: map[string]string{"a": jpHash, "b": jpHash},
				counted:  map[string]int64{"A": 2},
			},
		},

		// Rule 1: refusals store nothing.
		{
			name:    "unknown number: refused",
			account: account{consent: agreed, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.Refuse, to(pnpd.HashPhone(strangerPhone))),
			},
			want: outcome{states: map[string]pnpd.NotificationState{"a": notStored}},
		},
		{
			name:    "number outside JP, TH and TW: refused",
			account: account{phone: usPhone, consent: agreed, standing: verifiedRecently},
			steps:   []step{push("a", "A", flow.Refuse)},
			want:    outcome{states: map[string]pnpd.NotificationState{"a": notStored}},
		},
		{
			name:    "consent rejected: refused",
			account: account{consent: pnpd.ConsentRejected, standing: verifiedRecently},
			steps:   []step{push("a", "A", flow.Refuse)},
			want:    outcome{states: map[string]pnpd.NotificationState{"a": notStored}},
		},
		{
			name: "privacy policy not agreed: refused",
			account: account{consent: agreed, standing: verifiedRecently,
				noPrivacyPolicy: true},
			steps: []step{push("a", "A", flow.Refuse)},
			want:  outcome{states: map[string]pnpd.NotificationState{"a": notStored}},
		},
		{
			name:    "consent rejected and channel blocked: refused, not dropped",
			account: account{consent: pnpd.ConsentRejected, standing: verifiedRecently},
			steps: []step{
				block("A", receiving.Result{}),
				push("a", "A", flow.Refuse),
			},
			want: outcome{states: map[string]pnpd.NotificationState{"a": notStored}},
		},

		// Rule 2: a blocked channel's notifications are never delivered.
		{
			name:    "blocked: dropped, and unblock then agree does not bring it back",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				block("A", receiving.Result{}),
				push("a", "A", flow.DropBlocked),
				advance(time.Hour),
				unblock("A", receiving.Result{}),
				agree(receiving.Result{}),
			},
			want: outcome{states: map[string]pnpd.NotificationState{"a": blocked}},
		},
		{
			name:    "agreed, blocked: dropped without a notice",
			account: account{consent: agreed, standing: verifiedRecently},
			steps: []step{
				block("A", receiving.Result{}),
				push("a", "A", flow.DropBlocked),
				push("b", "B", flow.Deliver),
			},
			want: outcome{
				states:  map[string]pnpd.NotificationState{"a": blocked, "b": delivered},
				notices: []string{"received b"},
				chats:   map[string][]string{"B": {"b"}},
				counted: map[string]int64{"B": 1},
			},
		},
		{
			name:    "blocking a channel drops its held one and keeps the other",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(time.Minute),
				push("b", "B", flow.HoldForConsent),
				block("B", receiving.Result{Dropped: 1}),
				stateIs("b", blocked),
				stateIs("a", heldConsent),
				agree(receiving.Result{Delivered: 1}),
			},
			want: outcome{
				states: map[string]pnpd.NotificationState{"a": delivered, "b": blocked},
				notices: []string{"pending a", "consent_request a", "pending b",
					"consent_request b", "received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1},
			},
		},

		// Rule 6: 24 hours.
		{
			name:    "agree at 24 hours: expired, never delivered",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(24 * time.Hour),
				agree(receiving.Result{Dropped: 1}),
			},
			want: outcome{
				states:  map[string]pnpd.NotificationState{"a": expired},
				notices: []string{"pending a", "consent_request a"},
			},
		},
		{
			name:    "agree at 23 h 59 min: delivered",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(23*time.Hour + 59*time.Minute),
				agree(receiving.Result{Delivered: 1}),
			},
			want: outcome{
				states:   map[string]pnpd.NotificationState{"a": delivered},
				notices:  []string{"pending a", "consent_request a", "received a"},
				chats:    map[string][]string{"A": {"a"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1},
			},
		},
		{
			name:    "sweep: nothing at 23 hours, expired at 25, agree after releases none",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(23 * time.Hour),
				expire(0),
				stateIs("a", heldConsent),
				advance(2 * time.Hour),
				expire(1),
				stateIs("a", expired),
				agree(receiving.Result{}),
			},
			want: outcome{
				states:  map[string]pnpd.NotificationState{"a": expired},
				notices: []string{"pending a", "consent_request a"},
			},
		},
		{
			name:    "held for SMS, verified after 24 hours: expired",
			account: account{consent: agreed, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForSMS),
				advance(24 * time.Hour),
				verified(receiving.Result{Dropped: 1}),
			},
			want: outcome{
				states:  map[string]pnpd.NotificationState{"a": expired},
				notices: []string{"received a", "sms_request a"},
			},
		},

		// Rule 7: a number change drops what was held for the old number.
		{
			name:    "number changed after 24 hours: expired, not number_changed",
			account: account{consent: agreed, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForSMS),
				advance(25 * time.Hour),
				changeNumber(newPhone, receiving.Result{Dropped: 1}),
			},
			want: outcome{
				states:  map[string]pnpd.NotificationState{"a": expired},
				notices: []string{"received a", "sms_request a", "number_changed"},
			},
		},
		{
			name:    "number changed while held for SMS",
			account: account{consent: agreed, standing: stale},
			steps: []step{
				push("a", "A", flow.HoldForSMS),
				advance(time.Hour),
				changeNumber(newPhone, receiving.Result{Dropped: 1}),
				stateIs("a", numberChanged),
				push("old", "A", flow.Refuse, to(jpHash)),
				push("new", "A", flow.Deliver, to(newHash)),
			},
			want: outcome{
				states: map[string]pnpd.NotificationState{
					"a": numberChanged, "old": notStored, "new": delivered,
				},
				notices: []string{"received a", "sms_request a", "number_changed",
					"received new"},
				chats:    map[string][]string{"A": {"new"}},
				webhooks: map[string]string{"new": newHash},
				counted:  map[string]int64{"A": 1},
			},
		},

		// Rule 5: two channels, one consent.
		{
			name:    "two channels held: one agree releases both",
			account: account{consent: notSet, standing: verifiedRecently},
			steps: []step{
				push("a", "A", flow.HoldForConsent),
				advance(time.Minute),
				push("b", "B", flow.HoldForConsent, silent),
				advance(time.Minute),
				agree(receiving.Result{Delivered: 2}),
			},
			want: outcome{
				states: map[string]pnpd.NotificationState{"a": delivered, "b": delivered},
				notices: []string{"pending a", "consent_request a", "pending b",
					"consent_request b", "received a", "received b"},
				chats:    map[string][]string{"A": {"a"}, "B": {"b"}},
				webhooks: map[string]string{"a": jpHash},
				counted:  map[string]int64{"A": 1, "B": 1},
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			f := setup(t)
			f.createRecipient(t, tt.account)
			for _, s := range tt.steps {
				s(t, f)
			}

			f.checkStates(t, tt.want.states)
			f.checkNotices(t, tt.want.notices)
			f.checkChats(t, tt.want)
			f.checkWebhooks(t, tt.want.webhooks)
			f.checkCounts(t, tt.want.counted)
		})
	}
}

func (f *fixture) checkStates(t *testing.T, want map[string]pnpd.NotificationState) {
	t.Helper()

	for _, label := range f.order {
		w, ok := want[label]
		if !ok {
			t.Errorf("push %s: the test names no final state", label)
			continue
		}

		n, err := f.db.Notification(f.ctx, f.pushes[label].RequestID)
		switch {
		case w == notStored && pnpd.ErrorCode(err) != pnpd.ENotFound:
			t.Errorf("push %s: a notification is stored (err %v), want none", label, err)
		case w == notStored:
		case err != nil:
			t.Errorf("push %s: %v", label, err)
		case n.State != w:
			t.Errorf("push %s: state %q, want %q", label, n.State, w)
		}
	}
}

func (f *fixture) checkNotices(t *testing.T, want []string) {
	t.Helper()

	msgs := f.chat(t, pnpd.SystemChatID)
	var got []string
	for i, m := range msgs {
		got = append(got, string(m.Notice))
		if i < len(want) && strings.Contains(want[i], " ") {
			got[i] += " " + f.labelOf(m.NotificationID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("system chat notices:\n got %q\nwant %q", got, want)
	}
}

// labelOf names a notification by the label of the push that made it.
func (f *fixture) labelOf(requestID string) string {
	for label, p := range f.pushes {
		if p.RequestID == requestID {
			return label
		}
	}

	return "?" + requestID
}

func (f *fixture) chat(t *testing.T, chatID string) []pnpd.ChatMessage {
	t.Helper()

	msgs, err := f.db.ChatMessages(f.ctx, f.rec.ID, chatID, 0, 100)
	if err != nil {
		t.Fatalf("chat %s: %v", chatID, err)
	}

	return msgs
}

// checkChats checks each channel's chat holds the message objects of the
// delivered pushes, in order, and that the chat list has nothing else.
func (f *fixture) checkChats(t *testing.T, want outcome) {
	t.Helper()

	wantIDs := []string{}
	if len(want.notices) > 0 {
		wantIDs = append(wantIDs, pnpd.SystemChatID)
	}
	for _, name := range []string{"A", "B"} {
		ch := f.channels[name]
		f.checkChannelChat(t, ch, want.chats[name])
		if len(want.chats[name]) > 0 {
			wantIDs = append(wantIDs, ch.ID)
		}
	}

	chats, err := f.db.Chats(f.ctx, f.rec.ID)
	if err != nil {
		t.Fatalf("chats: %v", err)
	}
	gotIDs := []string{}
	for _, c := range chats {
		gotIDs = append(gotIDs, c.ChatID)
	}
	slices.Sort(gotIDs)
	slices.Sort(wantIDs)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("chat list %q, want %q", gotIDs, wantIDs)
	}
}

func (f *fixture) checkChannelChat(t *testing.T, ch *pnpd.Channel, labels []string) {
	t.Helper()

	type bubble struct {
		label   string
		message json.RawMessage
		silent  bool
	}
	var want []bubble
	for _, label := range labels {
		for _, m := range messagesOf(label) {
			want = append(want, bubble{label, m, f.pushes[label].NotificationDisabled})
		}
	}

	got := f.chat(t, ch.ID)
	if len(got) != len(want) {
		t.Errorf("chat %s: %d messages, want %d", ch.Name, len(got), len(want))
		return
	}
	for i, m := range got {
		w := want[i]
		if f.labelOf(m.NotificationID) != w.label || !sameJSON(m.Message, w.message) ||
			m.Silent != w.silent {
			t.Errorf("chat %s message %d: from %s, %s, silent %v; want from %s, %s, "+
				"silent %v", ch.Name, i, f.labelOf(m.NotificationID), m.Message,
				m.Silent, w.label, w.message, w.silent)
		}
	}
}

func sameJSON(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}

	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// checkWebhooks checks that each push has a delivery event only when want
// names it, with the data the business will read, and that each event has
// its job queued.
func (f *fixture) checkWebhooks(t *testing.T, want map[string]string) {
	t.Helper()

	for _, label := range f.order {
		ids := f.webhookEventIDs(t, f.pushes[label].RequestID)
		data, ok := want[label]
		switch {
		case !ok && len(ids) > 0:
			t.Errorf("push %s: %d webhook events, want none", label, len(ids))
		case ok && len(ids) != 1:
			t.Errorf("push %s: %d webhook events, want 1", label, len(ids))
		case ok:
			f.checkWebhookEvent(t, label, ids[0], data)
		}
	}

	if jobs := f.webhookJobs(t); len(jobs) != len(want) {
		t.Errorf("%d webhook jobs queued, want %d", len(jobs), len(want))
	}
}

func (f *fixture) checkWebhookEvent(t *testing.T, label, id, data string) {
	t.Helper()

	e, err := f.db.WebhookEvent(f.ctx, id)
	if err != nil {
		t.Fatalf("webhook event of %s: %v", label, err)
	}

	n, err := f.db.Notification(f.ctx, f.pushes[label].RequestID)
	if err != nil {
		t.Fatalf("notification %s: %v", label, err)
	}

	a := f.channels["A"]
	if e.Data != data || e.ChannelID != a.ID || e.Destination != a.BotUserID ||
		!e.Timestamp.Equal(n.DeliveredAt) {
		t.Errorf("webhook event of %s: data %q, channel %s, destination %s, at %v; "+
			"want %q, %s, %s, at %v", label, e.Data, e.ChannelID, e.Destination,
			e.Timestamp, data, a.ID, a.BotUserID, n.DeliveredAt)
	}

	if !slices.Contains(f.webhookJobs(t), id) {
		t.Errorf("webhook event of %s: no job queued for it", label)
	}
}

// webhookEventIDs reads the file itself: the store finds events only by
// their own ID.
func (f *fixture) webhookEventIDs(t *testing.T, notificationID string) []string {
	t.Helper()

	rows, err := f.file.QueryContext(f.ctx,
		`SELECT id FROM webhook_event WHERE notification_id = ?`, notificationID)
	if err != nil {
		t.Fatalf("list webhook events: %v", err)
	}
	defer rows.Close()

	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("scan webhook event: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list webhook events: %v", err)
	}

	return ids
}

// webhookJobs returns the event IDs of the queued webhook jobs.
func (f *fixture) webhookJobs(t *testing.T) []string {
	t.Helper()

	res, err := f.db.Jobs().JobList(f.ctx,
		river.NewJobListParams().Kinds(pnpd.WebhookJob{}.Kind()).First(100))
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}

	var ids []string
	for _, j := range res.Jobs {
		var args pnpd.WebhookJob
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatalf("job args: %v", err)
		}
		ids = append(ids, args.EventID)
	}

	return ids
}

// checkCounts checks the statistics over the whole scenario.
func (f *fixture) checkCounts(t *testing.T, want map[string]int64) {
	t.Helper()

	for _, name := range []string{"A", "B"} {
		got := f.countDelivered(t, name, start.Add(-day), start.Add(30*day))
		if got != want[name] {
			t.Errorf("channel %s: %d delivered counted, want %d", name, got, want[name])
		}
	}
}

func (f *fixture) countDelivered(t *testing.T, channel string, from, to time.Time) int64 {
	t.Helper()

	n, err := f.db.CountDelivered(f.ctx, f.channels[channel].ID, pnpd.KindFlexible, from, to)
	if err != nil {
		t.Fatalf("count delivered: %v", err)
	}

	return n
}

// TestCountDeliveredByDeliveryTime: a notification accepted late on one
// Tokyo day and delivered early the next counts on the day of delivery.
func TestCountDeliveredByDeliveryTime(t *testing.T) {
	t.Parallel()

	jst := time.FixedZone("JST", 9*60*60)
	accepted := time.Date(2026, 12, 4, 23, 0, 0, 0, jst)
	deliveredAt := accepted.Add(2 * time.Hour)
	dec4 := time.Date(2026, 12, 4, 0, 0, 0, 0, jst)
	dec5 := dec4.Add(day)
	tests := []struct {
		name     string
		from, to time.Time
		want     int64
	}{
		{"the accepting day", dec4, dec5, 0},
		{"the delivering day", dec5, dec5.Add(day), 1},
		{"up to the delivery", accepted, deliveredAt, 0},
		{"from just before the delivery", deliveredAt.Add(-time.Millisecond),
			deliveredAt.Add(time.Millisecond), 1},
		{"from just after the delivery", deliveredAt.Add(time.Millisecond),
			dec5.Add(day), 0},
	}

	f := setup(t)
	f.clock.Advance(accepted.Sub(start))
	f.createRecipient(t, account{consent: notSet, standing: verifiedRecently})
	push("a", "A", flow.HoldForConsent)(t, f)
	advance(2*time.Hour)(t, f)
	agree(receiving.Result{Delivered: 1})(t, f)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := f.countDelivered(t, "A", tt.from, tt.to); got != tt.want {
				t.Errorf("counted %d in [%v, %v), want %d", got, tt.from, tt.to, tt.want)
			}
		})
	}
}
