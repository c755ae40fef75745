package message

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// componentRules holds the member rules of each Flex component type that
// notification messages accept. It is filled in init because a box's
// contents refer back to it.
var componentRules map[string][]rule

func init() {
	componentRules = map[string][]rule{
		"box":       boxRules,
		"button":    join(buttonRules, placement),
		"image":     join(imageComponentRules, placement),
		"icon":      join(iconRules, offsets),
		"text":      join(textComponentRules, placement),
		"span":      spanRules,
		"separator": separatorRules,
		"filler":    {{"flex", false, integer(0)}},
	}
}

// Forms of Flex values; inside a container only "invalid property" is shown,
// so these descriptions document the rules rather than reach the client.
var (
	color   = form(isColor, "Must be a color code")
	spacing = form(isSpacing, "Must be a spacing keyword or pixels")
	offset  = form(isOffset, "Must be a spacing keyword, pixels or a percentage")
	extent  = form(isExtent, "Must be pixels or a percentage")
	align   = oneOf("start", "end", "center")
	gravity = oneOf("top", "bottom", "center")
	weight  = oneOf("regular", "bold")
	style   = oneOf("normal", "italic")
	deco    = oneOf("none", "underline", "line-through")
	adjust  = oneOf("shrink-to-fit")
	ratio   = form(isAspectRatio, "Must be {width}:{height}")
	font    = form(isFontSize, "Must be a size keyword or pixels")
)

// offsets are the members that move a component from its place.
var offsets = []rule{
	{"margin", false, spacing},
	{"position", false, oneOf("relative", "absolute")},
	{"offsetTop", false, offset},
	{"offsetBottom", false, offset},
	{"offsetStart", false, offset},
	{"offsetEnd", false, offset},
}

// placement adds the flex ratio to offsets.
var placement = join([]rule{{"flex", false, integer(0)}}, offsets)

var boxRules = join([]rule{
	{"layout", true, oneOf("horizontal", "vertical", "baseline")},
	{"contents", true, boxContents},
	{"backgroundColor", false, color},
	{"borderColor", false, color},
	{"borderWidth", false, form(isBorderWidth, "Must be a border keyword or pixels")},
	{"cornerRadius", false, form(isCornerRadius, "Must be a spacing keyword or pixels")},
	{"width", false, extent},
	{"maxWidth", false, extent},
	{"height", false, extent},
	{"maxHeight", false, extent},
	{"spacing", false, spacing},
	{"paddingAll", false, offset},
	{"paddingTop", false, offset},
	{"paddingBottom", false, offset},
	{"paddingStart", false, offset},
	{"paddingEnd", false, offset},
	{"action", false, action(inFlex)},
	{"justifyContent", false, oneOf("flex-start", "center", "flex-end",
		"space-between", "space-around", "space-evenly")},
	{"alignItems", false, oneOf("flex-start", "center", "flex-end")},
	{"background", false, background},
}, placement)

var buttonRules = []rule{
	{"action", true, action(inFlexButton)},
	{"height", false, oneOf("sm", "md")},
	{"style", false, oneOf("primary", "secondary", "link")},
	{"color", false, color},
	{"gravity", false, gravity},
	{"adjustMode", false, adjust},
	{"scaling", false, boolean},
}

var imageComponentRules = []rule{
	{"url", true, uri(2000, imageSchemes...)},
	{"align", false, align},
	{"gravity", false, gravity},
	{"size", false, form(isImageSize, "Must be a size keyword, pixels or a percentage")},
	{"aspectRatio", false, ratio},
	{"aspectMode", false, oneOf("fit", "cover")},
	{"backgroundColor", false, color},
	{"action", false, action(inFlex)},
	{"animated", false, animated},
}

var iconRules = []rule{
	{"url", true, uri(2000, imageSchemes...)},
	{"size", false, font},
	{"scaling", false, boolean},
	{"aspectRatio", false, ratio},
}

var textComponentRules = []rule{
	{"text", false, text(0)},
	{"contents", false, array(0, maxSpans, span)},
	{"adjustMode", false, adjust},
	{"size", false, font},
	{"scaling", false, boolean},
	{"align", false, align},
	{"gravity", false, gravity},
	{"wrap", false, boolean},
	{"lineSpacing", false, form(isPixels, "Must be pixels")},
	{"maxLines", false, integer(0)},
	{"weight", false, weight},
	{"color", false, color},
	{"action", false, action(inFlex)},
	{"style", false, style},
	{"decoration", false, deco},
}

