package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
)

// browserWorld is one browser test's world: pnpd in sandbox mode, a channel
// whose webhook goes to a receiver, the business's SDK client and a tab.
type browserWorld struct {
	*tab
	sb    sandboxAPI
	hook  *receiver
	creds credentials
	api   *messaging_api.MessagingApiAPI
}

func setupBrowser(t *testing.T) *browserWorld {
	t.Helper()

	return setupBrowserBehind(t, func(pnpdURL string) string { return pnpdURL })
}

// setupBrowserBehind is setupBrowser with the browser reaching pnpd at the
// address front gives for pnpd's, as through a load balancer; the business
// and the sandbox reach pnpd directly.
func setupBrowserBehind(t *testing.T, front func(pnpdURL string) string) *browserWorld {
	t.Helper()

	chromium := findChromium(t)
	hook := newReceiver(t)
	srv := startPnpd(t, t.TempDir())
	sb := sandboxAPI{t: t, url: srv.url}
	creds := sb.createChannel("Parcel Co", hook.srv.URL, true)
	hook.setSecret(creds.ChannelSecret)
	t.Cleanup(func() {
		assertOnceEach(t, hook.deliveries())
		if p := hook.problems(); len(p) > 0 {
			t.Errorf("the webhook receiver refused requests: %v", p)
		}
	})

	return &browserWorld{tab: newTab(t, chromium, front(srv.url)), sb: sb, hook: hook,
		creds: creds, api: lineClient(t, srv.url, creds.AccessToken)}
}

// phoneUser is a person with a Japanese mobile number, written the way
// people in Japan write it.
type phoneUser struct {
	name, national string
}

func (u phoneUser) e164() string {
	return "+81" + strings.ReplaceAll(strings.TrimPrefix(u.national, "0"), "-", "")
}

func (u phoneUser) hash() string { return pnpd.HashPhone(u.e164()) }

// signUp creates the account in the browser and lands on the chat list.
func (w *browserWorld) signUp(u phoneUser) {
	w.t.Helper()

	w.startSignUp(u, "")
	w.finishSignUp(w.sb.latestCode(u.e164()))
}

// startSignUp fills in the sign-up form and asks for the code.
func (w *browserWorld) startSignUp(u phoneUser, docName string) {
	w.t.Helper()

	w.open("/signup")
	w.choose("#country", "JP")
	w.typeInto("#phone", u.national)
	w.typeInto("#name", u.name)
	w.click("#privacy")
	w.docShot("signup", docName)
	w.pressTo("#send-code", "/signup/code")
	w.waitVisible("#code")
	w.shot("signup-code")
}

// finishSignUp types the code and creates the account.
func (w *browserWorld) finishSignUp(code string) {
	w.t.Helper()

	w.typeInto("#code", code)
	w.pressTo("#submit-code", "/chats")
	w.waitVisible(`a.chat[data-chat-id="system"]`)
	w.shot("chats")
}

// codeFromPhone reads the newest code on the sandbox's phone page, which
// the header's envelope opens beside the page that asks for the code.
func (w *browserWorld) codeFromPhone() string {
	w.t.Helper()

	phone := w.follow("a.phone-link")
	phone.waitVisible(".sms-list")
	phone.shot("phone")
	code := sixDigits.FindString(phone.text(".sms-list .sms p"))
	phone.closeFor(w.tab)
	if code == "" {
		w.t.Fatal("the phone page shows no code")
	}

	if got := w.path(); got != "/signup/code" {
		w.t.Fatalf("the phone link led the code step away to %s", got)
	}
	w.waitVisible("#code")

	return code
}

// logIn logs in again in the browser, from the log-in page.
func (w *browserWorld) logIn(u phoneUser) {
	w.t.Helper()

	w.open("/login")
	w.choose("#country", "JP")
	w.typeInto("#phone", u.national)
	w.pressTo("#send-code", "/login/code")
	w.typeInto("#code", w.sb.latestCode(u.e164()))
	w.pressTo("#submit-code", "/chats")
	w.shot("logged-in")
}

// agreeInSettings switches notification messages on in Settings.
func (w *browserWorld) agreeInSettings() {
	w.t.Helper()

	w.open("/chats")
	w.pressTo(`.tabs a[href="/settings"]`, "/settings")
	w.choose("#notifications", "on")
	w.pressTo("#save-notifications", "/settings?done=saved")
	if got := eval[string](w.tab, `document.querySelector("#notifications").value`); got !=
		"on" {
		w.t.Fatalf("notification messages after saving On = %q", got)
	}
	w.shot("settings-on")
}

// openChat goes to the chat list and into a chat, as a person would.
func (w *browserWorld) openChat(chatID string) {
	w.t.Helper()

	w.open("/chats")
	w.pressTo(fmt.Sprintf(`a.chat[data-chat-id=%q]`, chatID), "/chats/"+chatID)
}

// notices lists the kinds of the system chat's notices on the page, in order.
func (w *browserWorld) notices() string {
	return eval[string](w.tab, `[...document.querySelectorAll(".bubble.notice")]
		.map((b) => b.dataset.kind).join(",")`)
}

// shown is a message bubble as the page shows it.
type shown struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// messages lists the message bubbles of the chat on the page.
func (w *browserWorld) messages() []shown {
	return eval[[]shown](w.tab, `[...document.querySelectorAll(".bubble.message")]
		.map((b) => ({label: b.querySelector(".label")?.innerText ?? "",
			text: b.querySelector(".body")?.innerText ?? ""}))`)
}

// assertDelivered checks that the channel chat shows exactly one message,
// with the text and the "Important notification" label.
func (w *browserWorld) assertDelivered(text string) {
	w.t.Helper()

	got := w.messages()
	if len(got) != 1 || !strings.Contains(got[0].Text, text) ||
		got[0].Label != "Important notification" {
		w.t.Fatalf("channel chat shows %+v, want one message %q labelled "+
			"Important notification", got, text)
	}
}

// assertNotices checks the system chat's notices, in order.
func (w *browserWorld) assertNotices(want ...string) {
	w.t.Helper()

	if got := w.notices(); got != strings.Join(want, ",") {
		w.t.Fatalf("system chat notices = %q, want %q", got, strings.Join(want, ","))
	}
}

// pushText pushes a text notification with the official SDK.
func (w *browserWorld) pushText(u phoneUser, text, tag string) {
	w.t.Helper()

	if err := push(w.api, u.e164(), text, tag); err != nil {
		w.t.Fatalf("push to %s: %v", u.name, err)
	}
}
