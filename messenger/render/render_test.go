package render

import (
	"strings"
	"testing"
)

// A case renders msg and expects every piece of want in the output and no
// piece of not.
type rendering struct {
	name string
	msg  string
	want []string
	not  []string
}

// check renders each case in parallel and checks its markup too.
func check(t *testing.T, cases []rendering) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := render(tc.msg)
			checkMarkup(t, out)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("unexpected %q in\n%s", n, out)
				}
			}
		})
	}
}

func TestMessageText(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "text keeps its line breaks and is escaped",
		msg:  `{"type":"text","text":"Fish & chips\n<b>today</b>"}`,
		want: []string{`class="m-msg m-text"`, "Fish &amp; chips\n&lt;b&gt;today&lt;/b&gt;"},
		not:  []string{"<b>"},
	}, {
		name: "emoji replace the $ they point at",
		msg: `{"type":"text","text":"$ sale $$","emojis":[
			{"index":0,"productId":"p1","emojiId":"001"},
			{"index":8,"productId":"p2","emojiId":"002"}]}`,
		want: []string{
			`<span class="m-emoji" role="img" title="emoji p1/001" aria-label="emoji p1/001">` +
				`</span> sale $<span class="m-emoji" role="img" title="emoji p2/002"`,
		},
	}, {
		name: "emoji indexes count UTF-16 units",
		msg: `{"type":"text","text":"😀$","emojis":[
			{"index":2,"productId":"p","emojiId":"e"}]}`,
		want: []string{`😀<span class="m-emoji"`},
		not:  []string{"$"},
	}, {
		name: "an emoji index not at a $ leaves the text alone",
		msg: `{"type":"text","text":"a $","emojis":[
			{"index":0,"productId":"p","emojiId":"e"},{"index":"2"},{"index":99}]}`,
		want: []string{">a $</div>"},
		not:  []string{"m-emoji"},
	}, {
		name: "textV2 substitutes emoji and mentions",
		msg: `{"type":"textV2","text":"{{hi}} {user}, {smile} {missing} {all}",
			"substitution":{
				"user":{"type":"mention","mentionee":{"type":"user","userId":"U123"}},
				"smile":{"type":"emoji","productId":"p","emojiId":"e"},
				"all":{"type":"mention","mentionee":{"type":"all"}}}}`,
		want: []string{
			`{hi} <span class="m-mention">@U123</span>, <span class="m-emoji"`,
			`{missing} <span class="m-mention">@All</span>`,
		},
	}, {
		name: "textV2 braces without partners are kept",
		msg:  `{"type":"textV2","text":"a } b { c {x","substitution":{"x":1}}`,
		want: []string{">a } b { c {x</div>"},
	}, {
		name: "a text that is not a string is unreadable",
		msg:  `{"type":"text","text":5}`,
		want: []string{`m-placeholder`, "Unreadable message"},
	}})
}

func TestMessageStickerLocation(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "sticker is a labelled placeholder with its IDs",
		msg:  `{"type":"sticker","packageId":"446","stickerId":"1988"}`,
		want: []string{`class="m-msg m-sticker"`, `title="Sticker 446/1988"`, ">Sticker</span>"},
	}, {
		name: "sticker without IDs is unreadable",
		msg:  `{"type":"sticker","packageId":446}`,
		want: []string{"Unreadable message"},
	}, {
		name: "location links its coordinates to OpenStreetMap",
		msg: `{"type":"location","title":"Tokyo <Tower>","address":"4-2-8 Shibakoen",
			"latitude":35.65858,"longitude":139.745433}`,
		want: []string{
			`href="https://www.openstreetmap.org/?mlat=35.65858&amp;mlon=139.745433` +
				`#map=16/35.65858/139.745433"`,
			`role="group" aria-label="Location"`, ">Map</span>", "Tokyo &lt;Tower&gt;",
			"4-2-8 Shibakoen",
		},
	}, {
		name: "location coordinates are numbers, never strings",
		msg: `{"type":"location","title":"t","address":"a",
			"latitude":"35\"><script>","longitude":1}`,
		want: []string{"Unreadable message"},
		not:  []string{"openstreetmap"},
	}, {
		name: "location out of range is unreadable",
		msg:  `{"type":"location","title":"t","address":"a","latitude":91,"longitude":0}`,
		want: []string{"Unreadable message"},
	}})
}

func TestMessageTypes(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "image message is an image placeholder",
		msg:  `{"type":"image","originalContentUrl":"https://example.com/a.jpg"}`,
		want: []string{"m-placeholder", ">Image</span>"},
	}, {
		name: "video message is a video placeholder",
		msg:  `{"type":"video"}`,
		want: []string{">Video</span>"},
	}, {
		name: "unknown type is unsupported",
		msg:  `{"type":"imagemap"}`,
		want: []string{">Unsupported message</span>"},
	}, {
		name: "missing type is unreadable",
		msg:  `{"text":"hello"}`,
		want: []string{">Unreadable message</span>"},
	}, {
		name: "bad JSON is unreadable",
		msg:  `{"type":"text","text":"hel`,
		want: []string{">Unreadable message</span>"},
	}, {
		name: "an array is not a message",
		msg:  `[{"type":"text","text":"hello"}]`,
		want: []string{">Unreadable message</span>"},
	}, {
		name: "null is not a message",
		msg:  `null`,
		want: []string{">Unreadable message</span>"},
	}, {
		name: "empty input is not a message",
		msg:  ``,
		want: []string{">Unreadable message</span>"},
	}})
}

func TestMessageLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text Text
		want string
	}{
		{"nil Text falls back to the key", nil, ">invalid</span>"},
		{"empty word falls back to the key", func(string) string { return "" }, ">invalid</span>"},
		{"words are escaped", func(string) string { return "<i>" }, ">&lt;i&gt;</span>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := string(Message([]byte("{"), tc.text))
			checkMarkup(t, out)
			if !strings.Contains(out, tc.want) {
				t.Errorf("missing %q in\n%s", tc.want, out)
			}
		})
	}
}

func TestMessageRecovers(t *testing.T) {
	t.Parallel()
	panicky := func(string) string { panic("boom") }

	out := string(Message([]byte(`{"type":"sticker","packageId":"1","stickerId":"2"}`), panicky))
	checkMarkup(t, out)
	if !strings.Contains(out, ">invalid</span>") {
		t.Errorf("a panic while rendering gave\n%s", out)
	}
}
