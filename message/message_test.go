package message

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// validateTest is one case of Validate: the messages value and what it
// should return.
type validateTest struct {
	name      string
	messages  string // "" stands for an absent member
	want      []Detail
	container *ContainerError
}

// runValidate runs each case as a parallel subtest.
func runValidate(t *testing.T, tests []validateTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var raw json.RawMessage
			if tt.messages != "" {
				raw = json.RawMessage(tt.messages)
			}

			got, container := Validate(raw)
			if !slices.Equal(got, tt.want) {
				t.Errorf("details:\n got %s\nwant %s", show(got), show(tt.want))
			}
			if !sameContainer(container, tt.container) {
				t.Errorf("container:\n got %s\nwant %s", showC(container), showC(tt.container))
			}
		})
	}
}

func sameContainer(a, b *ContainerError) bool {
	if a == nil || b == nil {
		return a == b
	}

	return a.Index == b.Index && slices.Equal(a.Details, b.Details)
}

func show(d []Detail) string {
	b, _ := json.Marshal(d)
	return string(b)
}

func showC(c *ContainerError) string {
	if c == nil {
		return "nil"
	}

	return fmt.Sprintf("{Index: %d, Details: %s}", c.Index, show(c.Details))
}

// d builds a Detail.
func d(property, message string) Detail {
	return Detail{Message: message, Property: property}
}

// msgs builds a messages array from message objects.
func msgs(objects ...string) string {
	return "[" + strings.Join(objects, ",") + "]"
}

// quote returns s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// textMsg builds a text message.
func textMsg(s string) string {
	return `{"type":"text","text":` + quote(s) + `}`
}

const (
	emptyMsg    = "May not be empty"
	notArray    = "Must be an array of message objects"
	fiveMax     = "Size must be between 1 and 5"
	notString   = "Must be a string"
	text5000    = "Length must be between 0 and 5000"
	unknownType = "Must be one of the following values: " +
		"[text, textV2, sticker, location, template, flex]"
	grin = "\U0001F600" // outside the BMP: 2 UTF-16 code units
)

func TestValidateMessagesArray(t *testing.T) {
	t.Parallel()
	hello := textMsg("hello")
	runValidate(t, []validateTest{
		{
			name:     "absent",
			messages: "",
			want:     []Detail{d("messages", emptyMsg)},
		},
		{
			name:     "null",
			messages: " null ",
			want:     []Detail{d("messages", emptyMsg)},
		},
		{
			name:     "object",
			messages: `{}`,
			want:     []Detail{d("messages", notArray)},
		},
		{
			name:     "string",
			messages: `"hi"`,
			want:     []Detail{d("messages", notArray)},
		},
		{
			name:     "broken JSON",
			messages: `[{`,
			want:     []Detail{d("messages", notArray)},
		},
		{
			name:     "empty",
			messages: `[]`,
			want:     []Detail{d("messages", fiveMax)},
		},
		{
			name:     "one",
			messages: msgs(hello),
		},
		{
			name:     "five",
			messages: msgs(hello, hello, hello, hello, hello),
		},
		{
			name:     "six",
			messages: msgs(hello, hello, hello, hello, hello, hello),
			want:     []Detail{d("messages", fiveMax)},
		},
		{
			name:     "six, of which only five are checked",
			messages: msgs(textMsg(""), hello, hello, hello, hello, textMsg("")),
			want:     []Detail{d("messages", fiveMax), d("messages[0].text", emptyMsg)},
		},
		{
			name:     "element not an object",
			messages: `[1, "a", null]`,
			want: []Detail{
				d("messages[0]", "Must be a message object"),
				d("messages[1]", "Must be a message object"),
				d("messages[2]", "Must be a message object"),
			},
		},
		{
			name:     "problems in message order",
			messages: msgs(textMsg(""), hello, `{"type":"sticker"}`),
			want: []Detail{
				d("messages[0].text", emptyMsg),
				d("messages[2].packageId", emptyMsg),
				d("messages[2].stickerId", emptyMsg),
			},
		},
		{
			name:     "nested too deeply",
			messages: `[{"type":"text","text":"a","x":` + deep(63) + `}]`,
			want:     []Detail{d("messages", "Must not be nested more than 64 levels deep")},
		},
		{
			name:     "nested as deep as allowed",
			messages: `[{"type":"text","text":"a","x":` + deep(62) + `}]`,
		},
		{
			name:     "brackets inside strings do not count",
			messages: `[{"type":"text","text":` + quote(strings.Repeat("[{\\\"", 100)) + `}]`,
		},
	})
}

