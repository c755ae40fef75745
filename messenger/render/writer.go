package render

import (
	"html"
	"strings"
)

// attr is one attribute of a start tag. Its name is always a constant of
// this package; its value may come from a message and is escaped on output.
type attr struct{ name, value string }

// class returns a class attribute; the names passed are constants.
func class(names ...string) attr {
	return attr{"class", strings.Join(names, " ")}
}

// writer builds the fragment for one message. It writes markup only from
// the package's own constants and escapes every value that reaches it.
type writer struct {
	b     strings.Builder
	label func(key string) string
	left  int  // components that may still be rendered
	cut   bool // the placeholder for dropped components has been written
	// channel names the sender, for the parts of a message that show it.
	channel string
}

// open writes a start tag. Attributes with an empty value are left out.
func (w *writer) open(tag string, attrs ...attr) {
	w.b.WriteString("<" + tag)
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		w.b.WriteString(" " + a.name + `="` + escape(a.value) + `"`)
	}
	w.b.WriteString(">")
}

// close writes an end tag.
func (w *writer) close(tag string) {
	w.b.WriteString("</" + tag + ">")
}

// text writes s as character data.
func (w *writer) text(s string) {
	w.b.WriteString(escape(s))
}

// escape escapes s for HTML. A NUL, which HTML does not allow in a page,
// becomes U+FFFD, as a browser would show it.
func escape(s string) string {
	return html.EscapeString(strings.ReplaceAll(s, "\x00", "\uFFFD"))
}

// element writes a whole element holding the text s.
func (w *writer) element(tag, s string, attrs ...attr) {
	w.open(tag, attrs...)
	w.text(s)
	w.close(tag)
}

// placeholder writes a labelled stand-in for a part that cannot be shown;
// key is one of the Text keys.
func (w *writer) placeholder(key string) {
	w.element("span", w.label(key), class("m-placeholder", "m-ph-"+key))
}

// spend takes one component from the budget. When the budget runs out it
// writes one placeholder, so that a reader sees that something is missing.
func (w *writer) spend() bool {
	if w.left > 0 {
		w.left--
		return true
	}

	if !w.cut {
		w.cut = true
		w.placeholder("unsupported")
	}

	return false
}
