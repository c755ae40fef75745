package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// recipientView is the sandbox's view of a recipient.
type recipientView struct {
	UserID                  string       `json:"userId"`
	DisplayName             string       `json:"displayName"`
	MaskedPhoneNumber       string       `json:"maskedPhoneNumber"`
	PhoneHash               string       `json:"phoneHash"`
	Language                string       `json:"language"`
	Consent                 pnpd.Consent `json:"consent"`
	PrivacyPolicyAgreed     bool         `json:"privacyPolicyAgreed"`
	CreatedAt               time.Time    `json:"createdAt"`
	PhoneNumberChangedAt    *time.Time   `json:"phoneNumberChangedAt"`
	LastSMSVerifiedAt       *time.Time   `json:"lastSmsVerifiedAt"`
	SMSVerificationRequired bool         `json:"smsVerificationRequired"`
	BlockedChannels         []string     `json:"blockedChannels"`
	HeldNotifications       int          `json:"heldNotifications"`
	Magic                   bool         `json:"magic"`
}

// world is a sandbox server with one channel, whose token pushes.
type world struct {
	*instance
	ch credentials
}

func setupWorld(t *testing.T) *world {
	t.Helper()

	in := setup(t)

	return &world{instance: in, ch: in.newChannel(t)}
}

// daysAgo returns the sandbox clock's now moved back by n days, as JSON.
func (w *world) daysAgo(t *testing.T, n int) string {
	t.Helper()

	return `"` + w.clock(t).Now.AddDate(0, 0, -n).Format(time.RFC3339) + `"`
}

// newRecipient creates a recipient from the body's fields besides the
// phone number, and wants 201.
func (w *world) newRecipient(t *testing.T, phone, fields string) recipientView {
	t.Helper()

	body := `{"phoneNumber":"` + phone + `"`
	if fields != "" {
		body += "," + fields
	}
	var v recipientView
	w.sandbox(t, "POST", "/sandbox/v1/recipients", body+"}", &v)

	return v
}

func (w *world) recipient(t *testing.T, userID string) recipientView {
	t.Helper()

	var v recipientView
	w.sandbox(t, "GET", "/sandbox/v1/recipients/"+userID, "", &v)

	return v
}

// push sends to the recipient of a number and wants the status.
func (w *world) push(t *testing.T, phone string, want int) pushed {
	t.Helper()

	p := w.pushTo(t, w.ch.AccessToken, pnpd.HashPhone(phone))
	if p.status != want {
		t.Fatalf("push: %d %s, want %d", p.status, p.body, want)
	}

	return p
}

// wantState checks the stored state of a pushed notification.
func (w *world) wantState(t *testing.T, p pushed, want pnpd.NotificationState) {
	t.Helper()

	if got := w.state(t, p.requestID); got != want {
		t.Errorf("notification state %q, want %q", got, want)
	}
}

// inChat reports whether the channel's chat of the recipient shows the
// text the pushes send.
func (w *world) inChat(t *testing.T, userID string) bool {
	t.Helper()

	msgs, err := w.srv.Store().ChatMessages(t.Context(), userID, w.ch.ChannelID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}

	return slices.ContainsFunc(msgs, func(m pnpd.ChatMessage) bool {
		return strings.Contains(string(m.Message), "Your order shipped")
	})
}

// act calls an acting endpoint of the recipient and wants 200 with the
// result body.
func (w *world) act(t *testing.T, method, userID, action, body, want string) {
	t.Helper()

	path := "/sandbox/v1/recipients/" + userID + action
	r := w.call(t, method, path, "Bearer "+token, body)
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != want {
		t.Fatalf("%s %s: %d %s, want 200 %s", method, action, r.status, r.body, want)
	}
}

// code asks for the code the newest SMS to the number holds.
func (w *world) code(t *testing.T, phone string) string {
	t.Helper()

	var got struct {
		Code              string `json:"code"`
		MaskedPhoneNumber string `json:"maskedPhoneNumber"`
		Text              string `json:"text"`
	}
	q := url.Values{"phoneNumber": {phone}}.Encode()
	w.sandbox(t, "GET", "/sandbox/v1/sms/code?"+q, "", &got)
	if len(got.Code) != 6 || !strings.Contains(got.Text, got.Code) ||
		got.MaskedPhoneNumber != pnpd.MaskPhone(phone) {
		t.Fatalf("SMS code answer %+v", got)
	}

	return got.Code
}