// deep returns n nested arrays.
func deep(n int) string {
	return strings.Repeat("[", n) + strings.Repeat("]", n)
}

func TestValidateMessageType(t *testing.T) {
	t.Parallel()
	refused := func(typ string) string {
		return "Messages of type '" + typ + "' are not permitted in notification messages"
	}
	runValidate(t, []validateTest{
		{
			name:     "missing",
			messages: `[{"text":"a"}]`,
			want:     []Detail{d("messages[0].type", emptyMsg)},
		},
		{
			name:     "null",
			messages: `[{"type":null}]`,
			want:     []Detail{d("messages[0].type", emptyMsg)},
		},
		{
			name:     "empty",
			messages: `[{"type":""}]`,
			want:     []Detail{d("messages[0].type", emptyMsg)},
		},
		{
			name:     "number",
			messages: `[{"type":1}]`,
			want:     []Detail{d("messages[0].type", unknownType)},
		},
		{
			name:     "unknown",
			messages: `[{"type":"poll"}]`,
			want:     []Detail{d("messages[0].type", unknownType)},
		},
		{
			name:     "case matters",
			messages: `[{"type":"Text","text":"a"}]`,
			want:     []Detail{d("messages[0].type", unknownType)},
		},
		{
			name:     "image",
			messages: `[{"type":"image","originalContentUrl":"https://a/b.jpg"}]`,
			want:     []Detail{d("messages[0].type", refused("image"))},
		},
		{
			name:     "video",
			messages: `[{"type":"video"}]`,
			want:     []Detail{d("messages[0].type", refused("video"))},
		},
		{
			name:     "audio",
			messages: `[{"type":"audio"}]`,
			want:     []Detail{d("messages[0].type", refused("audio"))},
		},
		{
			name:     "imagemap",
			messages: `[{"type":"imagemap"}]`,
			want:     []Detail{d("messages[0].type", refused("imagemap"))},
		},
		{
			name:     "coupon",
			messages: `[{"type":"coupon","couponId":"x"}]`,
			want:     []Detail{d("messages[0].type", refused("coupon"))},
		},
		{
			name:     "refused after an accepted one",
			messages: msgs(textMsg("a"), `{"type":"audio"}`),
			want:     []Detail{d("messages[1].type", refused("audio"))},
		},
	})
}

func TestValidateText(t *testing.T) {
	t.Parallel()
	runValidate(t, []validateTest{
		{
			name:     "valid",
			messages: msgs(textMsg("Hello, world")),
		},
		{
			name:     "missing text",
			messages: `[{"type":"text"}]`,
			want:     []Detail{d("messages[0].text", emptyMsg)},
		},
		{
			name:     "null text",
			messages: `[{"type":"text","text":null}]`,
			want:     []Detail{d("messages[0].text", emptyMsg)},
		},
		{
			name:     "empty text",
			messages: msgs(textMsg("")),
			want:     []Detail{d("messages[0].text", emptyMsg)},
		},
		{
			name:     "text not a string",
			messages: `[{"type":"text","text":42}]`,
			want:     []Detail{d("messages[0].text", notString)},
		},
		{
			name:     "5000 units",
			messages: msgs(textMsg(strings.Repeat("a", 5000))),
		},
		{
			name:     "5001 units",
			messages: msgs(textMsg(strings.Repeat("a", 5001))),
			want:     []Detail{d("messages[0].text", text5000)},
		},
		{
			name:     "5000 BMP characters, 15000 bytes",
			messages: msgs(textMsg(strings.Repeat("あ", 5000))),
		},
		{
			name:     "4998 units and an emoji",
			messages: msgs(textMsg(strings.Repeat("a", 4998) + grin)),
		},
		{
			name:     "4999 units and an emoji",
			messages: msgs(textMsg(strings.Repeat("a", 4999) + grin)),
			want:     []Detail{d("messages[0].text", text5000)},
		},
		{
			name:     "2500 emoji",
			messages: msgs(textMsg(strings.Repeat(grin, 2500))),
		},
		{
			name:     "2501 emoji",
			messages: msgs(textMsg(strings.Repeat(grin, 2501))),
			want:     []Detail{d("messages[0].text", text5000)},
		},
		{
			name:     "quote token",
			messages: `[{"type":"text","text":"a","quoteToken":"yHAz4Ua2wx7"}]`,
		},
		{
			name:     "quote token not a string",
			messages: `[{"type":"text","text":"a","quoteToken":1}]`,
			want:     []Detail{d("messages[0].quoteToken", notString)},
		},
		{
			name:     "null optional member",
			messages: `[{"type":"text","text":"a","quoteToken":null}]`,
		},
		{
			name:     "unknown member accepted",
			messages: `[{"type":"text","text":"a","later":{"x":[1]}}]`,
		},
	})
}

