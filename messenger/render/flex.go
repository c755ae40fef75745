package render

import (
	"bytes"
	"encoding/json"
)

// maxBubbles is LINE's limit on the bubbles of a carousel; more are not
// rendered.
const maxBubbles = 12

// bubbleSizes are the sizes a bubble may have; each is a CSS class.
var bubbleSizes = map[string]bool{
	"nano": true, "micro": true, "deca": true, "hecto": true,
	"kilo": true, "mega": true, "giga": true,
}

// blocks are a bubble's blocks in the order they are shown.
var blocks = []string{"header", "hero", "body", "footer"}

// flexMessage renders a Flex message: one bubble, or a carousel of them.
// Its altText is not shown: LINE shows it only where the bubble cannot be.
func (w *writer) flexMessage(o object) {
	c, ok := o.object("contents")
	if !ok {
		w.unreadable("invalid")
		return
	}

	switch c.text("type") {
	case "bubble":
		w.open("div", class("m-msg", "m-flex"))
		w.bubble(c)
		w.close("div")
	case "carousel":
		w.flexCarousel(c)
	case "":
		w.unreadable("invalid")
	default:
		w.unreadable("unsupported")
	}
}

// flexCarousel renders a carousel: its bubbles side by side in a scroller.
func (w *writer) flexCarousel(c object) {
	items, ok := c.list("contents")
	if !ok || len(items) == 0 {
		w.unreadable("invalid")
		return
	}

	w.open("div", class("m-msg", "m-flex", "m-flex-carousel"))
	w.open("div", class("m-scroller"))
	for _, raw := range items[:min(len(items), maxBubbles)] {
		b, ok := decode(raw)
		switch {
		case !w.spend():
		case !ok:
			w.placeholder("invalid")
		case b.text("type") != "bubble":
			w.placeholder("unsupported")
		default:
			w.bubble(b)
		}
	}
	w.close("div")
	w.close("div")
}

// bubble writes one bubble: its width comes from its size, and its blocks
// follow one another with their styles.
func (w *writer) bubble(b object) {
	size := b.text("size")
	if !bubbleSizes[size] {
		size = "mega"
	}
	dir := "ltr"
	if b.text("direction") == "rtl" {
		dir = "rtl"
	}

	styles, _ := b.object("styles")
	w.open("div", class("m-bubble", "m-"+size), attr{"dir", dir})
	above := false
	for _, name := range blocks {
		if !isAbsent(b[name]) {
			st, _ := styles.object(name)
			w.block(name, b[name], st, above)
			above = true
		}
	}
	w.close("div")
}

// isAbsent reports whether a member is missing or null.
func isAbsent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// block writes one block with its style: a background colour and, when it
// is not the first block, a separator above it.
func (w *writer) block(name string, raw json.RawMessage, st object, above bool) {
	if line, _ := st.flag("separator"); line && above {
		var sep style
		sep.set("border-color", colour(st.text("separatorColor")))
		w.element("div", "", class("m-block-sep"), sep.attr())
	}

	var bg style
	bg.set("background-color", colour(st.text("backgroundColor")))
	w.open("div", class("m-block", "m-"+name), bg.attr())
	w.blockContent(name, raw)
	w.close("div")
}

// blockContent writes the component a block holds: a box, or in the hero
// block also an image or a video.
func (w *writer) blockContent(name string, raw json.RawMessage) {
	c, ok := decode(raw)
	root := place{root: true, first: true}
	switch typ := c.text("type"); {
	case !w.spend():
	case !ok || typ == "":
		w.placeholder("invalid")
	case typ == "box":
		w.box(c, root)
	case name == "hero" && typ == "image":
		w.image(c, root)
	case name == "hero" && typ == "video":
		w.video(c)
	default:
		w.placeholder("unsupported")
	}
}
