package sms_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sms"
	"github.com/pnpd/pnpd/sqlite"
)

const (
	phoneX = "+819012345678"
	phoneY = "+819087654321"
)

// start is when every test begins; milliseconds, as the store keeps them.
var start = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)

// clock is a clock that moves only when the test moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.now = c.now.Add(d)
}

// recorder is a Sender that keeps each text it passes on to the outbox, so
// that the test can read the code as the phone would.
type recorder struct {
	next sms.Sender
	mu   sync.Mutex
	sent map[string][]string
}

func (r *recorder) Send(ctx context.Context, e164, text string) error {
	r.mu.Lock()
	r.sent[e164] = append(r.sent[e164], text)
	r.mu.Unlock()

	return r.next.Send(ctx, e164, text)
}

func (r *recorder) texts(e164 string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()

	return append([]string(nil), r.sent[e164]...)
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

type fixture struct {
	codes  *sms.Codes
	clock  *clock
	sender *recorder
	store  *sqlite.DB
	path   string
}

// setup gives each test its own database file, a stopped clock and the
// outbox sender behind a recorder.
func setup(t *testing.T) *fixture {
	t.Helper()

	path := filepath.Join(t.TempDir(), "pnpd.db")
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })

	c := &clock{now: start}
	rec := &recorder{next: &sms.Outbox{Store: db, Clock: c}, sent: map[string][]string{}}
	codes := &sms.Codes{Store: db, Sender: rec, Clock: c, Limits: sms.DefaultLimits(),
		Log: slog.New(slog.DiscardHandler)}

	return &fixture{codes: codes, clock: c, sender: rec, store: db, path: path}
}

// issue sends a code for purpose to phone and returns it, read from the SMS.
func (f *fixture) issue(t *testing.T, phone string, purpose pnpd.SMSPurpose) string {
	t.Helper()

	if _, err := f.codes.Issue(t.Context(), phone, purpose, "U1"); err != nil {
		t.Fatalf("issue code: %v", err)
	}

	texts := f.sender.texts(phone)
	code := sixDigits.FindString(texts[len(texts)-1])
	if code == "" {
		t.Fatalf("no 6-digit code in %q", texts[len(texts)-1])
	}

	return code
}

// check tries a code and, when it is right, does nothing more.
func (f *fixture) check(t *testing.T, phone string, purpose pnpd.SMSPurpose,
	code string) error {
	t.Helper()

	return f.codes.Check(t.Context(), phone, purpose, code,
		func(pnpd.Queries, *pnpd.SMSCode) error { return nil })
}

// wrong returns a code that is not code.
func wrong(code string) string {
	n, _ := strconv.Atoi(code) // issue made it six digits

	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

// wantError checks that err is a pnpd error with the code and returns it.
func wantError(t *testing.T, err error, code pnpd.Code) *pnpd.Error {
	t.Helper()

	var e *pnpd.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}

	return e
}

func TestIssueSendsSixDigitCodeAndStoresOnlyItsHash(t *testing.T) {
	t.Parallel()
	f := setup(t)

	issued, err := f.codes.Issue(t.Context(), phoneX, pnpd.PurposeSignUp, "")
	if err != nil {
		t.Fatal(err)
	}

	text := f.sender.texts(phoneX)[0]
	code := sixDigits.FindString(text)
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("SMS %q holds no 6-digit code", text)
	}
	if strings.Contains(text, "9012345678") {
		t.Errorf("SMS %q repeats the phone number", text)
	}
	if want := "+81 ********78"; issued.MaskedNumber != want {
		t.Errorf("MaskedNumber = %q, want %q", issued.MaskedNumber, want)
	}
	if !issued.ExpiresAt.Equal(start.Add(10*time.Minute)) ||
		!issued.ResendAt.Equal(start.Add(time.Minute)) {
		t.Errorf("expires %v, resend %v; want +10 min, +60 s", issued.ExpiresAt,
			issued.ResendAt)
	}

	outbox, err := f.store.Outbox(t.Context(), phoneX, 10)
	if err != nil || len(outbox) != 1 || outbox[0].Text != text {
		t.Fatalf("outbox = %+v, %v; want the one SMS %q", outbox, err, text)
	}

	assertNoCodeStored(t, f.path, code)
}

