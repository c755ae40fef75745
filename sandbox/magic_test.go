package sandbox_test

import (
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
)

// magicMessage is what every action on a magic number answers.
const magicMessage = "This phone number is a magic number of the sandbox; it always " +
	"behaves one way. Create a recipient with POST /sandbox/v1/recipients to act on."

// pushed is the API's answer to a push.
type pushed struct {
	response
	requestID string
}

// pushTo sends a flexible notification to a phone hash with a channel's
// access token.
func (in *instance) pushTo(t *testing.T, accessToken, hash string) pushed {
	t.Helper()

	body := `{"to":"` + hash + `","messages":[{"type":"text","text":"Your order shipped"}]}`
	req, err := http.NewRequestWithContext(t.Context(), "POST", in.url+"/bot/pnp/push",
		strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+accessToken)

	resp, raw := do(t, req)

	return pushed{response: response{status: resp.StatusCode, body: raw},
		requestID: resp.Header.Get("X-Line-Request-Id")}
}

// newChannel creates a channel through the sandbox API.
func (in *instance) newChannel(t *testing.T) credentials {
	t.Helper()

	var c credentials
	in.sandbox(t, "POST", "/sandbox/v1/channels", `{"name":"Shop"}`, &c)

	return c
}

// state returns the stored state of the notification a push was answered
// with.
func (in *instance) state(t *testing.T, requestID string) pnpd.NotificationState {
	t.Helper()

	n, err := in.srv.Store().Notification(t.Context(), requestID)
	if err != nil {
		t.Fatalf("notification %s: %v", requestID, err)
	}

	return n.State
}

// TestMagicNumbersBehaveAsDocumented pushes to every magic number and
// checks the answer and the state the table claims; that the held ones
// expire after 24 hours; and that, 200 days later, each behaves the same.
func TestMagicNumbersBehaveAsDocumented(t *testing.T) {
	t.Parallel()
	in := setup(t)
	// The channel is created after the seed: the blocking number blocks it
	// all the same.
	ch := in.newChannel(t)

	sent := in.pushToMagic(t, ch.AccessToken)
	in.sandbox(t, "POST", "/sandbox/v1/clock", `{"advanceSeconds":86400}`, nil)
	for _, m := range sandbox.MagicNumbers {
		want := m.State
		if want.Held() {
			want = pnpd.StateExpired
		}
		if id := sent[m.PhoneNumber]; id != "" && in.state(t, id) != want {
			t.Errorf("%s a day later: %q, want %q", m.PhoneNumber, in.state(t, id), want)
		}
	}

	in.sandbox(t, "POST", "/sandbox/v1/clock", `{"advanceSeconds":17280000}`, nil)
	in.pushToMagic(t, ch.AccessToken)
}

// pushToMagic pushes to every magic number, checks the answers and the
// states, and returns the request IDs of the accepted ones by number.
func (in *instance) pushToMagic(t *testing.T, accessToken string) map[string]string {
	t.Helper()

	sent := map[string]string{}
	for _, m := range sandbox.MagicNumbers {
		got := in.pushTo(t, accessToken, pnpd.HashPhone(m.PhoneNumber))
		switch {
		case got.status != m.Answer:
			t.Errorf("push to %s: %d %s, want %d", m.PhoneNumber, got.status, got.body,
				m.Answer)
		case m.Answer == http.StatusUnprocessableEntity &&
			strings.TrimSpace(string(got.body)) != `{"message":"Failed to send messages"}`:
			t.Errorf("push to %s: body %s", m.PhoneNumber, got.body)
		case m.Answer == http.StatusOK && in.state(t, got.requestID) != m.State:
			t.Errorf("push to %s: state %q, want %q", m.PhoneNumber,
				in.state(t, got.requestID), m.State)
		case m.Answer == http.StatusOK:
			sent[m.PhoneNumber] = got.requestID
		}
	}

	return sent
}

