// Package render turns one LINE message object, as pnpd's API accepted it,
// into an HTML fragment that shows it in the web messenger the way the LINE
// app shows it: text bubbles, sticker and map placeholders, template cards
// and Flex bubbles and carousels.
//
// Messages come from channels, so every string in them is untrusted. The
// package writes markup only from its own constants: message text is
// HTML-escaped, and a value reaches a style or href attribute only after it
// has matched a strict form (a hex colour, a length from a keyword table or
// in pixels or percent, a URL with an allowed scheme). Images are never
// loaded; they are shown as labelled placeholders. Anything the package does
// not know, or cannot trust, becomes a labelled placeholder too.
//
// Every fragment is one element whose classes start with "m-msg"; the page
// serves Stylesheet once for all of them. The element holding a fragment
// should have a definite width (a block, or a flex item with min-width: 0),
// within which carousels scroll sideways.
package render

import (
	_ "embed" // for Stylesheet
	"encoding/json"
	"html/template"
)

// Text gives the words the renderer shows itself (placeholder labels and a
// template notification's fixed parts), in the viewer's language: keys
// "sticker", "image", "video", "location", "unsupported", "invalid", "map",
// "channel" (a sender without a name) and "templateFooter". Unknown keys
// should fall back to the key itself.
type Text func(key string) string

// Limits that bound the work and the size of one fragment.
const (
	// maxInput is the largest message accepted, in bytes of JSON. LINE's
	// largest message, a Flex carousel, is 50 KB.
	maxInput = 256 << 10
	// maxDepth caps how deeply boxes nest; LINE allows 10 levels.
	maxDepth = 12
	// maxComponents caps the components, columns and actions of a message.
	maxComponents = 2000
)

// Stylesheet is the CSS the fragments need; the page serves it once.
//
//go:embed render.css
var Stylesheet []byte

// Message renders one message object (the JSON LINE's API accepted) as an
// HTML fragment for a chat bubble. It never panics and never returns an
// empty fragment: unknown or invalid parts render as a labelled placeholder.
//
// A bug must cost one bubble, not the whole chat page, so a panic renders
// as a placeholder; the fuzz test calls fragment directly so that such bugs
// still surface there.
func Message(raw json.RawMessage, t Text) template.HTML {
	return MessageFrom(raw, "", t)
}

// fragment renders raw; Message adds only the recovery from panics.
func fragment(raw json.RawMessage, t Text) string {
	return fragmentFrom(raw, "", t)
}

// fragmentFrom renders raw from the named channel.
func fragmentFrom(raw json.RawMessage, channel string, t Text) string {
	w := &writer{label: labeller(t), left: maxComponents, channel: channel}
	w.message(raw)
	return w.b.String()
}

// failed is the fragment for a message whose rendering failed. If t is what
// failed, the label falls back to its key.
func failed(t Text) (out string) {
	defer func() {
		if recover() != nil {
			out = failed(nil)
		}
	}()

	w := &writer{label: labeller(t)}
	w.unreadable("invalid")
	return w.b.String()
}

// labeller wraps t so that a missing function or an empty word falls back
// to the key, which keeps placeholders visible.
func labeller(t Text) func(string) string {
	return func(key string) string {
		if t == nil {
			return key
		}
		if s := t(key); s != "" {
			return s
		}

		return key
	}
}

// message renders one message object of any type.
func (w *writer) message(raw json.RawMessage) {
	if len(raw) > maxInput {
		w.unreadable("invalid")
		return
	}

	o, ok := decode(raw)
	if !ok {
		w.unreadable("invalid")
		return
	}

	typ, _ := o.str("type")
	switch typ {
	case "text":
		w.textMessage(o)
	case "textV2":
		w.textV2Message(o)
	case "sticker":
		w.sticker(o)
	case "location":
		w.location(o)
	case "template":
		w.templateMessage(o)
	case "flex":
		w.flexMessage(o)
	case NotificationTemplate:
		w.templateNotification(o)
	case "image", "video":
		w.unreadable(typ)
	case "":
		w.unreadable("invalid")
	default:
		w.unreadable("unsupported")
	}
}

// unreadable writes a whole fragment that is one placeholder.
func (w *writer) unreadable(key string) {
	w.open("div", class("m-msg", "m-msg-placeholder"))
	w.placeholder(key)
	w.close("div")
}
