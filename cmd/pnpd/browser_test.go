package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pnpd/pnpd"
)

// The browser tests walk the receiving flow as a person does, in chromium at
// phone size: sign up with a phone number and an SMS code, get a
// notification message from a business that pushes with the official LINE
// Go SDK, go through consent and SMS authentication by pressing the buttons
// the pages show, and read the message; the business's webhook must arrive.
// Each test has its own pnpd, and so its own clock, and its own browser.

// TestBrowserAgreedDeliveredLive: a person who switched notification
// messages on in Settings, and needs no SMS, has the channel's chat open
// when the message comes; it shows up without a reload.
func TestBrowserAgreedDeliveredLive(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	aiko := phoneUser{"Aiko", "090-1234-0001"}
	w.startSignUp(aiko, "flow1-signup")
	code := w.codeFromPhone()
	if want := w.sb.latestCode(aiko.e164()); code != want {
		t.Fatalf("the phone page shows the code %s, the outbox %s", code, want)
	}
	w.finishSignUp(code)
	w.agreeInSettings()

	w.open("/chats/" + w.creds.ChannelID)
	w.waitVisible(".messages .empty")
	w.listening()
	w.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__stayed = true`))
	w.shot("channel-chat-open")

	tag := "aiko-parcel-0001"
	w.pushText(aiko, "Your parcel arrives today", tag)
	w.waitVisible(".bubble.message")
	if !eval[bool](w.tab, `window.__stayed === true`) {
		t.Error("the page reloaded to show the message; want a live update")
	}
	w.assertDelivered("Your parcel arrives today")
	w.docShot("delivered-live", "flow1-delivered")
	w.hook.waitFor(t, tag, 10*time.Second)

	w.openChat(pnpd.SystemChatID)
	w.assertNotices("received")
	w.shot("system-chat")
	w.friendThenBlock(aiko)
}

// friendThenBlock adds the channel as a friend, then blocks it: the next
// push is answered 200 and shows nothing, and no webhook goes out.
func (w *browserWorld) friendThenBlock(u phoneUser) {
	w.t.Helper()

	w.openChat(w.creds.ChannelID)
	w.pressTo("#add-friend", "/chats/"+w.creds.ChannelID)
	w.waitVisible(".chat-actions .badge")
	w.pressTo("#block", "/chats/"+w.creds.ChannelID)
	w.waitVisible(".flash")
	w.shot("blocked")

	tag := "after-block-tag-0001"
	w.pushText(u, "You will not see this", tag)
	assertNoWebhook(w.t, w.hook, tag)
	w.open("/chats/" + w.creds.ChannelID)
	if got := len(w.messages()); got != 1 {
		w.t.Errorf("the blocked chat shows %d messages, want the 1 from before", got)
	}
	w.pressTo(`.tabs a[href="/settings"]`, "/settings")
	if got := w.text(".card:last-of-type li"); !strings.Contains(got, "Parcel Co") {
		w.t.Errorf("Settings lists %q as blocked, want Parcel Co", got)
	}
	w.shot("settings-blocked")
}

// TestBrowserConsentThenDelivered: a person who never set consent gets the
// pending and consent request notices, presses Set, agrees, and reads the
// message.
func TestBrowserConsentThenDelivered(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	botan := phoneUser{"Botan", "090-1234-0002"}
	w.signUp(botan)
	w.pushText(botan, "Your bill is ready", "")

	w.open("/chats")
	w.waitVisible(`a.chat[data-chat-id="system"] .unread`)
	w.shot("chats-unread")
	w.openChat(pnpd.SystemChatID)
	w.assertNotices("pending", "consent_request")
	w.docShot("system-chat-set", "flow2-system-set")
	assertNoWebhook(t, w.hook, botan.hash())

	w.pressTo(".bubble.notice[data-kind=consent_request] a.set-button", "/consent")
	w.docShot("consent", "flow2-consent")
	w.pressTo("#agree", "/chats/system?done=agreed")
	w.waitVisible(".flash")
	w.shot("agreed")

	w.openChat(w.creds.ChannelID)
	w.assertDelivered("Your bill is ready")
	w.docShot("delivered", "flow2-delivered")
	w.hook.waitFor(t, botan.hash(), 10*time.Second)

	// In Japanese the label is LINE's own.
	w.pressTo(`.tabs a[href="/settings"]`, "/settings")
	w.choose("#language", "ja")
	w.pressTo("#save-language", "/settings?done=saved")
	w.openChat(w.creds.ChannelID)
	if got := w.messages(); len(got) != 1 || got[0].Label != "重要なお知らせ" {
		t.Errorf("in Japanese the chat shows %+v, want the label 重要なお知らせ", got)
	}
	w.shot("delivered-ja")
}

// TestBrowserConsentAndSMS: 181 days after sign-up, with consent not set, a
// person logs in again, agrees, and authenticates the number by SMS, typing
// a wrong code first.
func TestBrowserConsentAndSMS(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	chiyo := phoneUser{"Chiyo", "090-1234-0003"}
	w.signUp(chiyo)
	w.sb.advance(181 * day)
	w.open("/chats")
	if got := w.path(); got != "/login" {
		t.Fatalf("after 181 days /chats shows %s, want /login: the session expired", got)
	}
	w.logIn(chiyo)
	tag := "chiyo-flight-0001"
	w.pushText(chiyo, "Your flight leaves at 9:40", tag)

	w.openChat(pnpd.SystemChatID)
	w.assertNotices("pending", "consent_request")
	w.shot("system-chat-set")
	w.pressTo(".bubble.notice[data-kind=consent_request] a.set-button", "/consent")
	w.shot("consent")
	w.pressTo("#agree", "/verify")
	w.docShot("verify", "flow3-verify")
	w.confirmSMS(chiyo, "flow3-confirm")

	w.typeInto("#code", otherCode(w.sb.latestCode(chiyo.e164())))
	if status := w.press("#submit-code"); status != 400 {
		t.Errorf("a wrong code answered %d, want 400", status)
	}
	w.waitVisible(".error")
	if got := w.text(".error"); !strings.Contains(got, "4 tries left") {
		t.Errorf("error after a wrong code = %q, want the 4 tries left", got)
	}
	w.docShot("wrong-code", "flow3-wrong-code")
	assertNoWebhook(t, w.hook, tag)

	w.typeInto("#code", w.sb.latestCode(chiyo.e164()))
	w.pressTo("#submit-code", "/chats/system?done=verified")
	w.assertNotices("pending", "consent_request", "sms_request", "received")
	w.shot("verified")
	w.openChat(w.creds.ChannelID)
	w.assertDelivered("Your flight leaves at 9:40")
	w.docShot("delivered", "flow3-delivered")
	w.hook.waitFor(t, tag, 10*time.Second)
}

// confirmSMS presses Send SMS on the authentication screen, checks the
// confirm dialog, and sends; it leaves the tab on the code page.
func (w *browserWorld) confirmSMS(u phoneUser, docName string) {
	w.t.Helper()

	// A person may cancel first, and think again.
	w.click("#send-sms")
	w.waitVisible("dialog#confirm-sms[open] #confirm-send")
	w.click(`dialog#confirm-sms button[data-close="confirm-sms"]`)
	w.do("close the dialog", chromedp.WaitNotVisible(chromedp.CSS("dialog#confirm-sms")))
	w.click("#send-sms")
	w.waitVisible("dialog#confirm-sms[open] #confirm-send")
	masked := pnpd.MaskPhone(u.e164())
	if got := w.text("#confirm-text"); !strings.Contains(got, masked) {
		w.t.Errorf("confirm dialog says %q, want the number %s", got, masked)
	}
	w.waitVisible("dialog#confirm-sms #change-number")
	if got := eval[string](w.tab, `document.querySelector("#change-number").pathname`); got !=
		"/settings/phone" {
		w.t.Errorf("the Change link goes to %q, want /settings/phone", got)
	}
	w.docShot("confirm-sms", docName)

	w.pressTo("#confirm-send", "/verify/code")
	w.waitVisible("#code")
	if !eval[bool](w.tab, `document.querySelector("#resend").disabled &&
		/Send again in \d+ s/.test(document.querySelector("#resend").innerText)`) {
		w.t.Errorf("Send again is %q, want it disabled with a countdown", w.text("#resend"))
	}
	w.shot("code-page")
}

