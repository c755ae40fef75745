package render

import (
	"html"
	"slices"
	"strings"
	"testing"
)

// words is the Text the tests render with: capitalised labels, so that a
// label is told apart from a key, and the key itself for unknown keys.
func words(key string) string {
	labels := map[string]string{
		"sticker": "Sticker", "image": "Image", "video": "Video",
		"location": "Location", "unsupported": "Unsupported message",
		"invalid": "Unreadable message", "map": "Map",
		"templateFooter": "Sent to your number", "channel": "Official account",
	}
	if s, ok := labels[key]; ok {
		return s
	}

	return key
}

// render renders raw with words.
func render(raw string) string {
	return string(Message([]byte(raw), words))
}

// The elements and attributes the renderer may write; anything else in its
// output came from a message.
var (
	allowedTags = []string{"div", "span", "a", "button", "article", "header", "footer",
		"h3", "p", "dl", "dt", "dd"}
	allowedAttrs = []string{
		"class", "style", "href", "target", "rel", "role", "title", "aria-label",
		"type", "disabled", "dir", "aria-hidden",
	}
	// fixedAttrs are attributes whose values are constants.
	fixedAttrs = map[string][]string{
		"target":      {"_blank"},
		"rel":         {"noopener noreferrer nofollow"},
		"role":        {"img", "group"},
		"type":        {"button"},
		"disabled":    {"disabled"},
		"dir":         {"ltr", "rtl"},
		"aria-hidden": {"true"},
	}
	allowedProps = []string{
		"flex", "position", "margin-top", "margin-inline-start", "top", "bottom",
		"inset-inline-start", "inset-inline-end", "background-color",
		"background-image", "border-style", "border-width", "border-color",
		"border-radius", "overflow", "width", "max-width", "height", "max-height",
		"padding", "padding-top", "padding-bottom", "padding-inline-start",
		"padding-inline-end", "justify-content", "align-items", "align-self",
		"text-align", "line-height", "font-size", "color", "font-weight",
		"font-style", "text-decoration", "-webkit-line-clamp", "line-clamp",
		"aspect-ratio",
	}
	allowedFuncs = []string{"rgba", "calc", "linear-gradient"}
)

// dangers are substrings that must never be markup: they may appear only
// as escaped text, in the text of an element or in a title or aria-label.
var dangers = []string{"<script", "javascript:", "onmouseover", "expression("}

// checkMarkup fails t unless out is one well-formed element made only of
// the renderer's own elements and attributes, with safe links and styles
// and no dangerous substring anywhere but in text.
func checkMarkup(t testing.TB, out string) {
	t.Helper()
	if out == "" {
		t.Fatal("empty fragment")
	}

	m := &markup{}
	if err := m.scan(out); err != "" {
		t.Fatalf("%s in\n%s", err, out)
	}
	for _, d := range dangers {
		if strings.Contains(strings.ToLower(m.code.String()), d) {
			t.Fatalf("%q is markup in\n%s", d, out)
		}
	}
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("<script in\n%s", out)
	}
}

// markup is a small scanner for the renderer's output, which has no void
// elements, no comments and only double-quoted, escaped attribute values.
type markup struct {
	open  []string        // elements open at this point
	roots int             // top-level elements seen
	code  strings.Builder // tag names, attribute names, styles, classes
}

// scan walks out, returning what is wrong with it, or "".
func (m *markup) scan(out string) string {
	for out != "" {
		i := strings.IndexByte(out, '<')
		if i < 0 {
			i = len(out)
		}
		if err := m.chars(out[:i]); err != "" {
			return err
		}
		if i == len(out) {
			break
		}

		j := strings.IndexByte(out[i:], '>')
		if j < 0 {
			return "unterminated tag"
		}
		if err := m.tag(out[i+1 : i+j]); err != "" {
			return err
		}
		out = out[i+j+1:]
	}

	if len(m.open) > 0 || m.roots != 1 {
		return "not one closed element"
	}

	return ""
}

