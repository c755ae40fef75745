package render

import (
	"encoding/json"
	"html/template"
	"strings"
)

// NotificationTemplate is the message type pnpd stores a template
// notification as (package pnptemplate fills it in); LINE's API has no
// message of this type.
const NotificationTemplate = "notificationTemplate"

// Limits of a template notification, as LINE's API enforces them; more
// than these are not rendered.
const (
	maxTemplateItems   = 15
	maxTemplateButtons = 2
)

// MessageFrom renders a message object as Message does, naming the channel
// it comes from where the message shows its sender: the fixed header of a
// template notification.
func MessageFrom(raw json.RawMessage, channel string, t Text) (out template.HTML) {
	defer func() {
		if recover() != nil {
			out = template.HTML(failed(t))
		}
	}()

	return template.HTML(fragmentFrom(raw, channel, t))
}

// templateNotification renders a filled template notification the way
// LINE lays its template type out: a fixed header naming the channel; the
// template's title and description; the emphasized item large; the items
// as label and value rows; up to two buttons; and a fixed footer.
func (w *writer) templateNotification(o object) {
	title, ok := o.str("title")
	if !ok || title == "" {
		w.unreadable("invalid")
		return
	}

	w.open("article", class("m-msg", "m-tn"))
	w.notificationHeader()
	w.open("div", class("m-tn-body"))
	w.element("h3", title, class("m-tn-title"))
	if d := o.text("description"); d != "" {
		w.element("p", d, class("m-tn-desc"))
	}
	if e, ok := o.object("emphasizedItem"); ok {
		w.emphasized(e)
	}
	w.notificationItems(o)
	w.close("div")
	w.notificationButtons(o)
	w.element("footer", w.label("templateFooter"), class("m-tn-foot"))
	w.close("article")
}

// notificationHeader names the channel beside an icon with its initial.
func (w *writer) notificationHeader() {
	name := w.channel
	if name == "" {
		name = w.label("channel")
	}

	w.open("header", class("m-tn-head"))
	w.element("span", initial(name), class("m-tn-icon"), attr{"aria-hidden", "true"})
	w.element("span", name, class("m-tn-channel"))
	w.close("header")
}

func (w *writer) emphasized(e object) {
	w.open("div", class("m-tn-emph"))
	w.element("div", e.text("label"), class("m-tn-emph-label"))
	w.element("div", e.text("content"), class("m-tn-emph-value"))
	w.close("div")
}

func (w *writer) notificationItems(o object) {
	items, _ := o.list("items")
	if len(items) == 0 {
		return
	}

	w.open("dl", class("m-tn-items"))
	for _, raw := range items[:min(len(items), maxTemplateItems)] {
		it, ok := decode(raw)
		if !ok || !w.spend() {
			continue
		}
		w.open("div", class("m-tn-row"))
		w.element("dt", it.text("label"))
		w.element("dd", it.text("content"))
		w.close("div")
	}
	w.close("dl")
}

// notificationButtons writes the buttons as links; a button whose URL is
// not a web page is shown disabled, never as a link.
func (w *writer) notificationButtons(o object) {
	buttons, _ := o.list("buttons")
	if len(buttons) == 0 {
		return
	}

	w.open("div", class("m-tn-buttons"))
	for _, raw := range buttons[:min(len(buttons), maxTemplateButtons)] {
		b, ok := decode(raw)
		if !ok || !w.spend() {
			continue
		}
		a := object{"type": json.RawMessage(`"uri"`), "label": b["label"]}
		if webPage(b.text("url")) {
			a["uri"] = b["url"]
		}
		w.action(a, style{}, "m-tn-button")
	}
	w.close("div")
}

// webPage reports whether s is a link to a web page: the only links a
// template notification's buttons may have.
func webPage(s string) bool {
	_, ok := link(s)
	scheme, _, _ := strings.Cut(s, ":")

	return ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https"))
}

// initial is the first character of a name, for an icon.
func initial(name string) string {
	for _, r := range name {
		return string(r)
	}

	return "?"
}
