package pnpdtest_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd/pnpdtest"
)

func TestStartServesTheSandboxBehindARandomToken(t *testing.T) {
	t.Parallel()
	a, b := pnpdtest.Start(t), pnpdtest.Start(t)

	if a.Token == b.Token || len(a.Token) < 32 {
		t.Errorf("tokens %d and %d characters long, equal=%t: want two random tokens",
			len(a.Token), len(b.Token), a.Token == b.Token)
	}
	if !strings.HasPrefix(a.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want loopback", a.URL)
	}

	err := pnpdtest.Connect(a.URL, b.Token).Do(t.Context(), "GET", "/sandbox/v1/clock", nil, nil)
	var apiErr *pnpdtest.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized ||
		apiErr.Code != "unauthorized" {
		t.Errorf("another server's token: %v, want a 401 unauthorized APIError", err)
	}
}

func TestAdvanceMovesTheClockInWholeSeconds(t *testing.T) {
	t.Parallel()
	srv := pnpdtest.Start(t)

	srv.Advance(t, 24*time.Hour)
	moved := srv.Advance(t, 90*time.Minute+time.Millisecond)

	if moved.OffsetSeconds != 86400+5401 {
		t.Errorf("offset = %d s, want 91801 (24 h, then 90 min and 1 ms rounded up)",
			moved.OffsetSeconds)
	}
	if got := srv.Now(t); got.Now.Sub(time.Now()) < 25*time.Hour {
		t.Errorf("now = %v, want 25.5 h ahead of the wall clock", got.Now)
	}

	if c := srv.ResetClock(t); c.OffsetSeconds != 0 {
		t.Errorf("offset after reset = %d s, want 0", c.OffsetSeconds)
	}
}

func TestCreateChannelGivesWorkingCredentials(t *testing.T) {
	t.Parallel()
	srv := pnpdtest.Start(t)

	ch := srv.CreateChannel(t, pnpdtest.ChannelSpec{Name: "Parcel Co",
		WebhookURL: "http://127.0.0.1:9/callback", Redelivery: true, Template: new(false)})

	// LINE's count endpoint accepts the channel's token.
	req, err := http.NewRequestWithContext(t.Context(), "GET",
		srv.URL+"/v2/bot/message/delivery/pnp?date=20250101", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ch.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("count with the channel's token: %d, want 200", resp.StatusCode)
	}

	stats := srv.Statistics(t, ch.ChannelID, time.Time{})
	if stats.Flexible != 0 || stats.Template != 0 || len(stats.Units) != 0 {
		t.Errorf("statistics of a new channel = %+v, want none", stats)
	}
	day := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC) // 2 March in UTC+9
	if got := srv.Statistics(t, ch.ChannelID, day).Date; got != "20260302" {
		t.Errorf("statistics' date = %s, want the UTC+9 day 20260302", got)
	}
}

func TestSMSListsTheOutbox(t *testing.T) {
	t.Parallel()
	srv := pnpdtest.Start(t)

	// The messenger's sign-up sends a code, as a person signing up gets one.
	body := strings.NewReader(`{"phoneNumber":"+819012345678"}`)
	resp, err := http.Post(srv.URL+"/api/v1/signup/code", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	got := srv.SMS(t, "+819012345678")
	if len(got) != 1 || got[0].MaskedPhoneNumber != "+81 ********78" {
		t.Fatalf("outbox = %+v, want one SMS to +81 ********78", got)
	}
	if others := srv.SMS(t, "+819012345679"); len(others) != 0 {
		t.Errorf("another number's outbox = %+v, want empty", others)
	}
}

func TestErrorsNeverShowAPhoneNumber(t *testing.T) {
	t.Parallel()
	srv, err := pnpdtest.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	err = pnpdtest.Connect(url, "x").Do(t.Context(), "GET",
		"/sandbox/v1/sms?phoneNumber=%2B819012345678", nil, nil)
	if err == nil {
		t.Fatal("a stopped server answered")
	}
	if strings.Contains(err.Error(), "9012345678") {
		t.Errorf("error %q shows the phone number", err)
	}
	if !strings.Contains(err.Error(), "GET /sandbox/v1/sms") {
		t.Errorf("error %q does not name the endpoint", err)
	}
}

func TestCloseRemovesTheDataFolderNewMade(t *testing.T) {
	// New makes its folder in os.TempDir, here one of this test's own.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	srv, err := pnpdtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	made := entries(t, tmp)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	if left := entries(t, tmp); made != 1 || left != 0 {
		t.Errorf("%d folders made, %d left after Close; want 1, then none", made, left)
	}
}

func entries(t *testing.T, dir string) int {
	t.Helper()

	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	return len(list)
}

// TestNoLINESDK keeps LINE's SDK out of pnpdtest's imports: a project that
// tests with pnpdtest picks its SDK and its version itself.
func TestNoLINESDK(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}

	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}

	for dep := range strings.FieldsSeq(string(out)) {
		if strings.Contains(dep, "line-bot-sdk") {
			t.Errorf("pnpdtest depends on %s", dep)
		}
	}
}

// TestREADMEShowsReadmeTest keeps the README's first integration test the
// one readme_test.go runs, so that a newcomer's copy passes.
func TestREADMEShowsReadmeTest(t *testing.T) {
	t.Parallel()

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}

	want := "```go\n" + strings.Replace(string(src), "package pnpdtest_test",
		"package shop_test", 1) + "```\n"
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not show pnpdtest/readme_test.go as the first test; "+
			"it should read:\n%s", want)
	}
}
