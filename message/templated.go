package message

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Limits LINE documents for the body of a template notification
// (POST /v2/bot/message/pnp/templated/push), in UTF-16 code units.
const (
	maxTemplateItems   = 15
	maxTemplateButtons = 2
	maxEmphasized      = 15
	maxItemContent     = 300
	maxButtonURL       = 1000
)

// TemplateBody is the body member of a template notification request: the
// content a business fills a template with. Keys are not yet checked
// against any catalogue.
type TemplateBody struct {
	EmphasizedItem *TemplateItem
	Items          []TemplateItem
	Buttons        []TemplateButton
}

// TemplateItem is one item: a catalogue key that fixes its label, and the
// value shown beside it.
type TemplateItem struct {
	ItemKey string
	Content string
}

// TemplateButton is one button: a catalogue key that fixes its label, and
// the page it opens.
type TemplateButton struct {
	ButtonKey string
	URL       string
}

var (
	emphasizedItemRules = []rule{
		{"itemKey", true, text(0)},
		{"content", true, text(maxEmphasized)},
	}
	templateItemRules = []rule{
		{"itemKey", true, text(0)},
		{"content", true, text(maxItemContent)},
	}
	templateButtonRules = []rule{
		{"buttonKey", true, text(0)},
		{"url", true, webURL(maxButtonURL)},
	}
	templateBodyRules = []rule{
		{"emphasizedItem", false, nested(emphasizedItemRules)},
		{"items", false, array(0, maxTemplateItems, nested(templateItemRules))},
		{"buttons", false, array(0, maxTemplateButtons, nested(templateButtonRules))},
	}
)

// ParseTemplateBody checks the raw JSON value of a template notification's
// body member (nil when absent) and, when it is valid, returns its content.
// Problems carry request-body paths such as "body.items[0].content"; a key
// used twice is reported once, where it first appears. Members are read
// case-sensitively, as they are checked, so that what is returned is what
// was checked.
func ParseTemplateBody(raw json.RawMessage) (TemplateBody, []Detail) {
	c := &checker{}
	p := path{s: "body"}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return TemplateBody{}, nil
	}

	if json.Valid(raw) && nesting(raw) > maxNesting {
		c.say(p, fmt.Sprintf("Must not be nested more than %d levels deep", maxNesting))
		return TemplateBody{}, c.details
	}

	o, ok := c.object(p, raw)
	if !ok {
		return TemplateBody{}, c.details
	}

	c.fields(p, o, templateBodyRules)
	if len(c.details) > 0 {
		return TemplateBody{}, c.details
	}

	body := templateBody(o)
	c.duplicates(p, body)

	return body, c.details
}

// templateBody reads a body that passed its rules.
func templateBody(o object) TemplateBody {
	var b TemplateBody
	if v, ok := o.get("emphasizedItem"); ok {
		item := templateItem(v)
		b.EmphasizedItem = &item
	}

	items, _ := o.get("items")
	for _, v := range elements(items) {
		b.Items = append(b.Items, templateItem(v))
	}

	buttons, _ := o.get("buttons")
	for _, v := range elements(buttons) {
		e, _ := decodeObject(v)
		b.Buttons = append(b.Buttons, TemplateButton{ButtonKey: e.str("buttonKey"),
			URL: e.str("url")})
	}

	return b
}

func templateItem(v json.RawMessage) TemplateItem {
	o, _ := decodeObject(v)
	return TemplateItem{ItemKey: o.str("itemKey"), Content: o.str("content")}
}

// elements returns the elements of a JSON array, none for null or absent.
func elements(v json.RawMessage) []json.RawMessage {
	items, _ := asArray(v)
	return items
}

// duplicates reports a key used twice: an item key across the emphasized
// item and the items, and a button key across the buttons. Each is reported
// once, at its first use, as LINE's example reports a key the emphasized
// item shares with an item on body.emphasizedItem.itemKey.
func (c *checker) duplicates(p path, b TemplateBody) {
	var items []keyAt
	if b.EmphasizedItem != nil {
		items = append(items, keyAt{b.EmphasizedItem.ItemKey,
			p.key("emphasizedItem").key("itemKey")})
	}
	for i, it := range b.Items {
		items = append(items, keyAt{it.ItemKey, p.key("items").at(i).key("itemKey")})
	}
	c.repeated(items, "Duplicate itemKey in items or between emphasizedItem and items "+
		"are not allowed: ")

	var buttons []keyAt
	for i, bt := range b.Buttons {
		buttons = append(buttons, keyAt{bt.ButtonKey, p.key("buttons").at(i).key("buttonKey")})
	}
	c.repeated(buttons, "Duplicate buttonKey in buttons are not allowed: ")
}

type keyAt struct {
	key string
	at  path
}

// repeated reports each key that appears more than once, at its first use.
func (c *checker) repeated(keys []keyAt, msg string) {
	count := map[string]int{}
	for _, k := range keys {
		count[k.key]++
	}

	for _, k := range keys {
		if count[k.key] > 1 {
			c.say(k.at, msg+k.key)
			count[k.key] = 0
		}
	}
}

// webURL accepts an absolute http or https URL with a host, of at most hi
// UTF-16 code units: a button opens a web page.
func webURL(hi int) check {
	schemes := []string{"http", "https"}

	return func(c *checker, p path, v json.RawMessage, _ object) {
		s, ok := c.str(p, v, hi)
		if !ok {
			return
		}

		u, err := url.Parse(s)
		switch {
		case err != nil || u.Scheme == "":
			c.invalid(p, "Must be an absolute URL")
		case !hasScheme(s, schemes):
			c.scheme(p, schemes)
		case u.Host == "" || u.User != nil || strings.ContainsAny(s, " \t\r\n"):
			c.invalid(p, "Must be an absolute URL")
		}
	}
}