// chars checks character data: outside any element there must be none, and
// every & must start an entity that html.EscapeString writes.
func (m *markup) chars(s string) string {
	if s != "" && len(m.open) == 0 {
		return "text outside the fragment's element"
	}
	if strings.ContainsAny(s, `>"'`) {
		return "unescaped character in text"
	}

	for i := strings.IndexByte(s, '&'); i >= 0; i = strings.IndexByte(s, '&') {
		s = s[i:]
		ok := slices.ContainsFunc([]string{"&lt;", "&gt;", "&amp;", "&#39;", "&#34;"},
			func(e string) bool { return strings.HasPrefix(s, e) })
		if !ok {
			return "bad entity in text"
		}
		s = s[1:]
	}

	return ""
}

// tag checks one start or end tag, given without its angle brackets.
func (m *markup) tag(s string) string {
	if name, ok := strings.CutPrefix(s, "/"); ok {
		if len(m.open) == 0 || m.open[len(m.open)-1] != name {
			return "mismatched end tag " + name
		}
		m.open = m.open[:len(m.open)-1]
		return ""
	}

	name, attrs, _ := strings.Cut(s, " ")
	if !slices.Contains(allowedTags, name) {
		return "element " + name
	}
	if (name == "a" || name == "button") && m.inControl() {
		return "a control inside a control"
	}
	if len(m.open) == 0 {
		m.roots++
	}
	m.open = append(m.open, name)
	m.code.WriteString(name + " ")

	return m.attrs(attrs)
}

// inControl reports whether a link or a button is open.
func (m *markup) inControl() bool {
	return slices.Contains(m.open, "a") || slices.Contains(m.open, "button")
}

// attrs checks the attributes of a start tag.
func (m *markup) attrs(s string) string {
	for s != "" {
		name, rest, ok := strings.Cut(s, `="`)
		value, after, closed := strings.Cut(rest, `"`)
		if !ok || !closed || !slices.Contains(allowedAttrs, name) {
			return "attribute " + s
		}
		if err := m.attr(name, html.UnescapeString(value)); err != "" {
			return err
		}
		s = strings.TrimPrefix(after, " ")
	}

	return ""
}

// attr checks the value of one attribute.
func (m *markup) attr(name, value string) string {
	m.code.WriteString(name + " ")
	if fixed, ok := fixedAttrs[name]; ok && !slices.Contains(fixed, value) {
		return name + "=" + value
	}

	switch name {
	case "class":
		m.code.WriteString(value + " ")
		return checkClass(value)
	case "href":
		// Past its scheme an href is data: a quote in it is escaped twice,
		// by the URL and by the attribute.
		return checkHref(value)
	case "style":
		m.code.WriteString(value + " ")
		return checkStyle(value)
	}

	return ""
}

func checkClass(value string) string {
	for _, c := range strings.Fields(value) {
		if !strings.HasPrefix(c, "m-") || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz-") != "" {
			return "class " + c
		}
	}

	return ""
}

func checkHref(value string) string {
	for _, prefix := range []string{"https://", "http://", "tel:"} {
		if strings.HasPrefix(strings.ToLower(value), prefix) {
			return ""
		}
	}

	return "href " + value
}

// checkStyle accepts declarations of known properties whose values use only
// the characters and functions the renderer writes.
func checkStyle(value string) string {
	for _, decl := range strings.Split(value, ";") {
		prop, v, _ := strings.Cut(decl, ":")
		if !slices.Contains(allowedProps, prop) || v == "" {
			return "style property " + decl
		}
		if strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789#.,%()+-/ ") != "" {
			return "style value " + decl
		}
		if err := checkFuncs(v); err != "" {
			return err
		}
	}

	return ""
}

// checkFuncs accepts a CSS value whose functions are all allowed.
func checkFuncs(v string) string {
	for {
		i := strings.IndexByte(v, '(')
		if i < 0 {
			return ""
		}
		fields := strings.FieldsFunc(v[:i], func(r rune) bool {
			return r == ' ' || r == ',' || r == '('
		})
		if len(fields) == 0 || !slices.Contains(allowedFuncs, fields[len(fields)-1]) {
			return "style function in " + v
		}
		v = v[i+1:]
	}
}