// TestMagicNumbersListed checks GET /magic-numbers: every number with the
// hash to send to, the answer and the state.
func TestMagicNumbersListed(t *testing.T) {
	t.Parallel()
	in := setup(t)

	var got struct {
		MagicNumbers []struct {
			PhoneNumber string                 `json:"phoneNumber"`
			PhoneHash   string                 `json:"phoneHash"`
			Behaviour   string                 `json:"behaviour"`
			Answer      int                    `json:"answer"`
			State       pnpd.NotificationState `json:"state"`
		} `json:"magicNumbers"`
	}
	in.sandbox(t, "GET", "/sandbox/v1/magic-numbers", "", &got)

	if len(got.MagicNumbers) != len(sandbox.MagicNumbers) {
		t.Fatalf("%d magic numbers, want %d", len(got.MagicNumbers), len(sandbox.MagicNumbers))
	}
	for i, m := range sandbox.MagicNumbers {
		g := got.MagicNumbers[i]
		if g.PhoneNumber != m.PhoneNumber || g.PhoneHash != pnpd.HashPhone(m.PhoneNumber) ||
			g.Behaviour != m.Behaviour || g.Answer != m.Answer || g.State != m.State {
			t.Errorf("magic number %d = %+v, want %+v", i, g, m)
		}
	}

	if r := in.call(t, "GET", "/sandbox/v1/magic-numbers", "", ""); r.status != 401 {
		t.Errorf("without the token: %d, want 401", r.status)
	}
}

// TestMagicNumberSignUpRefused checks that the web messenger's sign-up
// refuses the unregistered magic number, and the registered ones, before
// any SMS goes out.
func TestMagicNumberSignUpRefused(t *testing.T) {
	t.Parallel()
	in := setup(t)

	for _, phone := range []string{"+819000000002", "090-0000-0001"} {
		r := in.call(t, "POST", "/api/v1/signup/code", "", `{"phoneNumber":"`+phone+`"}`)
		want := `{"error":{"code":"conflict","message":"` + magicMessage +
			`","field":"phoneNumber"}}`
		if r.status != http.StatusConflict || strings.TrimSpace(string(r.body)) != want {
			t.Errorf("sign-up code for %s: %d %s, want 409 %s", phone, r.status, r.body, want)
		}
	}

	if n := countRows(t, in.dbPath, "sms"); n != 0 {
		t.Errorf("%d SMS sent, want none", n)
	}
	_, err := in.srv.Store().RecipientByPhoneHash(t.Context(), pnpd.HashPhone("+819000000002"))
	if pnpd.ErrorCode(err) != pnpd.ENotFound {
		t.Errorf("+819000000002 has an account (%v), want none", err)
	}
}

// TestSeedMagicNumbersAgain checks that seeding again, as a restart does,
// keeps one recipient per magic number with the same user ID, and that
// the blocking one blocks the channels created since, however they were.
func TestSeedMagicNumbersAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, stop := start(t, dir)
	before := magicIDs(t, first)

	// A channel the sandbox did not create: only the next seed blocks it.
	store := first.srv.Store()
	ch := &pnpd.Channel{ID: "1999999999", Name: "Elsewhere", Secret: pnpd.RandomHex(16),
		BotUserID: pnpd.NewUserID(), Country: "JP", FlexibleEnabled: true}
	if err := store.CreateChannel(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	stop()

	second, _ := start(t, dir)
	if after := magicIDs(t, second); !maps.Equal(before, after) {
		t.Errorf("user IDs after a restart %v, want %v", after, before)
	}
	if n := countRows(t, second.dbPath, "recipient"); n != 7 {
		t.Errorf("%d recipients, want 7", n)
	}

	blocked, err := second.srv.Store().BlockedChannels(t.Context(),
		before["+819000000006"])
	if err != nil || len(blocked) != 1 || blocked[0] != ch.ID {
		t.Errorf("the blocking number blocks %v (%v), want [%s]", blocked, err, ch.ID)
	}
}

// magicIDs returns the user IDs of the magic numbers' recipients.
func magicIDs(t *testing.T, in *instance) map[string]string {
	t.Helper()

	ids := map[string]string{}
	for _, m := range sandbox.MagicNumbers {
		rec, err := in.srv.Store().RecipientByPhoneHash(t.Context(),
			pnpd.HashPhone(m.PhoneNumber))
		if err == nil {
			ids[m.PhoneNumber] = rec.ID
		}
	}

	return ids
}

// do sends a request and reads the whole answer.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}

	return resp, raw
}