// emojiMsg builds a text message with LINE emoji at the given indexes.
func emojiMsg(text string, indexes ...string) string {
	var emojis []string
	for _, i := range indexes {
		emojis = append(emojis,
			`{"index":`+i+`,"productId":"5ac1bfd5040ab15980c9b435","emojiId":"001"}`)
	}

	return `{"type":"text","text":` + quote(text) +
		`,"emojis":[` + strings.Join(emojis, ",") + `]}`
}

func TestValidateTextEmojis(t *testing.T) {
	t.Parallel()
	const notDollar = "Must be the position of a $ placeholder in text"
	dollars := strings.Repeat("$", 21)
	runValidate(t, []validateTest{
		{
			name:     "LINE's example",
			messages: msgs(emojiMsg("$ LINE emoji $", "0", "13")),
		},
		{
			name:     "index not at a $",
			messages: msgs(emojiMsg("$ LINE emoji $", "1")),
			want:     []Detail{d("messages[0].emojis[0].index", notDollar)},
		},
		{
			name:     "index past the end",
			messages: msgs(emojiMsg("$", "1")),
			want:     []Detail{d("messages[0].emojis[0].index", notDollar)},
		},
		{
			name:     "index counts UTF-16 units",
			messages: msgs(emojiMsg(grin+"$", "2")),
		},
		{
			name:     "index in code points is wrong",
			messages: msgs(emojiMsg(grin+"$", "1")),
			want:     []Detail{d("messages[0].emojis[0].index", notDollar)},
		},
		{
			name:     "negative index",
			messages: msgs(emojiMsg("$", "-1")),
			want: []Detail{
				d("messages[0].emojis[0].index", "Must be greater than or equal to 0"),
			},
		},
		{
			name:     "fractional index",
			messages: msgs(emojiMsg("$", "0.5")),
			want:     []Detail{d("messages[0].emojis[0].index", "Must be an integer")},
		},
		{
			name:     "string index",
			messages: msgs(emojiMsg("$", `"0"`)),
			want:     []Detail{d("messages[0].emojis[0].index", "Must be an integer")},
		},
		{
			name:     "20 emoji",
			messages: msgs(emojiMsg(dollars[:20], seq(20)...)),
		},
		{
			name:     "21 emoji",
			messages: msgs(emojiMsg(dollars, seq(21)...)),
			want:     []Detail{d("messages[0].emojis", "Size must be between 0 and 20")},
		},
		{
			name:     "emoji without ids",
			messages: `[{"type":"text","text":"$","emojis":[{"index":0}]}]`,
			want: []Detail{
				d("messages[0].emojis[0].productId", emptyMsg),
				d("messages[0].emojis[0].emojiId", emptyMsg),
			},
		},
		{
			name:     "problems in member order",
			messages: `[{"type":"text","text":"a$","emojis":[{"emojiId":"1","index":0}]}]`,
			want: []Detail{
				d("messages[0].emojis[0].index", notDollar),
				d("messages[0].emojis[0].productId", emptyMsg),
			},
		},
		{
			name:     "emojis not an array",
			messages: `[{"type":"text","text":"$","emojis":{}}]`,
			want:     []Detail{d("messages[0].emojis", "Must be an array")},
		},
	})
}

// seq returns the numbers 0 to n-1 as strings.
func seq(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i)
	}

	return s
}

// textV2 builds a textV2 message with the given substitution object.
func textV2(text, substitution string) string {
	return `{"type":"textV2","text":` + quote(text) + `,"substitution":` + substitution + `}`
}

