package render

import (
	"strings"
	"unicode/utf16"
)

// textMessage renders a text message, with its LINE emoji in place of the $
// placeholders that the emojis array points at.
func (w *writer) textMessage(o object) {
	s, ok := o.str("text")
	if !ok {
		w.unreadable("invalid")
		return
	}

	w.open("div", class("m-msg", "m-text"))
	w.emojiText(s, w.emojiIndex(o))
	w.close("div")
}

// emojiIndex maps the UTF-16 index of each $ placeholder that emojis names
// to its emoji; entries that do not point at a $ are ignored.
func (w *writer) emojiIndex(o object) map[int]object {
	items, _ := o.list("emojis")
	units := utf16.Encode([]rune(o.text("text")))
	found := map[int]object{}
	for _, raw := range items {
		e, ok := decode(raw)
		i, isIndex := e.integer("index", len(units)-1)
		_, seen := found[i]
		if ok && isIndex && !seen && units[i] == '$' && w.spend() {
			found[i] = e
		}
	}

	return found
}

// emojiText writes s with the emoji at the UTF-16 indexes in emoji. LINE
// counts indexes in UTF-16 code units, so the walk counts them too.
func (w *writer) emojiText(s string, emoji map[int]object) {
	at := 0
	var run strings.Builder
	for _, r := range s {
		if e, ok := emoji[at]; ok && r == '$' {
			w.text(run.String())
			run.Reset()
			w.emoji(e)
		} else {
			run.WriteRune(r)
		}
		at += max(utf16.RuneLen(r), 1)
	}
	w.text(run.String())
}

// emoji writes the placeholder of one LINE emoji. Its image is not loaded:
// pnpd has no copy of LINE's emoji.
func (w *writer) emoji(e object) {
	title := "emoji " + e.text("productId") + "/" + e.text("emojiId")
	w.element("span", "", class("m-emoji"), attr{"role", "img"},
		attr{"title", title}, attr{"aria-label", title})
}

// textV2Message renders a textV2 message: {key} placeholders become their
// substitution, and {{ and }} stand for literal braces.
func (w *writer) textV2Message(o object) {
	s, ok := o.str("text")
	if !ok {
		w.unreadable("invalid")
		return
	}

	w.open("div", class("m-msg", "m-text"))
	w.substitute(s, substitutions(o))
	w.close("div")
}

// substitute writes s with its placeholders replaced. A placeholder without
// a usable substitution, or a brace without a partner, is written as it is.
func (w *writer) substitute(s string, subs map[string]object) {
	var run strings.Builder
	for s != "" {
		if strings.HasPrefix(s, "{{") || strings.HasPrefix(s, "}}") {
			run.WriteByte(s[0])
			s = s[2:]
			continue
		}

		key, rest, isKey := placeholder(s)
		if sub, known := subs[key]; isKey && known && w.spend() {
			w.text(run.String())
			run.Reset()
			w.substitution(sub, s[:len(s)-len(rest)])
			s = rest
			continue
		}

		run.WriteByte(s[0])
		s = s[1:]
	}
	w.text(run.String())
}

// substitutions decodes the substitution object of a textV2 message once,
// keeping the values that are objects.
func substitutions(o object) map[string]object {
	all, _ := o.object("substitution")
	subs := map[string]object{}
	for k := range all {
		if sub, ok := all.object(k); ok {
			subs[k] = sub
		}
	}

	return subs
}

// placeholder reports whether s starts with a {key} placeholder and returns
// its key and what follows it.
func placeholder(s string) (key, rest string, ok bool) {
	if !strings.HasPrefix(s, "{") {
		return "", s, false
	}

	end := strings.IndexAny(s[1:], "{}")
	if end < 0 || s[1+end] != '}' {
		return "", s, false
	}

	return s[1 : 1+end], s[2+end:], true
}

// substitution writes one substituted value; literal is the placeholder as
// written, shown when the substitution is of no known type.
func (w *writer) substitution(sub object, literal string) {
	switch sub.text("type") {
	case "emoji":
		w.emoji(sub)
	case "mention":
		w.element("span", "@"+mentionName(sub), class("m-mention"))
	default:
		w.text(literal)
	}
}

// mentionName names a mentioned user. pnpd knows no LINE display names, so
// a user is named by the ID the channel gave.
func mentionName(sub object) string {
	who, _ := sub.object("mentionee")
	if who.text("type") == "all" {
		return "All"
	}
	if id := who.text("userId"); id != "" {
		return id
	}

	return "?"
}
