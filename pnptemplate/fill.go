package pnptemplate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/pnpd/pnpd/message"
)

// MessageType is the type of the message object a template notification is
// stored and shown as. It is pnpd's own: a flexible notification cannot
// send it, since message validation knows only LINE's types.
const MessageType = "notificationTemplate"

// Message is a template notification as its recipient sees it: the
// template filled in with the catalogue's words and the business's content.
// It is stored whole when the notification is accepted, so that a later
// change to the catalogue does not change what was sent.
type Message struct {
	Type           string         `json:"type"`
	TemplateKey    string         `json:"templateKey"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	EmphasizedItem *FilledItem    `json:"emphasizedItem,omitempty"`
	Items          []FilledItem   `json:"items,omitempty"`
	Buttons        []FilledButton `json:"buttons,omitempty"`
}

// FilledItem is an item with its label.
type FilledItem struct {
	ItemKey string `json:"itemKey"`
	Label   string `json:"label"`
	Content string `json:"content"`
}

// FilledButton is a button with its label.
type FilledButton struct {
	ButtonKey string `json:"buttonKey"`
	Label     string `json:"label"`
	URL       string `json:"url"`
}

// UnknownTemplateError is Fill's error for a template key that the
// channel's catalogue lacks or that the channel may not use.
type UnknownTemplateError struct {
	Key string
}

func (e *UnknownTemplateError) Error() string {
	return "unknown template key " + e.Key
}

// UnknownKey is an item or button key that the catalogue lacks.
type UnknownKey struct {
	Kind     string // "item" or "button"
	Key      string
	Property string // where the body names it, e.g. body.items[0].itemKey
}

// UnknownKeysError is Fill's error for item and button keys the catalogue
// lacks, in the order the body names them.
type UnknownKeysError struct {
	Keys []UnknownKey
}

func (e *UnknownKeysError) Error() string {
	return fmt.Sprintf("%d unknown item or button key(s)", len(e.Keys))
}

// Fill checks a template notification against a country's catalogue and
// returns the filled message. permitted lists the template keys the channel
// may use; when it is empty, the channel may use all of its country's. The
// body must have passed message.ParseTemplateBody.
func (c *Catalogue) Fill(country string, permitted []string, key string,
	body message.TemplateBody) (*Message, error) {
	set := c.Set(country)
	if set == nil {
		return nil, &UnknownTemplateError{Key: key}
	}

	t, ok := set.Template(key)
	if !ok || len(permitted) > 0 && !slices.Contains(permitted, key) {
		return nil, &UnknownTemplateError{Key: key}
	}

	m := &Message{Type: MessageType, TemplateKey: t.Key, Title: t.Title,
		Description: t.Description}
	f := filler{set: set}
	if body.EmphasizedItem != nil {
		m.EmphasizedItem = f.item(*body.EmphasizedItem, "body.emphasizedItem")
	}
	for i, it := range body.Items {
		if filled := f.item(it, fmt.Sprintf("body.items[%d]", i)); filled != nil {
			m.Items = append(m.Items, *filled)
		}
	}
	for i, bt := range body.Buttons {
		if filled := f.button(bt, fmt.Sprintf("body.buttons[%d]", i)); filled != nil {
			m.Buttons = append(m.Buttons, *filled)
		}
	}

	if len(f.unknown) > 0 {
		return nil, &UnknownKeysError{Keys: f.unknown}
	}

	return m, nil
}

// filler looks keys up and collects the unknown ones.
type filler struct {
	set     *Set
	unknown []UnknownKey
}

func (f *filler) item(it message.TemplateItem, at string) *FilledItem {
	item, ok := f.set.Item(it.ItemKey)
	if !ok {
		f.unknown = append(f.unknown, UnknownKey{"item", it.ItemKey, at + ".itemKey"})
		return nil
	}

	return &FilledItem{ItemKey: item.Key, Label: item.Label, Content: it.Content}
}

func (f *filler) button(bt message.TemplateButton, at string) *FilledButton {
	button, ok := f.set.Button(bt.ButtonKey)
	if !ok {
		f.unknown = append(f.unknown, UnknownKey{"button", bt.ButtonKey, at + ".buttonKey"})
		return nil
	}

	return &FilledButton{ButtonKey: button.Key, Label: button.Label, URL: bt.URL}
}

// JSON encodes the message object as it is stored, with <, > and &
// written as they are.
func (m *Message) JSON() json.RawMessage {
	return encode(m)
}

// requestBody is the JSON form of a body in a request.
type requestBody struct {
	EmphasizedItem *requestItem    `json:"emphasizedItem,omitempty"`
	Items          []requestItem   `json:"items,omitempty"`
	Buttons        []requestButton `json:"buttons,omitempty"`
}

type requestItem struct {
	ItemKey string `json:"itemKey"`
	Content string `json:"content"`
}

type requestButton struct {
	ButtonKey string `json:"buttonKey"`
	URL       string `json:"url"`
}

// BodyJSON writes a body as a request carries it, for examples and samples.
func BodyJSON(b message.TemplateBody) json.RawMessage {
	var out requestBody
	if b.EmphasizedItem != nil {
		out.EmphasizedItem = &requestItem{b.EmphasizedItem.ItemKey, b.EmphasizedItem.Content}
	}
	for _, it := range b.Items {
		out.Items = append(out.Items, requestItem{it.ItemKey, it.Content})
	}
	for _, bt := range b.Buttons {
		out.Buttons = append(out.Buttons, requestButton{bt.ButtonKey, bt.URL})
	}

	return encode(out)
}

// encode writes v as JSON with <, > and & as they are. The values encoded
// here hold only strings, which always encode.
func encode(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return nil
	}

	return bytes.TrimRight(buf.Bytes(), "\n")
}

// webPage reports whether s is an absolute http or https URL with a host.
func webPage(s string) bool {
	u, err := url.Parse(s)
	ok := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""

	return ok && message.UTF16Len(s) <= maxButtonURL
}
