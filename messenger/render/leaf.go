package render

import "encoding/json"

// textComponent writes a Flex text: its spans when it has any, else its
// text. Unless it wraps, it stays on one line and ends in an ellipsis.
func (w *writer) textComponent(c object, p place) {
	st := p.item(c, p.grow())
	st.set("align-self", p.gravity(c))
	st.set("text-align", textAligns[c.text("align")])
	st.set("line-height", lineHeight(c.text("lineSpacing")))
	fontLook(&st, c)

	classes := []string{"m-txt", "m-nowrap"}
	if wrap, _ := c.flag("wrap"); wrap {
		classes[1] = "m-wrap"
		if n, ok := c.integer("maxLines", maxLines); ok && n > 0 {
			classes = append(classes, "m-clamp")
			st.set("-webkit-line-clamp", css(itoa(n)))
			st.set("line-clamp", css(itoa(n)))
		}
	}

	w.open("div", class(classes...), st.attr())
	if spans, _ := c.list("contents"); len(spans) > 0 {
		w.spans(spans)
	} else {
		w.text(c.text("text"))
	}
	w.close("div")
}

// lineHeight turns LINE's lineSpacing, the space added between lines, into
// a CSS line height.
func lineHeight(s string) css {
	if v := pixels(s); v != "" {
		return "calc(1.4em + " + v + ")"
	}

	return ""
}

// fontLook adds the font properties shared by texts and spans to st.
func fontLook(st *style, c object) {
	st.set("font-size", fontSize(c.text("size")))
	st.set("color", colour(c.text("color")))
	st.set("font-weight", weights[c.text("weight")])
	st.set("font-style", fontStyles[c.text("style")])
	st.set("text-decoration", decorations[c.text("decoration")])
}

// spans writes the spans of a text.
func (w *writer) spans(items []json.RawMessage) {
	for _, raw := range items {
		s, ok := decode(raw)
		switch {
		case !w.spend():
		case !ok || s.text("type") != "span":
			w.placeholder("invalid")
		default:
			var st style
			fontLook(&st, s)
			w.element("span", s.text("text"), class("m-span"), st.attr())
		}
	}
}

// button writes a Flex button in one of LINE's three styles: primary (a
// green fill), secondary (a grey fill) or link (coloured text, the default).
func (w *writer) button(c object, p place) {
	kind := c.text("style")
	if kind != "primary" && kind != "secondary" {
		kind = "link"
	}
	height := "md"
	if c.text("height") == "sm" {
		height = "sm"
	}

	st := p.item(c, p.grow())
	st.set("align-self", p.gravity(c))
	if kind == "link" {
		st.set("color", colour(c.text("color")))
	} else {
		st.set("background-color", colour(c.text("color")))
	}

	a, _ := c.object("action")
	w.action(a, st, "m-btn", "m-btn-"+kind, "m-btn-"+height)
}

// image writes a Flex image as a placeholder of the image's size and shape,
// aligned in the slot its parent gives it.
func (w *writer) image(c object, p place) {
	st := p.item(c, p.grow())
	st.set("justify-content", alignments[c.text("align")])
	st.set("align-items", gravities[c.text("gravity")])

	w.open("div", class("m-img-slot"), st.attr())
	w.picture(c, "image", imageSize(c.text("size")))
	w.close("div")
}

// video writes the placeholder of a hero video, as wide as the bubble.
func (w *writer) video(c object) {
	w.open("div", class("m-img-slot"))
	w.picture(c, "video", "100%")
	w.close("div")
}

// picture writes a labelled placeholder of width size (LINE's md, 100px,
// when empty) in c's aspect ratio (1:1 when it has none).
func (w *writer) picture(c object, key string, size css) {
	if size == "" {
		size = imageSizes["md"]
	}
	shape := ratio(c.text("aspectRatio"))
	if shape == "" {
		shape = "1 / 1"
	}

	var st style
	st.set("width", size)
	st.set("aspect-ratio", shape)
	st.set("background-color", colour(c.text("backgroundColor")))

	label := w.label(key)
	w.open("div", class("m-img"), attr{"role", "img"}, attr{"aria-label", label},
		st.attr())
	w.element("span", label, class("m-img-label"))
	w.close("div")
}

// icon writes an icon as a small placeholder as tall as a text of its size
// (LINE's md when it has none), standing on the baseline of its row.
func (w *writer) icon(c object, p place) {
	size := fontSize(c.text("size"))
	if size == "" {
		size = fontSizes["md"]
	}
	shape := ratio(c.text("aspectRatio"))
	if shape == "" {
		shape = "1 / 1"
	}

	st := p.item(c, -1)
	st.set("height", size)
	st.set("aspect-ratio", shape)

	label := w.label("image")
	w.element("span", "", class("m-icon"), attr{"role", "img"},
		attr{"aria-label", label}, st.attr())
}

// separator writes a line across a column or down a row.
func (w *writer) separator(c object, p place) {
	st := p.item(c, -1)
	st.set("border-color", colour(c.text("color")))
	w.element("div", "", class("m-sep"), st.attr())
}

// filler writes empty space that takes its share of the box, like LINE's
// filler, whose flex is 1 unless it says otherwise.
func (w *writer) filler(c object, p place) {
	st := p.item(c, 1)
	w.element("div", "", class("m-fill"), st.attr())
}