func result(delivered, dropped int, sms bool) string {
	b, _ := json.Marshal(map[string]any{"delivered": delivered, "dropped": dropped,
		"smsVerificationRequired": sms})

	return string(b)
}

// TestCreateRecipientInEachState creates a recipient in each state of the
// receiving flow and checks what a push to it does and what the view says.
func TestCreateRecipientInEachState(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	ago := func(days int) string { return w.daysAgo(t, days) }

	tests := []struct {
		name    string
		phone   string
		fields  string
		status  int
		state   pnpd.NotificationState // after the push, for a 200
		sms     bool                   // smsVerificationRequired
		held    int                    // after the push
		inChat  bool
		consent pnpd.Consent
	}{
		{name: "defaults: agreed, verified on creation", phone: "+819011112001",
			status: 200, state: pnpd.StateDelivered, inChat: true, consent: "agreed"},
		{name: "consent not set", phone: "+819011112002", fields: `"consent":"not_set"`,
			status: 200, state: pnpd.StateHeldForConsent, held: 1, consent: "not_set"},
		{name: "agreed, account and SMS 200 days old", phone: "+819011112003",
			fields: `"createdAt":` + ago(200),
			status: 200, state: pnpd.StateHeldForSMS, sms: true, held: 1, consent: "agreed"},
		{name: "old account, number changed 10 days ago", phone: "+819011112004",
			fields: `"createdAt":` + ago(400) + `,"lastSmsVerifiedAt":` + ago(300) +
				`,"phoneNumberChangedAt":` + ago(10),
			status: 200, state: pnpd.StateDelivered, inChat: true, consent: "agreed"},
		{name: "old account, verified 10 days ago", phone: "+819011112005",
			fields: `"createdAt":` + ago(400) + `,"lastSmsVerifiedAt":` + ago(10),
			status: 200, state: pnpd.StateDelivered, inChat: true, consent: "agreed"},
		{name: "rejected", phone: "+819011112006", fields: `"consent":"rejected"`,
			status: 422, consent: "rejected"},
		{name: "privacy policy not agreed", phone: "+819011112007",
			fields: `"privacyPolicyAgreed":false`, status: 422, consent: "agreed"},
		{name: "blocked the channel", phone: "+819011112008",
			fields: `"blockedChannels":["` + w.ch.ChannelID + `"]`,
			status: 200, state: pnpd.StateBlocked, consent: "agreed"},
		{name: "outside the service countries", phone: "+12025550123",
			status: 422, consent: "agreed"},
		{name: "Thai number in national format", phone: "081-111-2010",
			fields: `"country":"th","language":"th"`,
			status: 200, state: pnpd.StateDelivered, inChat: true, consent: "agreed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			v := w.newRecipient(t, tt.phone, tt.fields)
			p := w.pushTo(t, w.ch.AccessToken, v.PhoneHash)
			if p.status != tt.status {
				t.Fatalf("push: %d %s, want %d", p.status, p.body, tt.status)
			}
			if tt.status == 200 {
				w.wantState(t, p, tt.state)
			}

			got := w.recipient(t, v.UserID)
			if got.Consent != tt.consent || got.SMSVerificationRequired != tt.sms ||
				got.HeldNotifications != tt.held || got.Magic {
				t.Errorf("view after the push %+v", got)
			}
			if in := w.inChat(t, v.UserID); in != tt.inChat {
				t.Errorf("message in the chat: %v, want %v", in, tt.inChat)
			}
		})
	}
}

