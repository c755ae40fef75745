// Package message validates the messages array of a notification message
// request (POST /bot/pnp/push) the way LINE's Messaging API validates message
// objects, with the extra refusals that notification messages impose: no
// image, video or audio messages (spec §3), and no coupons, which pnpd does
// not have. It also checks and reads the body of a template notification
// (POST /v2/bot/message/pnp/templated/push), short of its catalogue keys.
//
// Problems are reported in LINE's error-detail format. Problems outside Flex
// containers carry request-body paths such as "messages[0].text"; problems
// inside a Flex container carry JSON pointers relative to that container,
// such as "/body/contents/2", because that is how LINE reports them.
//
// Members of an object are checked in the order the request lists them;
// required members that are missing are reported after the members that are
// present. Members the validator does not know are accepted, so that fields
// LINE adds later do not break clients; members it knows must have the right
// JSON type.
package message

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Limits that LINE documents for the messages array and its text.
const (
	maxMessages = 5    // OpenAPI PnpMessagesRequest: minItems 1, maxItems 5
	maxText     = 5000 // text and textV2, in UTF-16 code units
	maxAltText  = 1500 // flex and template altText, in UTF-16 code units
)

// Limits pnpd sets where LINE is silent, to bound the work one request costs.
const (
	// maxDetails caps the problems reported for one request (and, separately,
	// for one Flex container); the rest are dropped.
	maxDetails = 100
	// maxNesting caps the JSON nesting depth of the whole messages value.
	maxNesting = 64
	// maxBoxDepth caps how deeply Flex boxes may nest, the hero, header, body
	// or footer box counting as level 1.
	maxBoxDepth = 10
)

// Detail is one problem, in LINE's error format: Property is the JSON path
// of the field at fault relative to the request body (e.g.
// "messages[0].text"), or, inside a ContainerError, a JSON pointer relative
// to the Flex container (e.g. "/body/contents/2").
type Detail struct {
	Message  string `json:"message,omitempty"`
	Property string `json:"property,omitempty"`
}

// ContainerError reports the problems inside one Flex message's container.
type ContainerError struct {
	Index   int      // the message's index in messages
	Details []Detail // properties are JSON pointers relative to the container
}

// Validate checks the raw JSON value of the request's "messages" member
// (nil/absent when the member was missing). It returns the ordinary problems
// (properties like "messages", "messages[1].type", "messages[0].text") and,
// separately, the first Flex container found invalid (nil when none).
//
// At most 100 ordinary problems are returned, and at most 100 inside the
// container; Validate never panics, whatever messages holds.
func Validate(messages json.RawMessage) (details []Detail, container *ContainerError) {
	c := &checker{}
	root := path{s: "messages"}

	items, ok := c.messageArray(root, messages)
	if !ok {
		return c.details, nil
	}

	for i, raw := range items {
		if c.full() {
			break
		}
		c.msgIndex = i
		c.message(root.at(i), raw)
	}

	return c.details, c.flexErr
}

// messageArray reports what is wrong with the messages value as a whole and
// returns its elements when there are any to check.
func (c *checker) messageArray(p path, raw json.RawMessage) ([]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		c.missing(p)
		return nil, false
	}

	if !json.Valid(raw) {
		c.say(p, "Must be an array of message objects")
		return nil, false
	}

	// Nesting is checked before anything is decoded, so that no later step
	// recurses over a pathological document.
	if nesting(raw) > maxNesting {
		c.say(p, fmt.Sprintf("Must not be nested more than %d levels deep", maxNesting))
		return nil, false
	}

	items, ok := asArray(raw)
	if !ok {
		c.say(p, "Must be an array of message objects")
		return nil, false
	}

	if len(items) < 1 || len(items) > maxMessages {
		c.size(p, 1, maxMessages)
	}

	// As with any array that is too long, only the first elements are checked.
	return items[:min(len(items), maxMessages)], len(items) > 0
}

// refusedTypes are message types LINE's Messaging API knows but notification
// messages may not carry: the first three by spec §3, imagemap because it is
// an image, coupon because pnpd has no coupons.
var refusedTypes = map[string]bool{
	"image":    true,
	"video":    true,
	"audio":    true,
	"imagemap": true,
	"coupon":   true,
}

// messageTypes lists the accepted message types in the order error messages
// name them.
var messageTypes = []string{"text", "textV2", "sticker", "location", "template", "flex"}

// message checks one element of the messages array.
func (c *checker) message(p path, raw json.RawMessage) {
	o, ok := decodeObject(raw)
	if !ok {
		c.say(p, "Must be a message object")
		return
	}

	typ, ok := c.kind(p, o)
	if !ok {
		return
	}

	rules, known := messageRules[typ]
	switch {
	case refusedTypes[typ]:
		c.say(p.key("type"), fmt.Sprintf(
			"Messages of type '%s' are not permitted in notification messages", typ))
	case !known:
		c.unknownType(p.key("type"), messageTypes)
	default:
		c.fields(p, o, rules)
	}
}

// nesting returns the deepest nesting of arrays and objects in a JSON text.
func nesting(raw []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, b := range raw {
		switch {
		case escaped:
			escaped = false
		case inString:
			escaped = b == '\\'
			inString = b != '"'
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			deepest = max(deepest, depth)
		case b == '}' || b == ']':
			depth--
		}
	}

	return deepest
}
