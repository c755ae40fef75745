package render

import "strconv"

// layouts gives the classes of each box layout.
var layouts = map[string][]string{
	"horizontal": {"m-box", "m-row"},
	"vertical":   {"m-box", "m-col"},
	"baseline":   {"m-box", "m-row", "m-baseline"},
}

// box writes a box and its components.
func (w *writer) box(c object, p place) {
	layout := c.text("layout")
	classes, ok := layouts[layout]
	switch {
	case !ok:
		w.placeholder("invalid")
		return
	case p.depth >= maxDepth:
		w.placeholder("unsupported")
		return
	}

	grow := p.grow()
	// A box of fixed size along its parent's main axis keeps that size.
	if (p.row && c.text("width") != "") || (!p.row && c.text("height") != "") {
		grow = -1
	}
	st := p.item(c, grow)
	boxLook(&st, c)
	boxSize(&st, c)

	w.open("div", class(classes...), st.attr())
	w.children(c, place{
		row:      layout != "vertical",
		baseline: layout == "baseline",
		depth:    p.depth + 1,
		spacing:  spacing(c.text("spacing")),
	})
	w.close("div")
}

// children writes the components of the box c.
func (w *writer) children(c object, p place) {
	items, _ := c.list("contents")
	p.first = true
	for _, raw := range items {
		if w.component(raw, p) {
			p.first = false
		}
	}
}

// boxLook adds a box's background, border and corners to st.
func boxLook(st *style, c object) {
	st.set("background-color", colour(c.text("backgroundColor")))
	st.set("background-image", gradient(c))
	if width := borderWidth(c.text("borderWidth")); width != "" {
		st.set("border-style", "solid")
		st.set("border-width", width)
	}
	st.set("border-color", colour(c.text("borderColor")))
	if r := spacing(c.text("cornerRadius")); r != "" {
		st.set("border-radius", r)
		st.set("overflow", "hidden")
	}
}

// boxSize adds a box's size, padding and the placement of its components
// to st.
func boxSize(st *style, c object) {
	st.set("width", extent(c.text("width")))
	st.set("max-width", extent(c.text("maxWidth")))
	st.set("height", extent(c.text("height")))
	st.set("max-height", extent(c.text("maxHeight")))
	st.set("padding", padding(c.text("paddingAll")))
	st.set("padding-top", padding(c.text("paddingTop")))
	st.set("padding-bottom", padding(c.text("paddingBottom")))
	st.set("padding-inline-start", padding(c.text("paddingStart")))
	st.set("padding-inline-end", padding(c.text("paddingEnd")))
	st.set("justify-content", justifyContents[c.text("justifyContent")])
	st.set("align-items", alignItems[c.text("alignItems")])
}

// gradient returns a box's linear gradient background, or "" when it has
// none or it is incomplete.
func gradient(c object) css {
	g, _ := c.object("background")
	turn := angle(g.text("angle"))
	start, end := colour(g.text("startColor")), colour(g.text("endColor"))
	if g.text("type") != "linearGradient" || turn == "" || start == "" || end == "" {
		return ""
	}

	stops := start + " 0%, "
	if mid := colour(g.text("centerColor")); mid != "" {
		at := percent(g.text("centerPosition"))
		if at == "" {
			at = "50%"
		}
		stops += mid + " " + at + ", "
	}

	return "linear-gradient(" + turn + ", " + stops + end + " 100%)"
}

// itoa writes an integer for CSS.
func itoa(n int) string { return strconv.Itoa(n) }