// TestCreateRecipientView checks the whole view of a recipient created
// with defaults and of one created with every field.
func TestCreateRecipientView(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	now := w.clock(t).Now.UTC().Truncate(time.Millisecond)

	r := w.call(t, "POST", "/sandbox/v1/recipients", "Bearer "+token,
		`{"phoneNumber":"+819011113001"}`)
	var v recipientView
	r.decode(t, &v)
	want := `{"userId":"` + v.UserID + `","displayName":"Recipient",` +
		`"maskedPhoneNumber":"+81 ********01","phoneHash":"` +
		pnpd.HashPhone("+819011113001") + `","language":"en","consent":"agreed",` +
		`"privacyPolicyAgreed":true,"createdAt":"` + v.CreatedAt.Format(time.RFC3339Nano) +
		`","lastSmsVerifiedAt":"` + v.CreatedAt.Format(time.RFC3339Nano) + `",` +
		`"smsVerificationRequired":false,"blockedChannels":[],"heldNotifications":0,` +
		`"magic":false}`
	if r.status != http.StatusCreated || strings.TrimSpace(string(r.body)) != want {
		t.Errorf("created with defaults: %d %s\nwant %s", r.status, r.body, want)
	}
	if d := v.CreatedAt.Sub(now); d < 0 || d > time.Minute || v.CreatedAt.Location() != time.UTC {
		t.Errorf("created at %v, want the sandbox clock's now (%v) in UTC", v.CreatedAt, now)
	}

	body := `{"phoneNumber":"09011113002","country":"jp","displayName":" Aiko ",` +
		`"language":"ja","consent":"not_set","privacyPolicyAgreed":true,` +
		`"createdAt":"2025-01-01T09:00:00+09:00","phoneNumberChangedAt":"2025-02-01T00:00:00Z",` +
		`"lastSmsVerifiedAt":"2025-03-01T00:00:00.123456Z","blockedChannels":["` +
		w.ch.ChannelID + `"]}`
	r = w.call(t, "POST", "/sandbox/v1/recipients", "Bearer "+token, body)
	r.decode(t, &v)
	want = `{"userId":"` + v.UserID + `","displayName":"Aiko",` +
		`"maskedPhoneNumber":"+81 ********02","phoneHash":"` +
		pnpd.HashPhone("+819011113002") + `","language":"ja","consent":"not_set",` +
		`"privacyPolicyAgreed":true,"createdAt":"2025-01-01T00:00:00Z",` +
		`"phoneNumberChangedAt":"2025-02-01T00:00:00Z",` +
		`"lastSmsVerifiedAt":"2025-03-01T00:00:00.123Z","smsVerificationRequired":true,` +
		`"blockedChannels":["` + w.ch.ChannelID + `"],"heldNotifications":0,"magic":false}`
	if r.status != http.StatusCreated || strings.TrimSpace(string(r.body)) != want {
		t.Errorf("created with every field: %d %s\nwant %s", r.status, r.body, want)
	}
	if got := w.recipient(t, v.UserID); got.UserID != v.UserID || got.DisplayName != "Aiko" {
		t.Errorf("GET after POST: %+v", got)
	}
}

// TestFindRecipients checks the lookups by user ID and by phone hash, the
// magic numbers' recipients included.
func TestFindRecipients(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	v := w.newRecipient(t, "+819011114001", "")

	type list struct {
		Recipients []recipientView `json:"recipients"`
	}
	tests := []struct {
		name  string
		hash  string
		found string // the user ID, "" for none
		magic bool
	}{
		{name: "lower case", hash: v.PhoneHash, found: v.UserID},
		{name: "upper case", hash: strings.ToUpper(v.PhoneHash), found: v.UserID},
		{name: "no account", hash: pnpd.HashPhone("+819011114002")},
		{name: "unregistered magic number", hash: pnpd.HashPhone("+819000000002")},
		{name: "blocking magic number", hash: pnpd.HashPhone("+819000000006"), magic: true},
	}
	for _, tt := range tests {
		var got list
		w.sandbox(t, "GET", "/sandbox/v1/recipients?phoneHash="+tt.hash, "", &got)
		switch {
		case tt.magic:
			if len(got.Recipients) != 1 || !got.Recipients[0].Magic ||
				!slices.Contains(got.Recipients[0].BlockedChannels, w.ch.ChannelID) {
				t.Errorf("%s: %+v, want the magic recipient blocking the channel", tt.name, got)
			}
		case tt.found == "" && len(got.Recipients) != 0,
			tt.found != "" && (len(got.Recipients) != 1 || got.Recipients[0].UserID != tt.found):
			t.Errorf("%s: %+v, want %q", tt.name, got, tt.found)
		}
	}

	if got := w.recipient(t, v.UserID); got.PhoneHash != v.PhoneHash {
		t.Errorf("by user ID: %+v", got)
	}
}

