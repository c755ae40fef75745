package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
)

const day = 24 * time.Hour

// TestEndToEnd pushes with the official LINE Go SDK to recipients in each
// of the four flows, drives each flow through the recipient API, and checks
// every webhook with the SDK's own parser; then the refusals, the silent
// block, the 24-hour expiry and the counts.
func TestEndToEnd(t *testing.T) {
	t.Parallel()

	hook := newReceiver(t)
	srv := startPnpd(t, t.TempDir())
	sb := sandboxAPI{t: t, url: srv.url}
	creds := sb.createChannel("Parcel Co", hook.srv.URL, true)
	hook.setSecret(creds.ChannelSecret)
	api := lineClient(t, srv.url, creds.AccessToken)
	person := func(phone string) *person { return newPerson(t, srv.url, sb, phone) }

	// Chiyo and Daiki sign up now; 181 days later their numbers need an SMS
	// verification again. Aiko and Botan sign up then, and need none.
	chiyo, daiki := person("+819012340003"), person("+819012340004")
	chiyo.signUp("Chiyo", true)
	daiki.signUp("Daiki", true)
	daiki.consent(true)
	sb.advance(181 * day)
	chiyo.logIn() // the sessions expired in the meantime
	daiki.logIn()
	aiko, botan := person("+819012340001"), person("+819012340002")
	aiko.signUp("Aiko", true)
	aiko.consent(true)
	botan.signUp("Botan", true)
	firstDelivery := sb.now()

	t.Run("agreed, no SMS needed: delivered at once", func(t *testing.T) {
		tag := "1503455293" + strings.Repeat("ab", 32) + "menu01"
		if err := push(api, aiko.phone, "Your parcel arrives today", tag); err != nil {
			t.Fatalf("push: %v", err)
		}

		d := hook.waitFor(t, tag, 10*time.Second)
		if d.Redelivery || len(d.EventID) != 26 {
			t.Errorf("delivery = %+v, want a first delivery with a ULID event ID", d)
		}
		assertKinds(t, aiko.notices(), "received")
		assertText(t, aiko.chat(creds.ChannelID), "Your parcel arrives today")
	})

	t.Run("consent not set: held, delivered on agree", func(t *testing.T) {
		if err := push(api, botan.phone, "Your bill is ready", ""); err != nil {
			t.Fatalf("push: %v", err)
		}

		assertKinds(t, botan.notices(), "pending", "consent_request")
		assertNoWebhook(t, hook, pnpd.HashPhone(botan.phone))
		if res := botan.consent(true); res.Delivered != 1 || res.SMSVerificationRequired {
			t.Fatalf("agree = %+v, want 1 delivered and no SMS needed", res)
		}

		hook.waitFor(t, pnpd.HashPhone(botan.phone), 10*time.Second)
		assertKinds(t, botan.notices(), "pending", "consent_request", "received")
		assertText(t, botan.chat(creds.ChannelID), "Your bill is ready")
	})

	t.Run("consent not set, SMS needed: agree, then verify", func(t *testing.T) {
		tag := "chiyo-delivery-tag-0001"
		if err := push(api, chiyo.phone, "Your flight leaves at 9:40", tag); err != nil {
			t.Fatalf("push: %v", err)
		}

		if res := chiyo.consent(true); res.Delivered != 0 || !res.SMSVerificationRequired {
			t.Fatalf("agree = %+v, want nothing delivered and SMS needed", res)
		}
		assertKinds(t, chiyo.notices(), "pending", "consent_request", "sms_request")
		assertNoWebhook(t, hook, tag)

		if res := chiyo.verifyBySMS(); res.Delivered != 1 {
			t.Fatalf("verify = %+v, want 1 delivered", res)
		}
		hook.waitFor(t, tag, 10*time.Second)
		assertKinds(t, chiyo.notices(), "pending", "consent_request", "sms_request", "received")
		assertText(t, chiyo.chat(creds.ChannelID), "Your flight leaves at 9:40")
	})

	t.Run("agreed, SMS needed: verify, with a wrong code first", func(t *testing.T) {
		if err := push(api, daiki.phone, "Your card was used", ""); err != nil {
			t.Fatalf("push: %v", err)
		}

		assertKinds(t, daiki.notices(), "received", "sms_request")
		daiki.must("POST", "/api/v1/verification/code", nil, nil)
		var wrong struct {
			Error struct {
				Code      string `json:"code"`
				Remaining int    `json:"remaining"`
			} `json:"error"`
		}
		code := daiki.do("POST", "/api/v1/verification",
			map[string]string{"code": otherCode(sb.latestCode(daiki.phone))}, &wrong)
		if code != http.StatusBadRequest || wrong.Error.Remaining != 4 {
			t.Fatalf("wrong code: status %d, %+v; want 400 with 4 tries left", code, wrong)
		}
		assertNoWebhook(t, hook, pnpd.HashPhone(daiki.phone))

		var res actionResult
		daiki.must("POST", "/api/v1/verification",
			map[string]string{"code": sb.latestCode(daiki.phone)}, &res)
		if res.Delivered != 1 {
			t.Fatalf("verify = %+v, want 1 delivered", res)
		}
		hook.waitFor(t, pnpd.HashPhone(daiki.phone), 10*time.Second)
		assertKinds(t, daiki.notices(), "received", "sms_request")
	})
	lastDelivery := sb.now()

	t.Run("refusals answer 422", func(t *testing.T) {
		emi, fumio, greg := person("+819012340005"), person("+819012340006"),
			person("+12025550123")
		emi.signUp("Emi", true)
		emi.consent(false)
		fumio.signUp("Fumio", false)
		greg.signUp("Greg", true)
		greg.consent(true)

		for name, phone := range map[string]string{"no account": "+819099990000",
			"rejected": emi.phone, "privacy policy not agreed": fumio.phone,
			"outside the service countries": greg.phone} {
			err := push(api, phone, "hello", "")
			want := `unexpected status code: 422, {"message":"Failed to send messages"}`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: push error = %v, want %s", name, err, want)
			}
		}
	})

	blockedTag, expiredTag := "goro-blocked-tag-0001", "hana-expired-tag-0001"
	t.Run("a blocked channel gets 200 and silence", func(t *testing.T) {
		goro := person("+819012340007")
		goro.signUp("Goro", true)
		goro.consent(true)
		goro.must("PUT", "/api/v1/channels/"+creds.ChannelID+"/block", nil, nil)

		if err := push(api, goro.phone, "hello", blockedTag); err != nil {
			t.Fatalf("push to a recipient who blocked the channel: %v, want 200", err)
		}
		if got := goro.chat(creds.ChannelID); len(got) != 0 {
			t.Errorf("blocked chat holds %d messages, want none", len(got))
		}
		assertKinds(t, goro.notices())
	})

	t.Run("a hold expires after 24 hours", func(t *testing.T) {
		hana := person("+819012340008")
		hana.signUp("Hana", true)
		if err := push(api, hana.phone, "hello", expiredTag); err != nil {
			t.Fatalf("push: %v", err)
		}

		sb.advance(24*time.Hour + time.Minute)
		if res := hana.consent(true); res.Delivered != 0 {
			t.Fatalf("agree after 24 h = %+v, want nothing delivered", res)
		}
		if got := hana.chat(creds.ChannelID); len(got) != 0 {
			t.Errorf("expired notification shows in the chat: %d messages", len(got))
		}
	})

	t.Run("counts: unready today, the delivered four once the day is past", func(t *testing.T) {
		assertNoWebhook(t, hook, blockedTag)
		assertNoWebhook(t, hook, expiredTag)
		today := sb.now().In(jst).Format("20060102")
		if got := stats(t, api, today); got.Status != "unready" {
			t.Errorf("today's status = %q, want unready", got.Status)
		}

		sb.advance(2 * day)
		var total int64
		for d := firstDelivery.In(jst); !d.After(lastDelivery.In(jst).Add(day)); d = d.Add(day) {
			got := stats(t, api, d.Format("20060102"))
			if got.Status != "ready" {
				t.Fatalf("status for %s = %q, want ready", d.Format("20060102"), got.Status)
			}
			total += got.Success
		}
		if total != 4 {
			t.Errorf("delivered count = %d, want 4", total)
		}
		if got := stats(t, api, "20180330"); got.Status != "out_of_service" {
			t.Errorf("status for 20180330 = %q, want out_of_service", got.Status)
		}
	})

	assertOnceEach(t, hook.deliveries())
	if p := hook.problems(); len(p) > 0 {
		t.Errorf("the receiver refused requests: %v", p)
	}
	srv.stop()
}

