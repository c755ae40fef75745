package console_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/pnpdtest"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

const sandboxToken = "console-test-sandbox-token-93af"

// traced is a sandbox with the console: a channel made in the console,
// its long-lived token and webhook receiver, and the sandbox client that
// acts as its recipients.
type traced struct {
	*env
	b       *browser
	channel string
	token   string
	rc      *receiver
	sandbox *pnpdtest.Client
}

func setupTraced(t *testing.T) *traced {
	t.Helper()

	srv := servertest.Start(t, server.Config{AdminPassword: adminPassword, Sandbox: true,
		SandboxToken: sandboxToken})
	e := &env{t: t, srv: srv, url: srv.URL()}
	b := e.loggedIn()
	id, secret := b.channel(b.provider("Shop"), "Parcel Shop")
	rc := receive(t, secret)
	b.setWebhook(id, rc.url)

	return &traced{env: e, b: b, channel: id, token: b.issue(id, false), rc: rc,
		sandbox: pnpdtest.Connect(srv.URL(), sandboxToken)}
}

// push sends with the official SDK and returns the request ID.
func (tr *traced) push(to, tag string) string {
	tr.t.Helper()

	api, err := messaging_api.NewMessagingApiAPI(tr.token, messaging_api.WithEndpoint(tr.url))
	if err != nil {
		tr.t.Fatal(err)
	}
	res, _, err := api.PushMessagesByPhoneWithHttpInfo(&messaging_api.PnpMessagesRequest{
		To:       to,
		Messages: []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: "Hi"}},
	}, tag)
	if err != nil || res.StatusCode != http.StatusOK {
		tr.t.Fatalf("push: %v", err)
	}
	res.Body.Close()

	return res.Header.Get("X-Line-Request-Id")
}

// pushCounted sends with a customAggregationUnits name, which the Go SDK
// does not send, as plain HTTP.
func (tr *traced) pushCounted(to, unit string) {
	tr.t.Helper()

	body := `{"to":"` + to + `","messages":[{"type":"text","text":"Hi"}],` +
		`"customAggregationUnits":["` + unit + `"]}`
	req, err := http.NewRequestWithContext(tr.t.Context(), http.MethodPost,
		tr.url+"/bot/pnp/push", strings.NewReader(body))
	if err != nil {
		tr.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tr.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		tr.t.Fatalf("push: %v %v", res, err)
	}
	res.Body.Close()
}

// webhooks waits until the receiver got n signed delivery events.
func (tr *traced) webhooks(n int) {
	tr.t.Helper()

	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		tr.rc.mu.Lock()
		got := len(tr.rc.got)
		tr.rc.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tr.t.Fatalf("the receiver did not get %d webhooks", n)
}

var firstAttempt = regexp.MustCompile(`<td>1</td><td>[^<]+</td>\s*<td>200</td>`)

// attempted reads a notification's trace page once it shows a first
// webhook attempt that answered 200. The receiver has the request before
// pnpd records the answer, so the page may lag the receiver by a moment.
func (tr *traced) attempted(requestID string) page {
	tr.t.Helper()

	var p page
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		p = tr.b.get("/console/notifications/" + requestID)
		if firstAttempt.MatchString(p.body) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	return p
}

var stepText = regexp.MustCompile(`data-state="([a-z_]+)"`)

// steps reads the states of a trace page's steps, in order.
func steps(p page) []string {
	var states []string
	for _, m := range stepText.FindAllStringSubmatch(p.body, -1) {
		states = append(states, m[1])
	}

	return states
}

// TestTraceShowsThePath follows two notifications: one delivered at once,
// one held for consent until the recipient agrees. Each trace page shows
// the steps it took and its delivery webhook's attempt, and never the
// phone number or the whole phone hash.
func TestTraceShowsThePath(t *testing.T) {
	t.Parallel()

	tr := setupTraced(t)
	tr.sandbox.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012340011"})
	held := tr.sandbox.CreateRecipient(t, pnpdtest.RecipientSpec{
		PhoneNumber: "+819012340012", Consent: pnpd.ConsentNotSet})
	heldHash := pnpd.HashPhone("+819012340012")

	now := tr.push(pnpd.HashPhone("+819012340011"), "order-1001-parcel-a")
	later := tr.push(heldHash, "")
	tr.sandbox.Agree(t, held.UserID)
	tr.webhooks(2)

	cases := []struct {
		name, requestID string
		steps           []string
		shows           string
	}{
		{"delivered at once", now, []string{"delivered"}, "order-1001-parcel-a"},
		{"held for consent", later, []string{"held_consent", "delivered"},
			strings.ToLower(heldHash[:4]) + "…"},
	}
	for _, tc := range cases {
		p := tr.attempted(tc.requestID)
		want(t, tc.name, p, http.StatusOK, tc.shows)
		if got := steps(p); strings.Join(got, ",") != strings.Join(tc.steps, ",") {
			t.Errorf("%s: steps %v, want %v", tc.name, got, tc.steps)
		}
		if !firstAttempt.MatchString(p.body) {
			t.Errorf("%s: no first attempt answered 200:\n%s", tc.name, p.body)
		}
		for _, secret := range []string{"+819012340011", "+819012340012", heldHash,
			"9012340012"} {
			if strings.Contains(p.body, secret) {
				t.Errorf("%s: the page shows %q", tc.name, secret)
			}
		}
	}
}