// TestAgreeOrRejectHeld: a recipient who agrees gets what was held, in the
// channel's chat; one who rejects loses it and is refused later.
func TestAgreeOrRejectHeld(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)

	tests := []struct {
		name   string
		phone  string
		agree  string
		result string
		state  pnpd.NotificationState
		later  int // what a later push gets
	}{
		{"agree", "+819011115001", "true", result(1, 0, false), pnpd.StateDelivered, 200},
		{"reject", "+819011115002", "false", result(0, 1, false), pnpd.StateRejected, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			v := w.newRecipient(t, tt.phone, `"consent":"not_set"`)
			p := w.push(t, tt.phone, 200)
			w.act(t, "POST", v.UserID, "/consent", `{"agree":`+tt.agree+`}`, tt.result)

			w.wantState(t, p, tt.state)
			if in := w.inChat(t, v.UserID); in != (tt.state == pnpd.StateDelivered) {
				t.Errorf("message in the chat: %v", in)
			}
			w.push(t, tt.phone, tt.later)
		})
	}
}

// TestVerifyBySMS: a recipient whose verification is 200 days old gets
// what was held once the code from the SMS is entered; consent first when
// it was not set.
func TestVerifyBySMS(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)

	for _, tt := range []struct {
		name, phone, consent string
	}{
		{"agreed", "+819011116001", "agreed"},
		{"consent not set", "+819011116002", "not_set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			v := w.newRecipient(t, tt.phone, `"consent":"`+tt.consent+`","createdAt":`+
				w.daysAgo(t, 200))
			p := w.push(t, tt.phone, 200)
			if tt.consent == "not_set" {
				w.act(t, "POST", v.UserID, "/consent", `{"agree":true}`, result(0, 0, true))
			}
			w.wantState(t, p, pnpd.StateHeldForSMS)

			w.sendCode(t, v.UserID, "/verification/code", "", tt.phone)
			w.act(t, "POST", v.UserID, "/verification", `{"code":"`+w.code(t, tt.phone)+`"}`,
				result(1, 0, false))

			w.wantState(t, p, pnpd.StateDelivered)
			if !w.inChat(t, v.UserID) {
				t.Error("the message is not in the chat")
			}
			if got := w.recipient(t, v.UserID); got.SMSVerificationRequired ||
				got.HeldNotifications != 0 || !got.LastSMSVerifiedAt.After(v.CreatedAt) {
				t.Errorf("view after the verification %+v", got)
			}
		})
	}
}

// sendCode asks for a code and checks the answer: where it went, when it
// expires and when another may be asked for.
func (w *world) sendCode(t *testing.T, userID, action, body, phone string) {
	t.Helper()

	r := w.call(t, "POST", "/sandbox/v1/recipients/"+userID+action, "Bearer "+token, body)
	var issued struct {
		MaskedPhoneNumber string    `json:"maskedPhoneNumber"`
		ExpiresAt         time.Time `json:"expiresAt"`
		ResendAt          time.Time `json:"resendAt"`
	}
	r.decode(t, &issued)
	now := w.clock(t).Now
	if r.status != http.StatusOK || issued.MaskedPhoneNumber != pnpd.MaskPhone(phone) ||
		issued.ExpiresAt.Sub(now).Round(time.Minute) != 10*time.Minute ||
		issued.ResendAt.Sub(now).Round(time.Minute) != time.Minute ||
		issued.ExpiresAt.Location() != time.UTC {
		t.Fatalf("POST %s: %d %s", action, r.status, r.body)
	}
}

