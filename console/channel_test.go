package console_test

import (
	"bytes"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pnpd/pnpd"
)

var (
	providerLink  = regexp.MustCompile(`/console/providers/(\d+)/channels/new`)
	channelIDText = regexp.MustCompile(`id="channel-id">(\d+)<`)
	secretText    = regexp.MustCompile(`id="new-secret">([0-9a-f]{32})<`)
	tokenText     = regexp.MustCompile(`id="new-token">([A-Za-z0-9_-]+)<`)
	requestIDText = regexp.MustCompile(`id="request-id">([0-9a-f-]{36})<`)
)

// find returns the first group of re in a page, failing the test without.
func find(t *testing.T, what string, re *regexp.Regexp, p page) string {
	t.Helper()

	m := re.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("%s: not on the page (status %d):\n%s", what, p.status, p.body)
	}

	return m[1]
}

// provider creates a provider and returns its ID.
func (b *browser) provider(name string) string {
	b.e.t.Helper()

	p := b.post("/console/providers", url.Values{"name": {name}})
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("create provider: status %d", p.status)
	}

	home := b.get("/console/")
	at := strings.Index(home.body, "<h2>"+html.EscapeString(name)+"</h2>")
	if at < 0 {
		b.e.t.Fatalf("the provider %q is not listed", name)
	}
	home.body = home.body[at:]

	return find(b.e.t, "provider link", providerLink, home)
}

// channel creates a channel in a provider and returns its ID and the
// secret the page shows once.
func (b *browser) channel(providerID, name string) (string, string) {
	b.e.t.Helper()

	p := b.upload("/console/providers/"+providerID+"/channels", url.Values{
		"name": {name}, "country": {"JP"}, "flexible": {"on"}, "template": {"on"}}, nil)
	if p.status != http.StatusCreated {
		b.e.t.Fatalf("create channel: status %d:\n%s", p.status, p.body)
	}

	return find(b.e.t, "channel ID", channelIDText, p), find(b.e.t, "secret", secretText, p)
}

func pngIcon(t *testing.T) []byte {
	t.Helper()

	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}

	return buf.Bytes()
}