// assertNoCodeStored reads every sms_code row from the database file and
// fails if any column holds the code or any 6-digit value.
func assertNoCodeStored(t *testing.T, path, code string) {
	t.Helper()

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	rows, err := db.QueryContext(t.Context(), `SELECT phone_number, purpose, recipient_id,
		code_hash, CAST(created_at AS TEXT), CAST(expires_at AS TEXT) FROM sms_code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()

	n := 0
	for rows.Next() {
		cols := make([]string, 6)
		if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4],
			&cols[5]); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if strings.Contains(c, code) || regexp.MustCompile(`^[0-9]{6}$`).MatchString(c) {
				t.Errorf("sms_code row %q holds the code", cols)
			}
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(cols[3]) {
			t.Errorf("code_hash %q is not a SHA-256 in hex", cols[3])
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 1 {
		t.Fatalf("read %d sms_code rows (%v), want 1", n, err)
	}
}

func TestCodesAreRandom(t *testing.T) {
	t.Parallel()
	f := setup(t)

	seen := map[string]bool{}
	for i := range 10 {
		phone := fmt.Sprintf("+8190123456%02d", i)
		seen[f.issue(t, phone, pnpd.PurposeSignUp)] = true
	}

	// Ten equal codes out of a million would mean a broken generator.
	if len(seen) < 2 {
		t.Fatalf("ten codes took %d distinct values", len(seen))
	}
}

func TestRightCodeRunsThenAndIsSpent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.issue(t, phoneX, pnpd.PurposeLogIn)
	f.clock.advance(30 * time.Second)

	var got *pnpd.SMSCode
	err := f.codes.Check(t.Context(), phoneX, pnpd.PurposeLogIn, code,
		func(_ pnpd.Queries, c *pnpd.SMSCode) error {
			got = c
			return nil
		})
	if err != nil {
		t.Fatalf("right code: %v", err)
	}
	if got == nil || got.RecipientID != "U1" || !got.UsedAt.Equal(start.Add(30*time.Second)) {
		t.Fatalf("then got %+v, want the code of U1 used now", got)
	}

	e := wantError(t, f.check(t, phoneX, pnpd.PurposeLogIn, code), pnpd.EInvalid)
	if !strings.Contains(e.Message, "used already") {
		t.Errorf("second use: %q, want 'used already'", e.Message)
	}
}

func TestFailedThenDoesNotSpendTheCode(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.issue(t, phoneX, pnpd.PurposeSignUp)
	boom := errors.New("create recipient failed")

	err := f.codes.Check(t.Context(), phoneX, pnpd.PurposeSignUp, code,
		func(pnpd.Queries, *pnpd.SMSCode) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Check = %v, want the error of then", err)
	}

	if err := f.check(t, phoneX, pnpd.PurposeSignUp, code); err != nil {
		t.Fatalf("the code after a failed then: %v, want it still usable", err)
	}
}

func TestWrongCodeCountsDownAndVoidsTheCode(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.issue(t, phoneX, pnpd.PurposeVerify)

	for _, left := range []int{4, 3, 2, 1, 0} {
		e := wantError(t, f.check(t, phoneX, pnpd.PurposeVerify, wrong(code)), pnpd.EInvalid)
		if e.Remaining != left || e.Field != "code" {
			t.Fatalf("wrong try: remaining %d field %q, want %d 'code'", e.Remaining,
				e.Field, left)
		}
	}

	e := wantError(t, f.check(t, phoneX, pnpd.PurposeVerify, code), pnpd.EInvalid)
	if !strings.Contains(e.Message, "wrongly too often") {
		t.Errorf("right code after 5 wrong: %q, want the code void", e.Message)
	}
}

func TestCodeExpiresAfterTenMinutes(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		after time.Duration
		ok    bool
	}{
		{name: "one second before", after: 9*time.Minute + 59*time.Second, ok: true},
		{name: "at ten minutes", after: 10 * time.Minute},
		{name: "an hour later", after: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			code := f.issue(t, phoneX, pnpd.PurposeLogIn)
			f.clock.advance(tt.after)

			err := f.check(t, phoneX, pnpd.PurposeLogIn, code)
			if tt.ok {
				if err != nil {
					t.Fatalf("right code after %v: %v", tt.after, err)
				}
				return
			}

			e := wantError(t, err, pnpd.EInvalid)
			if !strings.Contains(e.Message, "expired") {
				t.Errorf("right code after %v: %q, want expired", tt.after, e.Message)
			}
		})
	}
}

func TestResendWaitsSixtySeconds(t *testing.T) {
	t.Parallel()
	f := setup(t)
	first := f.issue(t, phoneX, pnpd.PurposeSignUp)

	f.clock.advance(10 * time.Second)
	_, err := f.codes.Issue(t.Context(), phoneX, pnpd.PurposeSignUp, "")
	if e := wantError(t, err, pnpd.ERateLimited); e.Remaining != 50 {
		t.Errorf("resend after 10 s: remaining %d, want 50", e.Remaining)
	}
	if n := len(f.sender.texts(phoneX)); n != 1 {
		t.Errorf("%d SMS sent, want 1", n)
	}

	f.clock.advance(51 * time.Second)
	second := f.issue(t, phoneX, pnpd.PurposeSignUp)

	// Only the newest code counts.
	if first != second {
		wantError(t, f.check(t, phoneX, pnpd.PurposeSignUp, first), pnpd.EInvalid)
	}
	if err := f.check(t, phoneX, pnpd.PurposeSignUp, second); err != nil {
		t.Fatalf("newest code: %v", err)
	}
}

func TestAtMostTenCodesPerNumberADay(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for range 10 {
		f.issue(t, phoneX, pnpd.PurposeLogIn)
		f.clock.advance(61 * time.Second)
	}

	_, err := f.codes.Issue(t.Context(), phoneX, pnpd.PurposeLogIn, "U1")
	e := wantError(t, err, pnpd.ERateLimited)
	if !strings.Contains(e.Message, "Too many codes") {
		t.Errorf("11th code: %q", e.Message)
	}

	// The limit is per number: another number is not held back.
	f.issue(t, phoneY, pnpd.PurposeLogIn)

	f.clock.advance(24 * time.Hour)
	f.issue(t, phoneX, pnpd.PurposeLogIn)
}

// wrongTries enters n wrong codes for the newest code of phone.
func (f *fixture) wrongTries(t *testing.T, phone string, purpose pnpd.SMSPurpose,
	code string, n int) {
	t.Helper()

	for range n {
		wantError(t, f.check(t, phone, purpose, wrong(code)), pnpd.EInvalid)
	}
}

func TestFailureCounterSurvivesNewCodes(t *testing.T) {
	t.Parallel()
	f := setup(t)

	for range 3 {
		code := f.issue(t, phoneX, pnpd.PurposeLogIn)
		f.wrongTries(t, phoneX, pnpd.PurposeLogIn, code, 5)
		f.clock.advance(61 * time.Second)
	}

	_, err := f.codes.Issue(t.Context(), phoneX, pnpd.PurposeLogIn, "U1")
	e := wantError(t, err, pnpd.ERateLimited)
	if !strings.Contains(e.Message, "wrong codes") {
		t.Errorf("code after 15 wrong tries: %q", e.Message)
	}

	// Another purpose is the same number: refused too.
	_, err = f.codes.Issue(t.Context(), phoneX, pnpd.PurposeVerify, "U1")
	wantError(t, err, pnpd.ERateLimited)

	f.clock.advance(24 * time.Hour)
	f.issue(t, phoneX, pnpd.PurposeLogIn)
}

func TestFailureCounterVoidsARightCode(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for range 3 {
		code := f.issue(t, phoneX, pnpd.PurposeLogIn)
		f.wrongTries(t, phoneX, pnpd.PurposeLogIn, code, 4)
		f.clock.advance(61 * time.Second)
	}

	code := f.issue(t, phoneX, pnpd.PurposeLogIn)
	// Tries left are the fewer of the code's (5) and the number's (15).
	for _, left := range []int{2, 1, 0} {
		e := wantError(t, f.check(t, phoneX, pnpd.PurposeLogIn, wrong(code)), pnpd.EInvalid)
		if e.Remaining != left {
			t.Fatalf("wrong try on the 4th code: remaining %d, want %d", e.Remaining, left)
		}
	}

	wantError(t, f.check(t, phoneX, pnpd.PurposeLogIn, code), pnpd.ERateLimited)
}

func TestSuccessResetsFailureCounter(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for range 3 {
		code := f.issue(t, phoneX, pnpd.PurposeLogIn)
		f.wrongTries(t, phoneX, pnpd.PurposeLogIn, code, 4)
		f.clock.advance(61 * time.Second)
	}

	code := f.issue(t, phoneX, pnpd.PurposeLogIn)
	if err := f.check(t, phoneX, pnpd.PurposeLogIn, code); err != nil {
		t.Fatalf("right code after 12 wrong: %v", err)
	}
	f.clock.advance(61 * time.Second)

	code = f.issue(t, phoneX, pnpd.PurposeLogIn)
	e := wantError(t, f.check(t, phoneX, pnpd.PurposeLogIn, wrong(code)), pnpd.EInvalid)
	if e.Remaining != 4 {
		t.Fatalf("first wrong try after a success: remaining %d, want 4", e.Remaining)
	}
}

func TestCodeIsBoundToPurposeAndNumber(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		phone   string
		purpose pnpd.SMSPurpose
	}{
		{name: "other purpose", phone: phoneX, purpose: pnpd.PurposeChangeNumber},
		{name: "other number", phone: phoneY, purpose: pnpd.PurposeSignUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			code := f.issue(t, phoneX, pnpd.PurposeSignUp)
			// The other number and purpose have a code of their own, so the
			// test sees the code compared, not merely missing.
			f.issue(t, tt.phone, tt.purpose)

			wantError(t, f.check(t, tt.phone, tt.purpose, code), pnpd.EInvalid)

			if err := f.check(t, phoneX, pnpd.PurposeSignUp, code); err != nil {
				t.Fatalf("the code where it was sent: %v", err)
			}
		})
	}
}

func TestNoCodeSent(t *testing.T) {
	t.Parallel()
	f := setup(t)

	e := wantError(t, f.check(t, phoneX, pnpd.PurposeLogIn, "123456"), pnpd.EInvalid)
	if e.Field != "code" {
		t.Errorf("field = %q, want code", e.Field)
	}
}

func TestConcurrentRightCodesSpendItOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.issue(t, phoneX, pnpd.PurposeLogIn)

	var mu sync.Mutex
	ran := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_ = f.codes.Check(t.Context(), phoneX, pnpd.PurposeLogIn, code,
				func(pnpd.Queries, *pnpd.SMSCode) error {
					mu.Lock()
					ran++
					mu.Unlock()

					return nil
				})
		})
	}
	wg.Wait()

	if ran != 1 {
		t.Fatalf("eight concurrent checks of one code ran then %d times, want 1", ran)
	}
}

func TestConcurrentIssuesKeepTheResendWait(t *testing.T) {
	t.Parallel()
	f := setup(t)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, _ = f.codes.Issue(context.WithoutCancel(t.Context()), phoneX,
				pnpd.PurposeSignUp, "")
		})
	}
	wg.Wait()

	if n := len(f.sender.texts(phoneX)); n != 1 {
		t.Fatalf("eight concurrent requests sent %d codes, want 1 (60 s apart)", n)
	}
}