// TestChangeNumberDropsHeld: a recipient who moves to a new number loses
// what was held for the old one and is reached at the new one only.
func TestChangeNumberDropsHeld(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	const old, moved = "+819011117001", "+819011117002"

	v := w.newRecipient(t, old, `"consent":"not_set"`)
	p := w.push(t, old, 200)
	w.sendCode(t, v.UserID, "/phone-number/code", `{"phoneNumber":"`+moved+`"}`, moved)
	w.act(t, "POST", v.UserID, "/phone-number",
		`{"phoneNumber":"090-1111-7002","country":"JP","code":"`+w.code(t, moved)+`"}`,
		result(0, 1, false))

	w.wantState(t, p, pnpd.StateNumberChanged)
	got := w.recipient(t, v.UserID)
	if got.PhoneHash != pnpd.HashPhone(moved) || got.MaskedPhoneNumber != "+81 ********02" ||
		got.PhoneNumberChangedAt == nil || got.HeldNotifications != 0 {
		t.Errorf("view after the change %+v", got)
	}
	w.push(t, old, 422)
	w.push(t, moved, 200)
}

// TestBlockAndUnblock: a blocked channel's pushes are never delivered,
// what it held is dropped, and unblocking lets the next one through.
func TestBlockAndUnblock(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	const phone = "+819011118001"

	v := w.newRecipient(t, phone, `"consent":"not_set"`)
	held := w.push(t, phone, 200)
	path := "/blocks/" + w.ch.ChannelID
	w.act(t, "PUT", v.UserID, path, "", result(0, 1, false))
	w.wantState(t, held, pnpd.StateBlocked)
	if got := w.recipient(t, v.UserID); !slices.Equal(got.BlockedChannels,
		[]string{w.ch.ChannelID}) {
		t.Errorf("blocked channels %v", got.BlockedChannels)
	}

	w.act(t, "POST", v.UserID, "/consent", `{"agree":true}`, result(0, 0, false))
	w.wantState(t, w.push(t, phone, 200), pnpd.StateBlocked)
	w.act(t, "DELETE", v.UserID, path, "", result(0, 0, false))
	w.wantState(t, w.push(t, phone, 200), pnpd.StateDelivered)
	if !w.inChat(t, v.UserID) {
		t.Error("the message after unblocking is not in the chat")
	}
}

// TestPrivacyPolicy: agreeing to the privacy policy lets notifications in.
func TestPrivacyPolicy(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	const phone = "+819011119001"

	v := w.newRecipient(t, phone, `"privacyPolicyAgreed":false`)
	w.push(t, phone, 422)
	w.act(t, "POST", v.UserID, "/privacy-policy", "", result(0, 0, false))
	w.wantState(t, w.push(t, phone, 200), pnpd.StateDelivered)
}

// errorBody is the sandbox's error body.
func errorBody(code, message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code,
		"message": message}})

	return string(b)
}