// maxSpans is pnpd's cap on the spans of one text; LINE states none.
const maxSpans = 1000

var spanRules = []rule{
	{"text", false, text(0)},
	{"color", false, color},
	{"size", false, font},
	{"weight", false, weight},
	{"style", false, style},
	{"decoration", false, deco},
}

var separatorRules = []rule{
	{"margin", false, spacing},
	{"color", false, color},
}

var gradientRules = []rule{
	{"angle", true, form(isAngle, "Must be degrees in [0, 360)")},
	{"startColor", true, color},
	{"endColor", true, color},
	{"centerColor", false, color},
	{"centerPosition", false, form(isPercent, "Must be a percentage")},
}

// maxAnimated is LINE's limit on animated images in one message.
const maxAnimated = 10

// animated checks an image's animated flag and counts animated images.
func animated(c *checker, p path, v json.RawMessage, _ object) {
	on, ok := asBool(v)
	if !ok {
		c.invalid(p, "Must be a boolean")
		return
	}

	if on {
		c.animated++
		if c.animated > maxAnimated {
			c.say(p, fmt.Sprintf("at most %d images in a message may be animated", maxAnimated))
		}
	}
}

// background checks a box's background, of which LINE knows one type.
func background(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	if typ, ok := c.kind(p, o); ok && typ != "linearGradient" {
		c.unknownType(p.key("type"), nil)
		return
	}
	c.fields(p, o, gradientRules)
}

// box checks a box, counting how deeply boxes nest.
func (c *checker) box(p path, o object) {
	c.boxDepth++
	defer func() { c.boxDepth-- }()

	if c.boxDepth > maxBoxDepth {
		c.say(p, fmt.Sprintf("boxes must not be nested more than %d levels deep", maxBoxDepth))
		return
	}
	c.fields(p, o, componentRules["box"])
}

// Which components a box may hold, by its layout.
var (
	flowChildren     = []string{"box", "button", "image", "text", "separator", "filler"}
	baselineChildren = []string{"icon", "text", "filler"}
)

// boxContents checks the components of the box o.
func boxContents(c *checker, p path, v json.RawMessage, o object) {
	allowed := flowChildren
	if o.str("layout") == "baseline" {
		allowed = baselineChildren
	}

	array(0, maxComponents, func(c *checker, p path, v json.RawMessage, _ object) {
		c.component(p, v, allowed)
	})(c, p, v, o)
}

// maxComponents is pnpd's cap on the components of one box; LINE states
// none, but a bubble's JSON is limited to 30 KB anyway.
const maxComponents = 1000

// component checks a component of a box whose layout allows the types in
// allowed.
func (c *checker) component(p path, v json.RawMessage, allowed []string) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "video":
		c.say(p.key("type"), "video is not permitted in notification messages")
	case componentRules[typ] == nil:
		c.unknownType(p.key("type"), nil)
	case !slices.Contains(allowed, typ):
		c.say(p.key("type"), misplacedComponent(typ))
	case typ == "box":
		c.box(p, o)
	case typ == "text":
		c.fields(p, o, componentRules["text"])
		c.textContent(p, o)
	default:
		c.fields(p, o, componentRules[typ])
	}
}

// misplacedComponent says where a component of type typ belongs.
func misplacedComponent(typ string) string {
	switch typ {
	case "icon":
		return "an icon can be placed only in a baseline box"
	case "span":
		return "a span can be placed only in the contents of a text"
	}

	article := "a "
	if strings.ContainsRune("aeiou", rune(typ[0])) {
		article = "an "
	}

	return article + typ + " cannot be placed in a baseline box"
}

// textContent reports a text with neither text nor spans to show.
func (c *checker) textContent(p path, o object) {
	spans, _ := asArray(o.vals["contents"])
	switch {
	case len(spans) > 0:
	case isEmptyString(o.vals["text"]):
		c.say(p.key("text"), "must not be empty")
	case !o.has("text"):
		c.missing(p.key("text"))
	}
}

// span checks an element of a text's contents, which must be a span.
func span(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "span":
		c.fields(p, o, spanRules)
	case componentRules[typ] != nil || typ == "video":
		c.say(p.key("type"), "only spans can be placed in the contents of a text")
	default:
		c.unknownType(p.key("type"), nil)
	}
}
