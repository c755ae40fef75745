package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBrowserTemplateNotification: a business sends a template notification
// over plain HTTP (no Go SDK has the endpoint yet); the person, who has
// agreed, reads it in the channel's chat as LINE lays the template out: the
// catalogue's title and labels around the business's content, the
// emphasized item large, buttons that open the business's pages. The
// webhook reports the delivery tag, and the catalogue page shows the same
// template through the same renderer.
func TestBrowserTemplateNotification(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	emi := phoneUser{"Emi", "090-1234-0007"}
	w.signUp(emi)
	w.agreeInSettings()

	tag := "shipment-order-1234567"
	w.pushTemplate(emi, tag, `{"to":"`+emi.hash()+`","templateKey":"shipment_completed_ja",`+
		`"body":{"emphasizedItem":{"itemKey":"date_002_ja","content":"12月5日(土)"},`+
		`"items":[{"itemKey":"time_range_001_ja","content":"午前中"},`+
		`{"itemKey":"number_001_ja","content":"1234567"},`+
		`{"itemKey":"price_001_ja","content":"12,000円"},`+
		`{"itemKey":"name_010_ja","content":"ノート A5 <方眼> 3冊"}],`+
		`"buttons":[{"buttonKey":"check_delivery_status_ja",`+
		`"url":"https://example.com/track?order=1234567"},`+
		`{"buttonKey":"contact_ja","url":"https://example.com/contact"}]}}`)

	w.open("/chats")
	w.waitVisible(`a.chat[data-chat-id="` + w.creds.ChannelID + `"]`)
	if got := w.text(`a.chat[data-chat-id="` + w.creds.ChannelID + `"]`); !strings.Contains(
		got, "商品発送のお知らせ") {
		t.Errorf("the chat list previews the notification as %q, want its title", got)
	}
	w.openChat(w.creds.ChannelID)
	w.waitVisible(".bubble.message .m-tn")
	w.assertTemplate()
	w.docShot("template-delivered", "template-delivered")
	w.hook.waitFor(t, tag, 10*time.Second)

	w.resize(1280, 900, 1)
	w.open("/templates?country=JP&lang=en#shipment_completed_ja")
	w.waitVisible("#shipment_completed_ja .m-tn")
	if got := w.text("#shipment_completed_ja .m-tn-title"); got != "商品発送のお知らせ" {
		t.Errorf("the catalogue page shows the title %q", got)
	}
	w.viewShot("template-catalogue", "template-catalogue")
}

// pushTemplate sends a template notification over plain HTTP, as a client
// without SDK support does, and expects 202 {}.
func (w *browserWorld) pushTemplate(u phoneUser, tag, body string) {
	w.t.Helper()

	req, err := http.NewRequest(http.MethodPost,
		w.sb.url+"/v2/bot/message/pnp/templated/push", bytes.NewReader([]byte(body)))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.creds.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Line-Delivery-Tag", tag)

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("template notification to %s: %v", u.name, err)
	}
	defer resp.Body.Close()

	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil ||
		resp.StatusCode != http.StatusAccepted || len(answer) != 0 {
		w.t.Fatalf("template notification to %s: %d %v (%v), want 202 {}", u.name,
			resp.StatusCode, answer, err)
	}
}

// templateShown is a template notification as the chat page shows it.
type templateShown struct {
	Label      string     `json:"label"`
	Channel    string     `json:"channel"`
	Title      string     `json:"title"`
	Emphasized []string   `json:"emphasized"`
	Rows       [][]string `json:"rows"`
	Buttons    [][]string `json:"buttons"`
	Footer     string     `json:"footer"`
}

// assertTemplate checks the one template notification in the chat.
func (w *browserWorld) assertTemplate() {
	w.t.Helper()

	got := eval[[]templateShown](w.tab, `[...document.querySelectorAll(".bubble.message")]
		.map((b) => { const q = (s) => b.querySelector(s)?.innerText ?? "";
			return {label: q(".label"), channel: q(".m-tn-channel"), title: q(".m-tn-title"),
				emphasized: [q(".m-tn-emph-label"), q(".m-tn-emph-value")],
				rows: [...b.querySelectorAll(".m-tn-row")].map((r) =>
					[r.querySelector("dt").innerText, r.querySelector("dd").innerText]),
				buttons: [...b.querySelectorAll("a.m-tn-button")].map((a) =>
					[a.innerText, a.getAttribute("href")]),
				footer: q(".m-tn-foot")}; })`)
	if len(got) != 1 {
		w.t.Fatalf("the chat shows %d messages, want 1: %+v", len(got), got)
	}

	m := got[0]
	want := templateShown{Label: "Important notification", Channel: "Parcel Co",
		Title: "商品発送のお知らせ", Emphasized: []string{"お届け予定日", "12月5日(土)"},
		Footer: "This notification was sent to the phone number of your account."}
	if m.Label != want.Label || m.Channel != want.Channel || m.Title != want.Title ||
		strings.Join(m.Emphasized, "|") != strings.Join(want.Emphasized, "|") ||
		m.Footer != want.Footer {
		w.t.Errorf("the notification shows %+v, want %+v", m, want)
	}
	if len(m.Rows) != 4 || m.Rows[3][1] != "ノート A5 <方眼> 3冊" || m.Rows[2][1] != "12,000円" {
		w.t.Errorf("rows = %q", m.Rows)
	}
	if len(m.Buttons) != 2 || m.Buttons[0][1] != "https://example.com/track?order=1234567" ||
		m.Buttons[1][0] == "" {
		w.t.Errorf("buttons = %q", m.Buttons)
	}
	page := eval[string](w.tab, `document.body.innerText`)
	for _, key := range []string{"shipment_completed_ja", "date_002_ja", "contact_ja"} {
		if strings.Contains(page, key) {
			w.t.Errorf("the chat shows the catalogue key %s", key)
		}
	}
}