// TestRecipientErrors checks the refusals, with their exact bodies, and
// that a refused creation leaves nothing behind.
func TestRecipientErrors(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	a := w.newRecipient(t, "+819011120001", `"consent":"not_set"`)
	w.newRecipient(t, "+819011120002", "")
	magic := func(phone string) string {
		var got struct{ Recipients []recipientView }
		w.sandbox(t, "GET", "/sandbox/v1/recipients?phoneHash="+pnpd.HashPhone(phone), "",
			&got)

		return "/sandbox/v1/recipients/" + got.Recipients[0].UserID
	}
	const recipients = "/sandbox/v1/recipients"
	future := w.clock(t).Now.Add(time.Hour).Format(time.RFC3339)
	mine := recipients + "/" + a.UserID

	invalid := func(msg string) (int, string) { return 400, errorBody("invalid", msg) }
	conflict := func(msg string) (int, string) { return 409, errorBody("conflict", msg) }
	notFound := func(msg string) (int, string) { return 404, errorBody("not_found", msg) }
	notJSON := func() (int, string) { return invalid("The request body is not valid JSON.") }
	magicRefusal := func() (int, string) { return conflict(magicMessage) }
	magicTaken := func() (int, string) {
		return conflict("This phone number is a magic number of the sandbox; give the " +
			"recipient another number.")
	}

	tests := []struct {
		name, method, path, body string
		want                     func() (int, string)
	}{
		{"not a number", "POST", recipients, `{"phoneNumber":"12345"}`, func() (int, string) {
			// Read as a Japanese number, the server's default country.
			return invalid("Enter the phone number with its area or mobile prefix, " +
				"e.g. 090-1234-5678.")
		}},
		{"no number", "POST", recipients, `{}`, func() (int, string) {
			return invalid("Enter a phone number.")
		}},
		{"number taken", "POST", recipients, `{"phoneNumber":"090-1112-0001",` +
			`"country":"JP"}`, func() (int, string) {
			return conflict("An account uses this phone number already.")
		}},
		{"magic number", "POST", recipients, `{"phoneNumber":"+819000000004"}`, magicTaken},
		{"unregistered magic number", "POST", recipients, `{"phoneNumber":"+819000000002"}`,
			magicTaken},
		{"cut short", "POST", recipients, `{"phoneNumber":`, notJSON},
		{"privacy policy not a boolean", "POST", recipients,
			`{"phoneNumber":"+819011120003","privacyPolicyAgreed":"yes"}`,
			func() (int, string) {
				return invalid(`The property "privacyPolicyAgreed" in the request body ` +
					`must be true or false.`)
			}},
		{"created in the future", "POST", recipients,
			`{"phoneNumber":"+819011120003","createdAt":"` + future + `"}`,
			func() (int, string) {
				return invalid("createdAt is in the future of the sandbox clock.")
			}},
		{"verified in the future", "POST", recipients,
			`{"phoneNumber":"+819011120003","lastSmsVerifiedAt":"` + future + `"}`,
			func() (int, string) {
				return invalid("lastSmsVerifiedAt is in the future of the sandbox clock.")
			}},
		{"number changed before creation", "POST", recipients,
			`{"phoneNumber":"+819011120003","createdAt":"2025-02-01T00:00:00Z",` +
				`"phoneNumberChangedAt":"2025-01-31T23:59:59Z"}`, func() (int, string) {
				return invalid("phoneNumberChangedAt and lastSmsVerifiedAt may not be " +
					"before createdAt.")
			}},
		{"time without a zone", "POST", recipients,
			`{"phoneNumber":"+819011120003","createdAt":"2025-02-01T00:00:00"}`,
			func() (int, string) {
				return invalid("createdAt must be an RFC 3339 time, such as " +
					"2026-01-01T00:00:00Z.")
			}},
		{"unknown consent", "POST", recipients,
			`{"phoneNumber":"+819011120003","consent":"maybe"}`, func() (int, string) {
				return invalid("consent must be not_set, agreed or rejected.")
			}},
		{"unknown language", "POST", recipients,
			`{"phoneNumber":"+819011120003","language":"de"}`, func() (int, string) {
				return invalid("language must be one of en, ja, th, zh-TW.")
			}},
		{"blank name", "POST", recipients,
			`{"phoneNumber":"+819011120003","displayName":"  "}`, func() (int, string) {
				return invalid("Give displayName 1 to 20 printable characters.")
			}},
		{"name with a NUL", "POST", recipients,
			`{"phoneNumber":"+819011120003","displayName":"Ta\u0000ro"}`,
			func() (int, string) {
				return invalid("Give displayName 1 to 20 printable characters.")
			}},
		{"unknown blocked channel", "POST", recipients,
			`{"phoneNumber":"+819011120003","blockedChannels":["` + w.ch.ChannelID +
				`","1999999999"]}`, func() (int, string) {
				return invalid("blockedChannels names a channel that does not exist.")
			}},
		{"unknown user", "POST", recipients + "/U00000000000000000000000000000000/consent",
			`{"agree":true}`, func() (int, string) {
				return notFound("No recipient has this user ID.")
			}},
		{"view of an unknown user", "GET", recipients + "/nobody", "", func() (int, string) {
			return notFound("No recipient has this user ID.")
		}},
		{"consent without agree", "POST", mine + "/consent", `{}`, func() (int, string) {
			return invalid("Give agree: true to agree, false to reject.")
		}},
		{"consent not JSON", "POST", mine + "/consent", `agree=true`, notJSON},
		{"code not 6 digits", "POST", mine + "/verification", `{"code":"12"}`,
			func() (int, string) { return invalid("Enter the 6 digits of the code.") }},
		{"code never sent", "POST", mine + "/verification", `{"code":"123456"}`,
			func() (int, string) {
				return invalid("No code was sent for this number. Ask for a code first.")
			}},
		{"move to a number taken", "POST", mine + "/phone-number/code",
			`{"phoneNumber":"+819011120002"}`, func() (int, string) {
				return conflict("Another account uses this phone number.")
			}},
		{"move to the same number", "POST", mine + "/phone-number/code",
			`{"phoneNumber":"+819011120001"}`, func() (int, string) {
				return invalid("This is your phone number already.")
			}},
		{"move to a magic number", "POST", mine + "/phone-number/code",
			`{"phoneNumber":"+819000000002"}`, magicTaken},
		{"change to a magic number", "POST", mine + "/phone-number",
			`{"phoneNumber":"090-0000-0001","code":"123456"}`, magicTaken},
		{"block an unknown channel", "PUT", mine + "/blocks/1999999999", "",
			func() (int, string) { return notFound("No channel has this ID.") }},
		{"magic consent", "POST", magic("+819000000004") + "/consent", `{"agree":true}`,
			magicRefusal},
		{"magic privacy policy", "POST", magic("+819000000008") + "/privacy-policy", "",
			magicRefusal},
		{"magic code", "POST", magic("+819000000005") + "/verification/code", "",
			magicRefusal},
		{"magic verification", "POST", magic("+819000000005") + "/verification",
			`{"code":"123456"}`, magicRefusal},
		{"magic number change", "POST", magic("+819000000001") + "/phone-number/code",
			`{"phoneNumber":"+819011120009"}`, magicRefusal},
		{"magic unblock", "DELETE", magic("+819000000006") + "/blocks/" + w.ch.ChannelID, "",
			magicRefusal},
		{"bad hash", "GET", recipients + "?phoneHash=" + pnpd.HashPhone("x")[:63], "",
			func() (int, string) {
				return invalid("Give phoneHash, the SHA-256 in hex of a phone number in E.164.")
			}},
		{"no SMS", "GET", "/sandbox/v1/sms/code?phoneNumber=%2B819011120009", "",
			func() (int, string) {
				return notFound("No SMS with a code was sent to this number.")
			}},
		{"SMS code of no number", "GET", "/sandbox/v1/sms/code", "", func() (int, string) {
			return invalid("Enter a phone number.")
		}},
	}
	for _, tt := range tests {
		r := w.call(t, tt.method, tt.path, "Bearer "+token, tt.body)
		status, body := tt.want()
		if r.status != status || strings.TrimSpace(string(r.body)) != body {
			t.Errorf("%s: %d %s\nwant %d %s", tt.name, r.status, r.body, status, body)
		}
	}

	// Refused creations left nothing behind, and the magic recipients are
	// as seeded.
	if n := countRows(t, w.dbPath, "recipient"); n != 2+7 {
		t.Errorf("%d recipients, want 2 and the 7 magic ones", n)
	}
	if n := countRows(t, w.dbPath, "sms"); n != 0 {
		t.Errorf("%d SMS sent, want none", n)
	}
}