func TestValidateTextV2(t *testing.T) {
	t.Parallel()
	const laugh = `{"type":"emoji","productId":"5a8555cfe6256cc92ea23c2a","emojiId":"002"}`
	runValidate(t, []validateTest{
		{
			name:     "emoji",
			messages: msgs(textV2("Hi {laugh}", `{"laugh":`+laugh+`}`)),
		},
		{
			name:     "no substitution",
			messages: `[{"type":"textV2","text":"plain"}]`,
		},
		{
			name:     "escaped braces",
			messages: `[{"type":"textV2","text":"{{literal}} }}"}]`,
		},
		{
			name:     "unused substitution",
			messages: msgs(textV2("Hi", `{"laugh":`+laugh+`}`)),
		},
		{
			name:     "undefined key",
			messages: `[{"type":"textV2","text":"Hi {name}"}]`,
			want:     []Detail{d("messages[0].text", "No substitution is specified for {name}")},
		},
		{
			name:     "unpaired brace",
			messages: `[{"type":"textV2","text":"Hi {name"}]`,
			want: []Detail{d("messages[0].text",
				"Braces must be used in pairs; write {{ and }} for literal braces")},
		},
		{
			name:     "5001 units",
			messages: `[{"type":"textV2","text":"` + strings.Repeat("a", 5001) + `"}]`,
			want:     []Detail{d("messages[0].text", text5000)},
		},
		{
			name:     "mention refused",
			messages: msgs(textV2("{u}", `{"u":{"type":"mention","mentionee":{"type":"all"}}}`)),
			want: []Detail{d("messages[0].substitution.u.type",
				"Mentions are not permitted in notification messages")},
		},
		{
			name:     "unknown substitution type",
			messages: msgs(textV2("{u}", `{"u":{"type":"sticker"}}`)),
			want: []Detail{d("messages[0].substitution.u.type",
				"Must be one of the following values: [mention, emoji]")},
		},
		{
			name:     "emoji without ids",
			messages: msgs(textV2("{e}", `{"e":{"type":"emoji"}}`)),
			want: []Detail{
				d("messages[0].substitution.e.productId", emptyMsg),
				d("messages[0].substitution.e.emojiId", emptyMsg),
			},
		},
		{
			name:     "bad key",
			messages: msgs(textV2("a", `{"bad-key":`+laugh+`}`)),
			want: []Detail{d("messages[0].substitution.bad-key",
				"Key must be 1 to 20 characters of 0-9, a-z, A-Z and _")},
		},
		{
			name: "20-character key",
			messages: msgs(textV2("{"+strings.Repeat("k", 20)+"}",
				`{"`+strings.Repeat("k", 20)+`":`+laugh+`}`)),
		},
		{
			name:     "21-character key",
			messages: msgs(textV2("a", `{"`+strings.Repeat("k", 21)+`":`+laugh+`}`)),
			want: []Detail{d("messages[0].substitution."+strings.Repeat("k", 21),
				"Key must be 1 to 20 characters of 0-9, a-z, A-Z and _")},
		},
		{
			name:     "substitution not an object",
			messages: msgs(textV2("a", `[]`)),
			want:     []Detail{d("messages[0].substitution", "Must be an object")},
		},
	})
}

func TestValidateSticker(t *testing.T) {
	t.Parallel()
	runValidate(t, []validateTest{
		{
			name:     "valid",
			messages: `[{"type":"sticker","packageId":"446","stickerId":"1988"}]`,
		},
		{
			name:     "missing sticker",
			messages: `[{"type":"sticker","packageId":"446"}]`,
			want:     []Detail{d("messages[0].stickerId", emptyMsg)},
		},
		{
			name:     "empty package",
			messages: `[{"type":"sticker","packageId":"","stickerId":"1"}]`,
			want:     []Detail{d("messages[0].packageId", emptyMsg)},
		},
		{
			name:     "numeric ids",
			messages: `[{"type":"sticker","packageId":446,"stickerId":1988}]`,
			want: []Detail{
				d("messages[0].packageId", notString),
				d("messages[0].stickerId", notString),
			},
		},
	})
}

// location builds a location message from its members' JSON.
func location(title, address, lat, lng string) string {
	return `{"type":"location","title":` + title + `,"address":` + address +
		`,"latitude":` + lat + `,"longitude":` + lng + `}`
}

