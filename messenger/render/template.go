package render

import "encoding/json"

// Limits LINE sets on templates; more than these are not rendered.
const (
	maxColumns = 10
	maxActions = 4
)

// templateMessage renders a template message. Its altText is not shown:
// LINE shows it only where the template itself cannot be.
func (w *writer) templateMessage(o object) {
	tpl, ok := o.object("template")
	if !ok {
		w.unreadable("invalid")
		return
	}

	switch tpl.text("type") {
	case "buttons":
		w.open("div", class("m-msg", "m-template"))
		w.card(tpl, tpl.text("imageAspectRatio"), "m-buttons")
		w.close("div")
	case "confirm":
		w.confirm(tpl)
	case "carousel":
		w.templateCarousel(tpl)
	case "image_carousel":
		w.unreadable("image")
	case "":
		w.unreadable("invalid")
	default:
		w.unreadable("unsupported")
	}
}

// card writes a buttons template or a carousel column: an optional image
// placeholder, an optional title, the text and the actions stacked.
// aspect is the template's imageAspectRatio.
func (w *writer) card(c object, aspect, kind string) {
	w.open("div", class("m-card", kind))
	if c.text("thumbnailImageUrl") != "" {
		w.thumbnail(c, aspect)
	}
	w.open("div", class("m-card-body"))
	if title := c.text("title"); title != "" {
		w.element("div", title, class("m-card-title"))
	}
	w.element("div", c.text("text"), class("m-card-text"))
	w.close("div")
	w.actions(c, "m-card-actions")
	w.close("div")
}

// thumbnail writes the placeholder of a card's image, in the shape LINE
// gives it: 1.51:1 for rectangle (the default) and 1:1 for square.
func (w *writer) thumbnail(c object, aspect string) {
	var st style
	st.set("background-color", colour(c.text("imageBackgroundColor")))
	shape := "m-thumb-rect"
	if aspect == "square" {
		shape = "m-thumb-square"
	}

	label := w.label("image")
	w.open("div", class("m-thumb", shape), attr{"role", "img"},
		attr{"aria-label", label}, st.attr())
	w.element("span", label, class("m-img-label"))
	w.close("div")
}

// actions writes the actions of a card in a container with class cls.
func (w *writer) actions(c object, cls string) {
	items, _ := c.list("actions")
	w.open("div", class(cls))
	for _, raw := range items[:min(len(items), maxActions)] {
		a, ok := decode(raw)
		switch {
		case !w.spend():
		case !ok:
			w.placeholder("invalid")
		default:
			w.action(a, nil, "m-action")
		}
	}
	w.close("div")
}

// confirm renders a confirm template: its text above two buttons side by
// side.
func (w *writer) confirm(tpl object) {
	w.open("div", class("m-msg", "m-template"))
	w.open("div", class("m-card", "m-confirm"))
	w.open("div", class("m-card-body"))
	w.element("div", tpl.text("text"), class("m-card-text"))
	w.close("div")
	w.actions(tpl, "m-card-actions m-confirm-actions")
	w.close("div")
	w.close("div")
}

// templateCarousel renders a carousel template: its columns side by side
// in a scroller.
func (w *writer) templateCarousel(tpl object) {
	cols, ok := tpl.list("columns")
	if !ok || len(cols) == 0 {
		w.unreadable("invalid")
		return
	}

	aspect := tpl.text("imageAspectRatio")
	w.open("div", class("m-msg", "m-template", "m-template-carousel"))
	w.open("div", class("m-scroller"))
	for _, raw := range cols[:min(len(cols), maxColumns)] {
		w.column(raw, aspect)
	}
	w.close("div")
	w.close("div")
}

// column writes one column of a carousel template.
func (w *writer) column(raw json.RawMessage, aspect string) {
	c, ok := decode(raw)
	switch {
	case !w.spend():
	case !ok:
		w.placeholder("invalid")
	default:
		w.card(c, aspect, "m-column")
	}
}