// TestBrowserAgreedThenSMS: a person agreed at sign-up; 181 days later a
// message needs an SMS authentication first.
func TestBrowserAgreedThenSMS(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	daiki := phoneUser{"Daiki", "090-1234-0004"}
	w.signUp(daiki)
	w.agreeInSettings()
	w.sb.advance(181 * day)
	w.logIn(daiki)
	w.pushText(daiki, "Your card was used", "")

	w.openChat(pnpd.SystemChatID)
	w.assertNotices("received", "sms_request")
	w.docShot("system-chat-set", "flow4-system-set")
	assertNoWebhook(t, w.hook, daiki.hash())
	w.pressTo(".bubble.notice[data-kind=sms_request] a.set-button", "/verify")
	w.shot("verify")
	w.confirmSMS(daiki, "")

	w.typeInto("#code", w.sb.latestCode(daiki.e164()))
	w.pressTo("#submit-code", "/chats/system?done=verified")
	w.shot("verified")
	w.openChat(w.creds.ChannelID)
	w.assertDelivered("Your card was used")
	w.docShot("delivered", "flow4-delivered")
	w.hook.waitFor(t, daiki.hash(), 10*time.Second)
}

// anotherHeldWhileTyping has a second notification come in while the person
// has typed the code for the new number and looks away from the field: the
// live update must not take the code step away.
func (w *browserWorld) anotherHeldWhileTyping(u phoneUser, code string) {
	w.t.Helper()

	w.listening()
	w.click(".intro")
	w.pushText(u, "Your table is ready", "")
	w.waitUntil("the page hears of it", `window.__changes > 0`)
	assertNoWebhook(w.t, w.hook, u.hash()) // and gives the page time to act
	if got := eval[string](w.tab, `document.querySelector("#code")?.value ?? "(gone)"`); got !=
		code {
		w.t.Fatalf("after a live update the code field holds %q, want the typed %s", got, code)
	}
}

