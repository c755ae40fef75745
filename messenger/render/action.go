package render

import (
	"net/url"
	"strings"
)

// action writes an action as a button-looking element with the classes
// given: a link when it is a uri action to a web page or a phone number,
// otherwise a disabled button, since pnpd does not send postbacks (or act
// on any other action) yet. st styles the element.
func (w *writer) action(a object, st style, classes ...string) {
	label := a.text("label")
	if label == "" {
		// A button without a label would collapse; LINE requires one.
		label = "\u00a0"
	}

	href, ok := link(a.text("uri"))
	if a.text("type") != "uri" || !ok {
		w.element("button", label, class(classes...), attr{"type", "button"},
			attr{"disabled", "disabled"}, st.attr())
		return
	}

	w.element("a", label, class(classes...), attr{"href", href},
		attr{"target", "_blank"}, attr{"rel", "noopener noreferrer nofollow"}, st.attr())
}

// maxLink bounds the links written: LINE's longest URI, 1,000 UTF-16
// units, is at most 4,000 bytes of UTF-8.
const maxLink = 4000

// link returns s as an href when it is an absolute http or https URL with a
// host, or a tel URI. The URL is written back from its parsed form.
func link(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || len(s) > maxLink || u.User != nil {
		return "", false
	}

	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		ok := u.Host != "" && u.Opaque == ""
		return u.String(), ok
	case "tel":
		ok := u.Opaque != "" && u.Host == "" && !strings.ContainsAny(u.Opaque, "/\\")
		return u.String(), ok
	}

	return "", false
}
