package render

import "encoding/json"

// place is where a component sits: what kind of box holds it and whether
// another component comes before it there.
type place struct {
	root     bool // the component is a block's own box or image
	row      bool // the parent box lays out in a row (horizontal, baseline)
	baseline bool // the row aligns its components on their text baseline
	depth    int  // boxes around the component
	first    bool // no component in the flow of the parent comes before it
	spacing  css  // the parent's spacing
}

// Limits on a component's integer properties; LINE sets none.
const (
	maxFlex  = 100000
	maxLines = 1000
)

// component writes one component of a box. It reports whether the
// component takes part in the flow of its parent, which an absolutely
// positioned one does not.
func (w *writer) component(raw json.RawMessage, p place) bool {
	if !w.spend() {
		return false
	}

	c, ok := decode(raw)
	if !ok {
		w.placeholder("invalid")
		return true
	}

	switch c.text("type") {
	case "box":
		w.box(c, p)
	case "text":
		w.textComponent(c, p)
	case "button":
		w.button(c, p)
	case "image":
		w.image(c, p)
	case "icon":
		w.icon(c, p)
	case "separator":
		w.separator(c, p)
	case "filler":
		w.filler(c, p)
	case "video":
		w.placeholder("video")
	case "":
		w.placeholder("invalid")
	default:
		w.placeholder("unsupported")
	}

	return c.text("position") != "absolute"
}

// grow is the flex value LINE gives a component that sets none: 1 in a
// horizontal or baseline box, 0 in a vertical one. A block's own box fills
// the block.
func (p place) grow() int {
	if p.row || p.root {
		return 1
	}

	return 0
}

// item returns the style that places c in its parent: its share of the
// parent's main axis, the space before it and its offsets. grow is the
// flex value when c sets none; -1 keeps the component at its own size.
func (p place) item(c object, grow int) style {
	var st style
	if g, ok := c.integer("flex", maxFlex); ok && grow >= 0 {
		grow = g
	}
	st.set("flex", p.flex(grow))

	if c.text("position") == "absolute" {
		st.set("position", "absolute")
	} else {
		st.set(p.marginSide(), p.margin(c))
	}
	st.set("top", offset(c.text("offsetTop")))
	st.set("bottom", offset(c.text("offsetBottom")))
	st.set("inset-inline-start", offset(c.text("offsetStart")))
	st.set("inset-inline-end", offset(c.text("offsetEnd")))

	return st
}

// flex writes a flex value as CSS. In a row the value shares out the box's
// width from nothing, so that flex 2 is twice as wide as flex 1; in a
// column it shares out the height left over, as LINE describes.
func (p place) flex(grow int) css {
	switch {
	case grow <= 0:
		return "0 0 auto"
	case p.row:
		return css(itoa(grow) + " 0 0px")
	}

	return css(itoa(grow) + " 0 auto")
}

// marginSide is the side on which the space before a component goes.
func (p place) marginSide() string {
	if p.row {
		return "margin-inline-start"
	}

	return "margin-top"
}

// margin is the space before c: its own margin, which LINE puts before the
// parent's spacing, or else the spacing when c is not the first component.
func (p place) margin(c object) css {
	if m := spacing(c.text("margin")); m != "" {
		return m
	}
	if p.first {
		return ""
	}

	return p.spacing
}

// gravity aligns c across its row; in a baseline box, or in a column, LINE
// ignores it or it has nothing to move.
func (p place) gravity(c object) css {
	if !p.row || p.baseline {
		return ""
	}

	return gravities[c.text("gravity")]
}