// TestBrowserNumberChangeDropsHeld: a person changes the phone number in
// Settings while a message waits for consent; the message is gone for good
// and the old number is no longer an address.
func TestBrowserNumberChangeDropsHeld(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	emi := phoneUser{"Emi", "090-1234-0005"}
	newNumber := phoneUser{"Emi", "080-5678-0005"}
	w.signUp(emi)
	w.pushText(emi, "Your reservation is confirmed", "")
	w.openChat(pnpd.SystemChatID)
	w.assertNotices("pending", "consent_request")

	w.pressTo(`.tabs a[href="/settings"]`, "/settings")
	w.pressTo("#change-phone", "/settings/phone")
	w.choose("#country", "JP")
	w.typeInto("#phone", newNumber.national)
	w.docShot("new-number", "flow5-new-number")
	w.pressTo("#send-code", "/settings/phone/code")
	code := w.sb.latestCode(newNumber.e164())
	w.typeInto("#code", code)
	w.shot("new-number-code")
	w.anotherHeldWhileTyping(emi, code)
	w.pressTo("#submit-code", "/chats/system?done=changed")
	w.assertNotices("pending", "consent_request", "pending", "consent_request",
		"number_changed")
	w.docShot("number-changed", "flow5-number-changed")

	err := push(w.api, emi.e164(), "hello", "")
	if err == nil || !strings.Contains(err.Error(), "unexpected status code: 422") {
		t.Errorf("push to the old number: %v, want 422", err)
	}

	// Agreeing now would release every held message: the dropped ones must
	// not come back.
	w.pressTo(".bubble.notice[data-kind=consent_request] a.set-button", "/consent")
	w.pressTo("#agree", "/chats/system?done=agreed")
	w.open("/chats/" + w.creds.ChannelID)
	if got := w.messages(); len(got) != 0 {
		t.Errorf("the channel chat shows %+v after the number change, want nothing", got)
	}
	w.shot("channel-chat-empty")
	assertNoWebhook(t, w.hook, emi.hash())

	w.pressTo(`.tabs a[href="/settings"]`, "/settings")
	if got, want := w.text(".card strong"), pnpd.MaskPhone(newNumber.e164()); got != want {
		t.Errorf("Settings shows the number %q, want the new one, %s", got, want)
	}
}