// TestSearchNotifications finds a notification by its request ID and by
// its delivery tag, says so when nothing matches, and lets only a
// signed-in operator look.
func TestSearchNotifications(t *testing.T) {
	t.Parallel()

	tr := setupTraced(t)
	tr.sandbox.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012340021"})
	to := pnpd.HashPhone("+819012340021")
	tagged := tr.push(to, "invoice-77-december")
	plain := tr.push(to, "")

	cases := []struct {
		name, query string
		found       []string
		missing     []string
	}{
		{"request ID", plain, []string{plain}, []string{tagged}},
		{"delivery tag", "invoice-77-december", []string{tagged}, []string{plain}},
		{"everything", "", []string{tagged, plain}, nil},
	}
	for _, tc := range cases {
		p := tr.b.get("/console/notifications?q=" + tc.query)
		for _, id := range tc.found {
			want(t, tc.name, p, http.StatusOK, `href="/console/notifications/`+id+`"`)
		}
		for _, id := range tc.missing {
			if strings.Contains(p.body, id) {
				t.Errorf("%s: the list shows %s", tc.name, id)
			}
		}
	}

	want(t, "unknown state", tr.b.get("/console/notifications?state=bogus"),
		http.StatusBadRequest, "Choose a channel and a state from the lists.")
	want(t, "no match", tr.b.get("/console/notifications?q=nothing-like-it"),
		http.StatusOK, "No notification has that request ID or delivery tag.")
	want(t, "unknown trace", tr.b.get("/console/notifications/no-such-id"),
		http.StatusNotFound, "No notification has that request ID.")

	for _, path := range []string{"/console/notifications", "/console/notifications/" + plain,
		"/console/statistics"} {
		p := tr.e().browser().get(path)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/login") {
			t.Errorf("%s logged out: status %d to %q, want the log-in page", path, p.status,
				p.location)
		}
	}
}

func (tr *traced) e() *env { return tr.env }

// TestStatistics counts the day's deliveries by type and by aggregation
// unit; notifications still held are not counted.
func TestStatistics(t *testing.T) {
	t.Parallel()

	tr := setupTraced(t)
	servertest.AwayFromMidnight(tr.srv)
	tr.sandbox.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012340031"})
	tr.sandbox.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012340032",
		Consent: pnpd.ConsentNotSet})
	to := pnpd.HashPhone("+819012340031")
	tr.pushCounted(to, "spring_sale")
	tr.pushCounted(to, "spring_sale")
	tr.push(to, "")
	tr.pushCounted(pnpd.HashPhone("+819012340032"), "spring_sale")

	p := tr.b.get("/console/statistics?channel=" + tr.channel)
	want(t, "statistics", p, http.StatusOK, "<strong>3</strong> delivered")
	want(t, "channel picked", p, http.StatusOK, `value="`+tr.channel+`" selected`)
	want(t, "unit", p, http.StatusOK,
		"<td><code>spring_sale</code></td><td>2</td>\n      <td>0</td><td>2</td>")
	today := tr.srv.Clock().Now().In(pnpd.StatisticsZone).Format(time.DateOnly)
	want(t, "today", p, http.StatusOK, "<td>"+today+"</td>\n      <td>3</td>")
	if n := strings.Count(p.body, `<rect class="bar flexible"`); n != 1 {
		t.Errorf("chart has %d flexible bars, want 1 for today", n)
	}

	want(t, "unknown channel", tr.b.get("/console/statistics?channel=123"),
		http.StatusOK, "There is no such channel; showing every channel.")
	want(t, "bad range", tr.b.get("/console/statistics?from=2026-13-01&to=x"),
		http.StatusOK, "Give both days as yyyy-mm-dd. Showing the last 30 days.")
}

var olderLink = regexp.MustCompile(`id="older"|href="([^"]+)" id="older"`)

// TestNotificationsPages follows the Older link through more notifications
// than one page holds: every notification is listed once, newest first.
func TestNotificationsPages(t *testing.T) {
	t.Parallel()

	tr := setupTraced(t)
	tr.sandbox.CreateRecipient(t, pnpdtest.RecipientSpec{PhoneNumber: "+819012340051"})
	to := pnpd.HashPhone("+819012340051")
	var sent []string
	for range 55 {
		sent = append(sent, tr.push(to, ""))
	}

	seen := map[string]int{}
	path := "/console/notifications?channel=" + tr.channel + "&state=delivered"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("more pages than 55 notifications fill")
		}
		p := tr.b.get(html.UnescapeString(path))
		for _, m := range regexp.MustCompile(`href="/console/notifications/([0-9a-f-]{36})"`).
			FindAllStringSubmatch(p.body, -1) {
			seen[m[1]]++
		}
		path = ""
		if m := olderLink.FindStringSubmatch(p.body); m != nil {
			path = m[1]
		}
	}

	for _, id := range sent {
		if seen[id] != 1 {
			t.Errorf("notification %s listed %d times, want once", id, seen[id])
		}
	}
}
