package message

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// flexRules are the members of a Flex message.
var flexRules = []rule{
	{"altText", true, text(maxAltText)},
	{"contents", true, flexContents},
}

// Limits LINE documents for the JSON of a bubble and of a carousel. pnpd
// measures the JSON without insignificant white space and reads KB as 1024
// bytes.
const (
	maxBubbleBytes   = 30 * 1024
	maxCarouselBytes = 50 * 1024
)

// flexContents checks a Flex message's container with a checker of its own,
// since its problems are reported apart, and keeps the first invalid one.
func flexContents(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	fc := &checker{flex: true}
	fc.container(path{pointer: true}, o, v)
	if len(fc.details) > 0 && c.flexErr == nil {
		c.flexErr = &ContainerError{Index: c.msgIndex, Details: fc.details}
	}
}

// container checks a Flex container, found at p (the empty pointer for the
// message's own container).
func (c *checker) container(p path, o object, raw json.RawMessage) {
	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "bubble":
		c.bubble(p, o, raw)
	case typ == "carousel":
		if !c.tooLarge(p, raw, maxCarouselBytes) {
			c.fields(p, o, flexCarouselRules)
		}
	default:
		c.unknownType(p.key("type"), nil)
	}
}

// bubble checks a bubble, alone or in a carousel.
func (c *checker) bubble(p path, o object, raw json.RawMessage) {
	if !c.tooLarge(p, raw, maxBubbleBytes) {
		c.fields(p, o, bubbleRules)
	}
}

// tooLarge reports a container whose JSON exceeds hi bytes. The inside of
// such a container is not checked: it is refused anyway, and the limit
// bounds the work one container can cause.
func (c *checker) tooLarge(p path, raw json.RawMessage, hi int) bool {
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil || compact.Len() <= hi {
		return false
	}

	c.say(p, fmt.Sprintf("the JSON must be at most %d KB", hi/1024))
	return true
}

var bubbleRules = []rule{
	{"size", false, oneOf("nano", "micro", "deca", "hecto", "kilo", "mega", "giga")},
	{"direction", false, oneOf("ltr", "rtl")},
	{"header", false, block},
	{"hero", false, hero},
	{"body", false, block},
	{"footer", false, block},
	{"styles", false, nested(bubbleStyleRules)},
	{"action", false, action(inFlex)},
}

var blockStyle = nested([]rule{
	{"backgroundColor", false, color},
	{"separator", false, boolean},
	{"separatorColor", false, color},
})

var bubbleStyleRules = []rule{
	{"header", false, blockStyle},
	{"hero", false, blockStyle},
	{"body", false, blockStyle},
	{"footer", false, blockStyle},
}

// block checks a header, body or footer block, which must be a box.
func block(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "box":
		c.box(p, o)
	case componentRules[typ] != nil:
		c.say(p.key("type"), "this block must be a box")
	default:
		c.unknownType(p.key("type"), nil)
	}
}

// hero checks a hero block: a box or an image. LINE also allows a video,
// which notification messages may not carry.
func hero(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "box":
		c.box(p, o)
	case typ == "image":
		c.fields(p, o, componentRules["image"])
	case typ == "video":
		c.say(p.key("type"), "video is not permitted in notification messages")
	case componentRules[typ] != nil:
		c.say(p.key("type"), "the hero block must be a box or an image")
	default:
		c.unknownType(p.key("type"), nil)
	}
}

var flexCarouselRules = []rule{
	{"contents", true, carouselBubbles},
}

// carouselBubbles checks the bubbles of a carousel, which LINE requires to
// be all of one size (mega when unset).
func carouselBubbles(c *checker, p path, v json.RawMessage, o object) {
	array(1, 12, carouselBubble)(c, p, v, o)

	items, _ := asArray(v)
	first := ""
	for i, item := range items {
		b, _ := decodeObject(item)
		size := b.str("size")
		if size == "" {
			size = "mega"
		}
		if first == "" {
			first = size
		} else if size != first {
			c.say(p.at(i).key("size"), "all bubbles in a carousel must have the same size")
		}
	}
}

// carouselBubble checks one element of a carousel, which must be a bubble.
func carouselBubble(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "bubble":
		c.bubble(p, o, v)
	case typ == "carousel":
		c.say(p.key("type"), "a carousel can contain only bubbles")
	default:
		c.unknownType(p.key("type"), nil)
	}
}