// TestRecipientsNeedTheToken checks that every recipient endpoint answers
// 401 without the sandbox token and changes nothing.
func TestRecipientsNeedTheToken(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	v := w.newRecipient(t, "+819011121001", `"consent":"not_set"`)
	mine := "/sandbox/v1/recipients/" + v.UserID

	for _, ep := range []struct{ method, path, body string }{
		{"POST", "/sandbox/v1/recipients", `{"phoneNumber":"+819011121002"}`},
		{"GET", mine, ""},
		{"GET", "/sandbox/v1/recipients?phoneHash=" + v.PhoneHash, ""},
		{"POST", mine + "/consent", `{"agree":true}`},
		{"POST", mine + "/privacy-policy", ""},
		{"POST", mine + "/verification/code", ""},
		{"POST", mine + "/verification", `{"code":"123456"}`},
		{"POST", mine + "/phone-number/code", `{"phoneNumber":"+819011121003"}`},
		{"POST", mine + "/phone-number", `{"phoneNumber":"+819011121003","code":"123456"}`},
		{"PUT", mine + "/blocks/" + w.ch.ChannelID, ""},
		{"DELETE", mine + "/blocks/" + w.ch.ChannelID, ""},
		{"GET", "/sandbox/v1/sms/code?phoneNumber=%2B819011121001", ""},
		{"GET", "/sandbox/v1/magic-numbers", ""},
	} {
		r := w.call(t, ep.method, ep.path, "", ep.body)
		want := errorBody("unauthorized",
			"The sandbox API needs 'Authorization: Bearer <sandbox token>'.")
		if r.status != 401 || strings.TrimSpace(string(r.body)) != want {
			t.Errorf("%s %s: %d %s, want 401 %s", ep.method, ep.path, r.status, r.body, want)
		}
	}

	if got := w.recipient(t, v.UserID); got.Consent != pnpd.ConsentNotSet ||
		len(got.BlockedChannels) != 0 || countRows(t, w.dbPath, "recipient") != 1+7 {
		t.Errorf("refused requests changed something: %+v", got)
	}
}