// TestCreateChannel checks that a channel created in a provider is listed
// under it, has an icon, may send the kinds chosen, and shows its secret
// once: the channel's page does not show it again.
func TestCreateChannel(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	providerID := b.provider("Kumo Bank")
	icon := pngIcon(t)
	p := b.upload("/console/providers/"+providerID+"/channels", url.Values{
		"name": {"Kumo Bank <alerts>"}, "country": {"TH"}, "template": {"on"}}, icon)
	want(t, "create channel", p, http.StatusCreated, "Kumo Bank &lt;alerts&gt;")
	id := find(t, "channel ID", channelIDText, p)
	secret := find(t, "secret", secretText, p)

	ch, err := e.srv.Store().Channel(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Secret != secret || ch.Country != "TH" || ch.FlexibleEnabled || !ch.TemplateEnabled {
		t.Errorf("stored channel %+v, want the secret shown, TH, template only", ch)
	}

	home := b.get("/console/")
	want(t, "home", home, http.StatusOK, `href="/console/channels/`+id+`"`)
	if strings.Index(home.body, "Kumo Bank &lt;alerts&gt;") < strings.Index(home.body,
		"<h2>Kumo Bank</h2>") {
		t.Error("the channel is not listed under its provider")
	}

	page := b.get("/console/channels/" + id)
	want(t, "channel page", page, http.StatusOK, `src="/console/channels/`+id+`/icon"`)
	if strings.Contains(page.body, secret) {
		t.Error("the channel page shows the secret again")
	}
	got := b.get("/console/channels/" + id + "/icon")
	if got.header.Get("Content-Type") != "image/png" || got.body != string(icon) {
		t.Errorf("icon: %s, %d bytes, want the PNG uploaded", got.header.Get("Content-Type"),
			len(got.body))
	}
}

// TestChannelFormErrors checks that a wrong field shows the form again
// with a message beside it, and saves nothing.
func TestChannelFormErrors(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	providerID := b.provider("Shop")
	id, _ := b.channel(providerID, "Shop")
	otherID, _ := b.channel(providerID, "Other shop")
	other, err := e.srv.Store().Channel(t.Context(), otherID)
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.srv.Store().Channel(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, field, value, message string
	}{
		{"empty name", "name", " ",
			"Give the channel a name of 1 to 20 printable characters."},
		{"long name", "name", strings.Repeat("名", 21), "1 to 20 printable characters"},
		{"line break in name", "name", "Shop\nSale", "1 to 20 printable characters"},
		{"right-to-left override in name", "name", "Shop\u202eelaS",
			"1 to 20 printable characters"},
		{"webhook URL too long", "webhook_url",
			"https://example.com/" + strings.Repeat("a", 481), "of at most 500 characters"},
		{"unknown country", "country", "XX", "Choose one of the countries"},
		{"provider not a number", "provider", "abc", "Choose a provider in the list."},
		{"bot user ID malformed", "bot_user_id", "U123", "U followed by 32"},
		{"bot user ID taken", "bot_user_id", other.BotUserID,
			"Another channel has this bot user ID."},
		{"webhook URL not http", "webhook_url", "ftp://example.com/hook",
			"must be an http or https URL"},
		{"webhook on without URL", "webhook_url", "", "Set a webhook URL to turn webhooks on."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			form := url.Values{"name": {"Renamed"}, "country": {"JP"},
				"bot_user_id": {before.BotUserID}, "webhook_url": {"https://example.com/h"},
				"webhook": {"on"}, "flexible": {"on"}}
			form.Set(tc.field, tc.value)
			p := b.upload("/console/channels/"+id, form, nil)
			want(t, "save", p, http.StatusBadRequest, `id="`+tc.field+`-error">`)
			if !strings.Contains(p.body, tc.message) {
				t.Errorf("the form lacks the message %q", tc.message)
			}

			after, err := e.srv.Store().Channel(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if after.Name != before.Name || after.WebhookURL != before.WebhookURL {
				t.Errorf("a refused form changed the channel: %+v", after)
			}
		})
	}
}

// TestEditChannel checks that the settings form saves every field and the
// page then shows them.
func TestEditChannel(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	id, _ := b.channel(b.provider("Shop"), "Shop")
	bot := pnpd.NewUserID()

	p := b.upload("/console/channels/"+id, url.Values{"name": {"Shop notices"},
		"country": {"TW"}, "bot_user_id": {bot}, "webhook_url": {"https://shop.example/h"},
		"webhook": {"on"}, "redelivery": {"on"}, "template": {"on"}}, pngIcon(t))
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: status %d:\n%s", p.status, p.body)
	}

	ch, err := e.srv.Store().Channel(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := pnpd.Channel{ID: id, Name: "Shop notices", Secret: ch.Secret, BotUserID: bot,
		Country: "TW", WebhookURL: "https://shop.example/h", WebhookEnabled: true,
		RedeliveryEnabled: true, TemplateEnabled: true, ProviderID: ch.ProviderID,
		CreatedAt: ch.CreatedAt}
	if ch.ProviderID == 0 || !equalChannel(ch, &want) {
		t.Errorf("saved channel %+v, want %+v", ch, want)
	}

	page := b.get(p.location)
	for _, s := range []string{"The changes were saved.", `value="Shop notices"`, bot,
		`value="https://shop.example/h"`, `/icon"`} {
		if !strings.Contains(page.body, s) {
			t.Errorf("the channel page lacks %q", s)
		}
	}
}

func equalChannel(a, b *pnpd.Channel) bool {
	return a.Name == b.Name && a.Secret == b.Secret && a.BotUserID == b.BotUserID &&
		a.Country == b.Country && a.WebhookURL == b.WebhookURL &&
		a.WebhookEnabled == b.WebhookEnabled && a.RedeliveryEnabled == b.RedeliveryEnabled &&
		a.FlexibleEnabled == b.FlexibleEnabled && a.TemplateEnabled == b.TemplateEnabled
}

// TestSaveKeepsIcon checks that saving the settings without choosing a
// file, as a browser sends it (an empty file part), keeps the icon, and
// that "Remove the icon" removes it.
func TestSaveKeepsIcon(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	id, _ := b.channel(b.provider("Shop"), "Shop")
	ch, err := e.srv.Store().Channel(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Shop"}, "country": {"JP"}, "bot_user_id": {ch.BotUserID},
		"flexible": {"on"}}
	if p := b.upload("/console/channels/"+id, form, pngIcon(t)); p.status != http.StatusSeeOther {
		t.Fatalf("save with an icon: status %d", p.status)
	}

	if p := b.upload("/console/channels/"+id, form, []byte{}); p.status != http.StatusSeeOther {
		t.Fatalf("save without choosing a file: status %d", p.status)
	}
	if p := b.get("/console/channels/" + id + "/icon"); p.status != http.StatusOK {
		t.Errorf("icon after a save without a file: status %d, want 200", p.status)
	}

	form.Set("remove_icon", "on")
	if p := b.upload("/console/channels/"+id, form, nil); p.status != http.StatusSeeOther {
		t.Fatalf("save with Remove the icon: status %d", p.status)
	}
	if p := b.get("/console/channels/" + id + "/icon"); p.status != http.StatusNotFound {
		t.Errorf("icon after removing it: status %d, want 404", p.status)
	}
}

// TestRenameAndDeleteProvider checks that a provider is renamed, that one
// with a channel cannot be deleted, and that an empty one can.
func TestRenameAndDeleteProvider(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	shop := b.provider("Shop")
	b.channel(shop, "Shop channel")

	want(t, "rename to nothing", b.post("/console/providers/"+shop+"/name",
		url.Values{"name": {" "}}), http.StatusBadRequest, `id="rename-error"`)
	if p := b.post("/console/providers/"+shop+"/name",
		url.Values{"name": {"Shop & Co"}}); p.status != http.StatusSeeOther {
		t.Fatalf("rename: status %d", p.status)
	}
	want(t, "home", b.get("/console/?done=renamed"), http.StatusOK, "<h2>Shop &amp; Co</h2>")
	want(t, "a second provider of the name", b.post("/console/providers",
		url.Values{"name": {"SHOP & CO"}}), http.StatusBadRequest,
		"Another provider has this name.")

	want(t, "delete with a channel", b.post("/console/providers/"+shop+"/delete",
		url.Values{}), http.StatusConflict, "still has channels")

	empty := b.provider("Empty")
	if p := b.post("/console/providers/"+empty+"/delete",
		url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("delete an empty provider: status %d", p.status)
	}
	if home := b.get("/console/"); strings.Contains(home.body, "<h2>Empty</h2>") {
		t.Error("the deleted provider is still listed")
	}
}

// TestMoveChannel checks that a channel moves to another provider, or to
// none, and that a provider that does not exist is refused.
func TestMoveChannel(t *testing.T) {
	t.Parallel()

	e := setup(t)
	b := e.loggedIn()
	first := b.provider("First")
	second := b.provider("Second")
	id, _ := b.channel(first, "Shop")
	ch, err := e.srv.Store().Channel(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Shop"}, "country": {"JP"}, "bot_user_id": {ch.BotUserID},
		"flexible": {"on"}}

	steps := []struct{ provider, want string }{{second, second}, {"0", "0"}, {first, first}}
	for _, s := range steps {
		form.Set("provider", s.provider)
		if p := b.upload("/console/channels/"+id, form, nil); p.status != http.StatusSeeOther {
			t.Fatalf("move to %s: status %d", s.provider, p.status)
		}
		ch, err := e.srv.Store().Channel(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got := strconv.FormatInt(ch.ProviderID, 10); got != s.want {
			t.Errorf("after moving to %s the provider is %s", s.provider, got)
		}
	}

	form.Set("provider", "999999")
	want(t, "move to an unknown provider", b.upload("/console/channels/"+id, form, nil),
		http.StatusBadRequest, `id="provider-error"`)
}
