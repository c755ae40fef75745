package message

import (
	"encoding/json"
)

// templateRules are the members of a template message. LINE's reference
// allows 1500 characters of altText (it allowed 400 in older versions).
var templateRules = []rule{
	{"altText", true, text(maxAltText)},
	{"template", true, template},
}

// templateTypes lists the template types LINE knows.
var templateTypes = []string{"buttons", "confirm", "carousel", "image_carousel"}

// templateKinds holds the member rules of each accepted template type.
var templateKinds = map[string][]rule{
	"buttons":  buttonsRules,
	"confirm":  confirmRules,
	"carousel": carouselTemplateRules,
}

// template checks the template object of a template message. Image
// carousels are refused because they consist of images.
func template(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	typ, ok := c.kind(p, o)
	rules, known := templateKinds[typ]
	switch {
	case !ok:
	case typ == "image_carousel":
		c.say(p.key("type"),
			"Image carousel templates are not permitted in notification messages")
	case !known:
		c.unknownType(p.key("type"), templateTypes)
	default:
		c.fields(p, o, rules)
	}
}

// imageRules are the members that set a template's image.
var imageRules = []rule{
	{"imageAspectRatio", false, oneOf("rectangle", "square")},
	{"imageSize", false, oneOf("cover", "contain")},
}

// columnRules are the members a buttons template shares with a carousel
// column; textMax is the text limit without an image or title.
func columnRules(textMax, actionsMax int) []rule {
	return []rule{
		{"thumbnailImageUrl", false, uri(2000, imageSchemes...)},
		{"imageBackgroundColor", false, form(isRGB, "Must be a color code in #RRGGBB form")},
		{"title", false, text(40)},
		{"text", true, columnText(textMax)},
		{"defaultAction", false, action(inTemplateDefault)},
		{"actions", true, array(1, actionsMax, action(inTemplate))},
	}
}

var buttonsRules = join(imageRules, columnRules(160, 4))

var confirmRules = []rule{
	{"text", true, text(240)},
	{"actions", true, array(2, 2, action(inTemplate))},
}

var carouselTemplateRules = join([]rule{{"columns", true, columns}}, imageRules)

var carouselColumnRules = columnRules(120, 3)

// columnText checks the text of a buttons template or carousel column, which
// may be at most 60 characters long when an image or a title is shown.
func columnText(hi int) check {
	return func(c *checker, p path, v json.RawMessage, o object) {
		limit := hi
		if o.str("title") != "" || o.str("thumbnailImageUrl") != "" {
			limit = min(hi, 60)
		}
		c.str(p, v, limit)
	}
}

// columns checks the columns of a carousel template. LINE asks for the same
// number of actions in every column; pnpd reports each column that differs
// from the first.
func columns(c *checker, p path, v json.RawMessage, o object) {
	array(1, 10, nested(carouselColumnRules))(c, p, v, o)

	items, _ := asArray(v)
	first := -1
	for i, item := range items {
		col, _ := decodeObject(item)
		actions, ok := asArray(col.vals["actions"])
		switch {
		case !ok:
		case first < 0:
			first = len(actions)
		case len(actions) != first:
			c.say(p.at(i).key("actions"), "Must have as many actions as the first column")
		}
	}
}