// TestCodeTooSoon checks that the SMS limits hold in the sandbox too: a
// second code within the minute is refused with 429, the seconds to wait
// in Retry-After and in the body, as the messenger answers.
func TestCodeTooSoon(t *testing.T) {
	t.Parallel()
	w := setupWorld(t)
	const phone = "+819011122001"
	v := w.newRecipient(t, phone, "")

	w.sendCode(t, v.UserID, "/verification/code", "", phone)
	r := w.call(t, "POST", "/sandbox/v1/recipients/"+v.UserID+"/verification/code",
		"Bearer "+token, "")
	want := `{"error":{"code":"rate_limited",` +
		`"message":"Wait 60 seconds before asking for another code.","remaining":60}}`
	if r.status != http.StatusTooManyRequests || strings.TrimSpace(string(r.body)) != want ||
		r.header.Get("Retry-After") != "60" {
		t.Errorf("a second code at once: %d Retry-After %q %s, want 429 Retry-After 60 %s",
			r.status, r.header.Get("Retry-After"), r.body, want)
	}
}

// TestPhoneWithoutPlusReadsTheDefaultCountry: on a server whose default
// country is Thailand, numbers written without "+" and without country are
// read as Thai ones wherever the sandbox takes a number, as the messenger
// reads them.
func TestPhoneWithoutPlusReadsTheDefaultCountry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := servertest.Start(t, server.Config{DataDir: dir, Sandbox: true,
		SandboxToken: token, DefaultCountry: "TH"})
	in := &instance{srv: srv, url: srv.URL(), dbPath: filepath.Join(dir, "pnpd.db")}
	w := &world{instance: in, ch: in.newChannel(t)}
	const first, moved = "+66812345001", "+66812345002"

	v := w.newRecipient(t, "081-234-5001", "")
	if v.PhoneHash != pnpd.HashPhone(first) {
		t.Errorf("recipient created from a national number: %s, want the Thai one's hash",
			v.MaskedPhoneNumber)
	}

	w.sendCode(t, v.UserID, "/phone-number/code", `{"phoneNumber":"081-234-5002"}`, moved)
	var outbox struct {
		Messages []struct{ MaskedPhoneNumber string }
	}
	w.sandbox(t, "GET", "/sandbox/v1/sms?phoneNumber=0812345002", "", &outbox)
	if len(outbox.Messages) != 1 || outbox.Messages[0].MaskedPhoneNumber != pnpd.MaskPhone(moved) {
		t.Errorf("outbox of a national number: %+v, want the one SMS sent to it", outbox)
	}

	var code struct{ Code string }
	w.sandbox(t, "GET", "/sandbox/v1/sms/code?phoneNumber=0812345002", "", &code)
	w.act(t, "POST", v.UserID, "/phone-number",
		`{"phoneNumber":"081-234-5002","code":"`+code.Code+`"}`, result(0, 0, false))
	if got := w.recipient(t, v.UserID); got.PhoneHash != pnpd.HashPhone(moved) {
		t.Errorf("number after the change: %s, want the Thai one", got.MaskedPhoneNumber)
	}
}