var jst = time.FixedZone("UTC+9", 9*60*60)

func stats(t *testing.T, api *messaging_api.MessagingApiAPI,
	date string) *messaging_api.NumberOfMessagesResponse {
	t.Helper()

	got, err := api.GetPNPMessageStatistics(date)
	if err != nil {
		t.Fatalf("GetPNPMessageStatistics(%s): %v", date, err)
	}

	return got
}

// otherCode returns a six-digit code that differs from code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}

	return "000000"
}

func assertKinds(t *testing.T, got []string, want ...string) {
	t.Helper()

	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("system notices = %v, want %v", got, want)
	}
}

// assertText checks that a channel chat holds exactly one text message with
// the text and the "Important notification" label.
func assertText(t *testing.T, chat []bubble, text string) {
	t.Helper()

	if len(chat) != 1 {
		t.Fatalf("channel chat holds %d messages, want 1", len(chat))
	}

	var msg struct {
		Type, Text string
	}
	if err := json.Unmarshal(chat[0].Message, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != "text" || msg.Text != text || chat[0].Label != "Important notification" {
		t.Errorf("chat message = %s (label %q), want text %q with the label",
			chat[0].Message, chat[0].Label, text)
	}
}

// assertNoWebhook gives a stray webhook time to arrive, then checks none did.
func assertNoWebhook(t *testing.T, hook *receiver, data string) {
	t.Helper()

	time.Sleep(300 * time.Millisecond)
	if n := hook.countData(data); n != 0 {
		t.Errorf("%d webhooks with data %q, want none", n, data)
	}
}

// assertOnceEach checks that no event ID arrived twice as a first delivery
// and that each delivery.data has one event ID.
func assertOnceEach(t *testing.T, got []delivery) {
	t.Helper()

	firsts := map[string]int{}
	eventOf := map[string]string{}
	for _, d := range got {
		if !d.Redelivery {
			firsts[d.EventID]++
		}
		if id, ok := eventOf[d.Data]; ok && id != d.EventID {
			t.Errorf("data %q arrived with two event IDs: %s and %s", d.Data, id, d.EventID)
		}
		eventOf[d.Data] = d.EventID
	}

	for id, n := range firsts {
		if n > 1 {
			t.Errorf("event %s arrived %d times not flagged as a redelivery", id, n)
		}
	}
}

// TestCrashAfterAcceptLosesNothing kills pnpd with SIGKILL right after the
// API answered 200 to a burst of pushes, before their webhooks could all
// go out, restarts it on the same data, and checks that every accepted
// notification was delivered once and its webhook arrived.
func TestCrashAfterAcceptLosesNothing(t *testing.T) {
	t.Parallel()

	hook := newReceiver(t)
	// A slow receiver and concurrent pushes leave a backlog of webhooks,
	// some queued and some in flight, when the kill comes.
	hook.delay = 300 * time.Millisecond
	data := t.TempDir()
	srv := startPnpd(t, data)
	sb := sandboxAPI{t: t, url: srv.url}
	creds := sb.createChannel("Crash Test", hook.srv.URL, false)
	hook.setSecret(creds.ChannelSecret)
	aiko := newPerson(t, srv.url, sb, "+819012349999")
	aiko.signUp("Aiko", true)
	aiko.consent(true)

	const n, senders = 200, 8
	api := lineClient(t, srv.url, creds.AccessToken)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for s := range senders {
		wg.Go(func() {
			for i := s; i < n; i += senders {
				errs <- push(api, aiko.phone, fmt.Sprintf("notice %d", i), crashTag(i))
			}
		})
	}
	wg.Wait()
	srv.kill()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("push: %v", err)
		}
	}
	before := len(hook.deliveries())

	srv = startPnpd(t, data)
	aiko.url = srv.url
	for i := range n {
		hook.waitFor(t, crashTag(i), 90*time.Second)
	}

	if after := len(hook.deliveries()); after <= before {
		t.Fatalf("all %d webhooks went out before the kill; the test proved nothing", before)
	}
	t.Logf("%d of %d webhooks arrived before the kill, %d requests in all",
		before, n, len(hook.deliveries()))
	assertOnceEach(t, hook.deliveries())
	if got := aiko.chat(creds.ChannelID); len(got) != n {
		t.Errorf("chat holds %d messages after the restart, want %d", len(got), n)
	}
	srv.stop()
}

func crashTag(i int) string {
	return fmt.Sprintf("crash-test-delivery-%04d", i)
}