func TestValidateLocation(t *testing.T) {
	t.Parallel()
	const title, address = `"my location"`, `"1-3 Kioicho"`
	runValidate(t, []validateTest{
		{
			name:     "valid",
			messages: msgs(location(title, address, "35.67966", "139.73669")),
		},
		{
			name: "limits",
			messages: msgs(location(quote(strings.Repeat("t", 100)),
				quote(strings.Repeat("a", 100)), "-90", "180")),
		},
		{
			name:     "title 101",
			messages: msgs(location(quote(strings.Repeat("t", 101)), address, "0", "0")),
			want:     []Detail{d("messages[0].title", "Length must be between 0 and 100")},
		},
		{
			name:     "address 101",
			messages: msgs(location(title, quote(strings.Repeat("a", 101)), "0", "0")),
			want:     []Detail{d("messages[0].address", "Length must be between 0 and 100")},
		},
		{
			name:     "latitude above 90",
			messages: msgs(location(title, address, "90.0001", "0")),
			want:     []Detail{d("messages[0].latitude", "Must be between -90 and 90")},
		},
		{
			name:     "longitude below -180",
			messages: msgs(location(title, address, "0", "-180.5")),
			want:     []Detail{d("messages[0].longitude", "Must be between -180 and 180")},
		},
		{
			name:     "latitude as string",
			messages: msgs(location(title, address, `"35"`, "0")),
			want:     []Detail{d("messages[0].latitude", "Must be a number")},
		},
		{
			name:     "present members first, then missing ones",
			messages: `[{"type":"location","latitude":100,"title":5}]`,
			want: []Detail{
				d("messages[0].latitude", "Must be between -90 and 90"),
				d("messages[0].title", notString),
				d("messages[0].address", emptyMsg),
				d("messages[0].longitude", emptyMsg),
			},
		},
	})
}

func TestValidateCommonMembers(t *testing.T) {
	t.Parallel()
	item := func(action string) string { return `{"type":"action","action":` + action + `}` }
	camera := item(`{"type":"camera","label":"Camera"}`)
	withQR := func(items ...string) string {
		return `[{"type":"text","text":"a","quickReply":{"items":[` +
			strings.Join(items, ",") + `]}}]`
	}
	runValidate(t, []validateTest{
		{
			name: "quick reply",
			messages: withQR(camera,
				item(`{"type":"location","label":"Here"}`),
				item(`{"type":"message","label":"Yes","text":"yes"}`)),
		},
		{
			name:     "13 items",
			messages: withQR(slices.Repeat([]string{camera}, 13)...),
		},
		{
			name:     "14 items",
			messages: withQR(slices.Repeat([]string{camera}, 14)...),
			want:     []Detail{d("messages[0].quickReply.items", "Size must be between 1 and 13")},
		},
		{
			name:     "no items",
			messages: withQR(),
			want:     []Detail{d("messages[0].quickReply.items", "Size must be between 1 and 13")},
		},
		{
			name:     "label required",
			messages: withQR(item(`{"type":"cameraRoll"}`)),
			want:     []Detail{d("messages[0].quickReply.items[0].action.label", emptyMsg)},
		},
		{
			name:     "rich menu switch refused",
			messages: withQR(item(`{"type":"richmenuswitch","richMenuAliasId":"a","data":"d"}`)),
			want: []Detail{d("messages[0].quickReply.items[0].action.type",
				"Rich menu switch actions can be used only in rich menus")},
		},
		{
			name:     "item type",
			messages: withQR(`{"type":"button","action":{"type":"camera","label":"c"}}`),
			want: []Detail{d("messages[0].quickReply.items[0].type",
				"Must be one of the following values: [action]")},
		},
		{
			name: "image URL must be HTTPS",
			messages: withQR(`{"type":"action","imageUrl":"http://a/b.png",
				"action":{"type":"camera","label":"c"}}`),
			want: []Detail{d("messages[0].quickReply.items[0].imageUrl",
				"URI scheme must be one of the following values: [https]")},
		},
		{
			name: "sender",
			messages: `[{"type":"text","text":"a",
				"sender":{"name":"Cony","iconUrl":"https://line.me/c"}}]`,
		},
		{
			name: "sender name 21",
			messages: `[{"type":"text","text":"a","sender":{"name":"` +
				strings.Repeat("n", 21) + `"}}]`,
			want: []Detail{d("messages[0].sender.name", "Length must be between 0 and 20")},
		},
	})
}

func TestValidateCapsDetails(t *testing.T) {
	t.Parallel()
	// 60 emoji lacking both ids, in each of 5 messages: 600 problems.
	m := `{"type":"text","text":"$","emojis":[` +
		strings.TrimSuffix(strings.Repeat(`{"index":0},`, 60), ",") + `]}`
	details, _ := Validate(json.RawMessage(msgs(m, m, m, m, m)))
	if len(details) != maxDetails {
		t.Fatalf("got %d details, want %d", len(details), maxDetails)
	}

	if details[0] != d("messages[0].emojis", "Size must be between 0 and 20") {
		t.Errorf("first detail = %+v", details[0])
	}
}
