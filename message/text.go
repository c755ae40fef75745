package message

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
)

// messageRules holds the member rules of each accepted message type; the
// type member itself is checked before them.
var messageRules = map[string][]rule{
	"text":     join(textRules, commonRules),
	"textV2":   join(textV2Rules, commonRules),
	"sticker":  join(stickerRules, commonRules),
	"location": join(locationRules, commonRules),
	"template": join(templateRules, commonRules),
	"flex":     join(flexRules, commonRules),
}

// commonRules are the members every message object may have.
var commonRules = []rule{
	{"quickReply", false, nested(quickReplyRules)},
	{"sender", false, nested(senderRules)},
}

var quickReplyRules = []rule{
	{"items", true, array(1, 13, quickReplyItem)},
}

var quickReplyItemRules = []rule{
	{"imageUrl", false, uri(2000, imageSchemes...)},
	{"action", true, action(inQuickReply)},
}

// quickReplyItem checks a quick reply button, whose type must be "action".
func quickReplyItem(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	if typ, ok := c.kind(p, o); ok && typ != "action" {
		c.unknownType(p.key("type"), []string{"action"})
	}
	c.fields(p, o, quickReplyItemRules)
}

var senderRules = []rule{
	{"name", false, text(20)},
	{"iconUrl", false, uri(2000, imageSchemes...)},
}

var textRules = []rule{
	{"text", true, text(maxText)},
	{"emojis", false, emojis},
	{"quoteToken", false, text(0)},
}

var emojiIDRules = []rule{
	{"productId", true, text(0)},
	{"emojiId", true, text(0)},
}

// emojis checks the LINE emoji of a text message, whose text must hold a $
// placeholder at each emoji's index.
func emojis(c *checker, p path, v json.RawMessage, msg object) {
	// LINE counts the index in UTF-16 code units, like the text's length.
	units := utf16.Encode([]rune(msg.str("text")))
	index := rule{"index", true, emojiIndex(units)}
	rules := join([]rule{index}, emojiIDRules)
	array(0, maxEmojis, nested(rules))(c, p, v, msg)
}

// emojiIndex checks that an emoji's index is the position of a $ in text.
func emojiIndex(text []uint16) check {
	return func(c *checker, p path, v json.RawMessage, o object) {
		integer(0)(c, p, v, o)
		index, ok := asInt(v)
		if ok && index >= 0 && (index >= int64(len(text)) || text[index] != '$') {
			c.say(p, "Must be the position of a $ placeholder in text")
		}
	}
}

var textV2Rules = []rule{
	{"text", true, textV2Text},
	{"substitution", false, substitution},
	{"quoteToken", false, text(0)},
}

// textV2Text checks a textV2 text: its length, its braces, and that every
// {key} it holds has a substitution.
func textV2Text(c *checker, p path, v json.RawMessage, msg object) {
	s, ok := c.str(p, v, maxText)
	if !ok {
		return
	}

	keys, ok := placeholders(s)
	if !ok {
		c.say(p, "Braces must be used in pairs; write {{ and }} for literal braces")
		return
	}

	subs, _ := decodeObject(msg.vals["substitution"])
	for _, k := range keys {
		if !subs.has(k) {
			c.say(p, fmt.Sprintf("No substitution is specified for {%s}", k))
		}
	}
}

// placeholders returns the keys of the {key} placeholders in s, or false
// when a brace has no partner. {{ and }} stand for literal braces.
func placeholders(s string) ([]string, bool) {
	var keys []string
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "{{") || strings.HasPrefix(s[i:], "}}"):
			i++
		case s[i] == '}':
			return nil, false
		case s[i] == '{':
			end := strings.IndexAny(s[i+1:], "{}")
			if end < 0 || s[i+1+end] != '}' {
				return nil, false
			}
			keys = append(keys, s[i+1:i+1+end])
			i += end + 1
		}
	}

	return keys, true
}

// Limits LINE documents for textV2 substitutions.
const (
	maxSubstitutions   = 100
	maxSubstitutionKey = 20
	maxEmojis          = 20
)

// substitution checks the substitution object of a textV2 message.
func substitution(c *checker, p path, v json.RawMessage, _ object) {
	o, ok := c.object(p, v)
	if !ok {
		return
	}

	if len(o.keys) > maxSubstitutions {
		c.size(p, 0, maxSubstitutions)
	}

	emojis := 0
	for _, k := range o.keys {
		if !isSubstitutionKey(k) {
			c.say(p.key(k), fmt.Sprintf(
				"Key must be 1 to %d characters of 0-9, a-z, A-Z and _", maxSubstitutionKey))
			continue
		}
		if substitute(c, p.key(k), o.vals[k]) == "emoji" {
			emojis++
		}
	}

	if emojis > maxEmojis {
		c.say(p, fmt.Sprintf("Must not substitute more than %d emoji", maxEmojis))
	}
}

func isSubstitutionKey(k string) bool {
	const allowed = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
	return k != "" && len(k) <= maxSubstitutionKey && strings.Trim(k, allowed) == ""
}

var emojiSubstitutionRules = []rule{
	{"productId", true, text(0)},
	{"emojiId", true, text(0)},
}

// substitute checks one substitution value and returns its type.
//
// LINE allows mentions only in messages to group chats and multi-person
// chats. A notification message always goes to the recipient's one-to-one
// chat, so pnpd refuses mentions outright.
func substitute(c *checker, p path, v json.RawMessage) string {
	o, ok := c.object(p, v)
	if !ok {
		return ""
	}

	typ, ok := c.kind(p, o)
	switch {
	case !ok:
	case typ == "emoji":
		c.fields(p, o, emojiSubstitutionRules)
	case typ == "mention":
		c.say(p.key("type"), "Mentions are not permitted in notification messages")
	default:
		c.unknownType(p.key("type"), []string{"mention", "emoji"})
	}

	return typ
}

var stickerRules = []rule{
	{"packageId", true, text(0)},
	{"stickerId", true, text(0)},
	{"quoteToken", false, text(0)},
}

var locationRules = []rule{
	{"title", true, text(100)},
	{"address", true, text(100)},
	{"latitude", true, number(-90, 90)},
	{"longitude", true, number(-180, 180)},
}
