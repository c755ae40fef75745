package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// consolePassword is the first operator's password in the console test.
const consolePassword = "browser-console-password-5e2a"

// TestBrowserConsole: an operator logs in to the console, creates a
// provider and a channel with an icon, issues the long-lived token and
// reads it off the page once, sets the webhook URL to the business's
// receiver and verifies it; the business then pushes with the official Go
// SDK and its receiver gets the delivery, signed with the secret the
// console showed once.
func TestBrowserConsole(t *testing.T) {
	t.Parallel()

	chromium := findChromium(t)
	hook := newReceiver(t)
	srv := startPnpd(t, t.TempDir(), "--admin-password", consolePassword)
	b := newTab(t, chromium, srv.url)
	b.resize(desktopWidth, desktopHeight, 1)
	t.Cleanup(func() {
		if p := hook.problems(); len(p) > 0 {
			t.Errorf("the webhook receiver refused requests: %v", p)
		}
	})

	b.consoleLogIn()
	channelID, secret := b.consoleCreateChannel(t)
	b.pressTo("#issue-token", "/console/channels/"+channelID+"/token")
	token := b.text("#new-token")
	b.shot("token-issued")

	hook.setSecret(secret)
	b.typeInto("#webhook_url", hook.srv.URL+"/webhook")
	b.click("#webhook")
	b.pressTo("#save", "/console/channels/"+channelID+"?done=saved")
	b.pressTo("#verify", "/console/channels/"+channelID+"/verify")
	if got := b.text("#verify-result"); !strings.HasPrefix(strings.TrimSpace(got),
		"Success") || !strings.Contains(got, "status 200") {
		t.Fatalf("Verify shows %q, want success with status 200", got)
	}
	b.docShot("channel", "console-channel")

	// A recipient who has not yet said whether she takes notifications:
	// the notification waits for her consent.
	sb := sandboxAPI{t: t, url: srv.url}
	aiko := newPerson(t, srv.url, sb, "+819012350001")
	aiko.signUp("Aiko", true)
	tag := "console-parcel-0001"
	if err := push(lineClient(t, srv.url, token), aiko.phone, "Your parcel arrives",
		tag); err != nil {
		t.Fatalf("push with the console's token: %v", err)
	}

	// The operator finds it by its delivery tag and sees it held.
	b.consoleFindTrace(tag)
	if got := b.text("#state"); got != "Held for consent" {
		t.Fatalf("the trace shows %q, want Held for consent", got)
	}

	// She agrees; the trace reaches delivered, with the webhook's attempt.
	aiko.consent(true)
	hook.waitFor(t, tag, 10*time.Second)
	trace := b.path()
	b.consoleAwaitTrace(trace)
	steps := b.text("#steps")
	if !strings.Contains(steps, "Held for consent") || !strings.Contains(steps, "Delivered") {
		t.Errorf("the trace's steps read %q, want held for consent, then delivered", steps)
	}
	if got := b.text("#attempts tr:nth-child(2) td:nth-child(3)"); got != "200" {
		t.Errorf("the webhook's first attempt shows status %q, want 200", got)
	}
	b.docShot("trace", "console-trace")

	b.open("/console/statistics")
	if got := b.text("#totals strong"); got != "1" {
		t.Errorf("the statistics page counts %q delivered, want 1", got)
	}
	b.docShot("statistics", "console-statistics")
}

// consoleFindTrace searches the notifications for a delivery tag and opens
// the one found.
func (b *tab) consoleFindTrace(tag string) {
	b.t.Helper()

	b.open("/console/notifications")
	b.typeInto("#q", tag)
	b.press("#search")
	b.press(`#notifications a[href^="/console/notifications/"]`)
	b.waitVisible("#steps")
}

// consoleAwaitTrace reloads a trace page until it shows the delivery and
// the webhook's attempt: the attempt is recorded once the receiver answered.
func (b *tab) consoleAwaitTrace(path string) {
	b.t.Helper()

	for deadline := time.Now().Add(stepTimeout); time.Now().Before(deadline); {
		b.open(path)
		if b.text("#state") == "Delivered" && b.count("#attempts tr") > 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("the trace at %s shows %q and no webhook attempt", path, b.text("#state"))
}

// consoleLogIn logs in as admin from the log-in page the console sends a
// stranger to.
func (b *tab) consoleLogIn() {
	b.t.Helper()

	b.open("/console/")
	if got := b.path(); !strings.HasPrefix(got, "/console/login") {
		b.t.Fatalf("the console before log-in shows %s, want the log-in page", got)
	}
	b.typeInto("#username", "admin")
	b.typeInto("#password", "wrong password")
	if status := b.press("#login"); status != 400 {
		b.t.Errorf("a wrong password answered %d, want 400", status)
	}
	b.waitVisible("#login-error")
	b.typeInto("#password", consolePassword)
	b.pressTo("#login", "/console/")
}

// consoleCreateChannel creates a provider and, in it, a channel with an
// icon; it returns the channel's ID and the secret shown once.
func (b *tab) consoleCreateChannel(t *testing.T) (string, string) {
	t.Helper()

	b.typeInto("#provider-name", "Parcel Co Holdings")
	b.pressTo("#create-provider", "/console/?done=provider")
	b.press(`a[href$="/channels/new"]`)
	b.typeInto("#name", "Parcel Co")
	b.do("choose an icon", chromedp.SetUploadFiles(chromedp.CSS("#icon"),
		[]string{iconFile(t)}))
	if status := b.press("#create-channel"); status != 201 {
		t.Fatalf("create channel: status %d; page error %q", status, b.errorText())
	}
	b.waitVisible("#new-secret")

	return b.text("#channel-id"), b.text("#new-secret")
}

// iconFile writes a small PNG, a green disc, and returns its path.
func iconFile(t *testing.T) string {
	t.Helper()

	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			if (x-32)*(x-32)+(y-32)*(y-32) < 30*30 {
				img.Set(x, y, color.RGBA{6, 199, 85, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "icon.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	return path
}
