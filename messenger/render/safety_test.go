package render

import (
	"strings"
	"testing"
)

// TestMessageSafety feeds the renderer attacks in every place a message can
// hold a string: none may come out as markup.
func TestMessageSafety(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  string
	}{
		{"script in text", `{"type":"text","text":"<script>alert(1)</script>"}`},
		{"script in textV2", `{"type":"textV2","text":"</div><script>x</script>{a}",
			"substitution":{"a":{"type":"mention",
				"mentionee":{"type":"user","userId":"<script>"}}}}`},
		{"script in an emoji ID", `{"type":"text","text":"$","emojis":[
			{"index":0,"productId":"\"><script>","emojiId":"'><script>"}]}`},
		{"script in a sticker ID", `{"type":"sticker","packageId":"\"><script>",
			"stickerId":"1"}`},
		{"script in a location", `{"type":"location","title":"<script>",
			"address":"</div><script>","latitude":1,"longitude":2}`},
		{"javascript URI in a template", `{"type":"template","template":{"type":"buttons",
			"text":"t","actions":[{"type":"uri","label":"x","uri":"javascript:alert(1)"},
			{"type":"uri","label":"y","uri":"JAVASCRIPT:alert(1)"}]}}`},
		{"javascript URI in a Flex button", body(`{"type":"button","action":{
			"type":"uri","label":"x","uri":"javascript:alert(document.cookie)"}}`)},
		{"event handler in a colour", body(`{"type":"text","text":"x",
			"color":"#fff\" onmouseover=\"alert(1)"}`,
			`{"type":"box","layout":"vertical","contents":[],
			"backgroundColor":"\"onmouseover=alert(1)"}`)},
		{"event handler in a size", body(`{"type":"text","text":"x",
			"size":"1px\" onmouseover=\"alert(1)"}`)},
		{"expression in a size", body(`{"type":"box","layout":"vertical","contents":[],
			"width":"expression(alert(1))","paddingAll":"1px;expression(alert(1))",
			"cornerRadius":"expression(1)px"}`)},
		{"expression in an aspect ratio", body(`{"type":"image","url":"https://e.com/a",
			"aspectRatio":"1:1;expression(alert(1))"}`)},
		{"expression in a gradient", body(`{"type":"box","layout":"vertical","contents":[],
			"background":{"type":"linearGradient","angle":"expression(1)deg",
			"startColor":"#000000","endColor":"#ffffff"}}`)},
		{"javascript in a class name", flexMsg(`{"type":"bubble",
			"size":"javascript:alert(1)","direction":"rtl\" onmouseover=\"x"}`)},
		{"event handler in a layout", body(`{"type":"box","contents":[],
			"layout":"vertical\" onmouseover=\"x"}`)},
		{"script in a type", `{"type":"<script>alert(1)</script>"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := render(tc.msg)
			checkMarkup(t, out)
			for _, d := range dangers {
				if strings.Contains(strings.ToLower(out), d) {
					t.Errorf("%q in\n%s", d, out)
				}
			}
		})
	}
}

// TestMessageBounds checks that an outsized message costs bounded markup.
func TestMessageBounds(t *testing.T) {
	t.Parallel()
	deep := `{"type":"text","text":"bottom"}`
	for range 200 {
		deep = `{"type":"box","layout":"vertical","contents":[` + deep + `]}`
	}
	text := `{"type":"text","text":"x"}`
	wide := strings.Repeat(text+",", 5000) + text
	emoji := `{"index":0,"productId":"p","emojiId":"e"}`

	tests := []struct {
		name  string
		msg   string
		count string
		most  int
	}{
		{"deep nesting", body(deep), "m-box", maxDepth},
		{"many components", body(wide), "m-txt", maxComponents},
		{"many emoji", `{"type":"text","text":"$","emojis":[` +
			strings.Repeat(emoji+",", 3000) + emoji + `]}`, "m-emoji", 1},
		{"many carousel bubbles", flexMsg(`{"type":"carousel","contents":[` +
			strings.Repeat(`{"type":"bubble"},`, 50) + `{"type":"bubble"}]}`),
			"m-bubble", maxBubbles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := render(tc.msg)
			checkMarkup(t, out)
			if n := strings.Count(out, tc.count); n > tc.most || n == 0 {
				t.Errorf("%d of %s, want 1 to %d", n, tc.count, tc.most)
			}
			if len(out) > 1<<20 {
				t.Errorf("%d bytes of markup", len(out))
			}
		})
	}
}

// TestMessageTooLarge checks that a message larger than any LINE accepts
// is refused before it is decoded.
func TestMessageTooLarge(t *testing.T) {
	t.Parallel()
	msg := `{"type":"text","text":"` + strings.Repeat("a", maxInput) + `"}`
	out := render(msg)
	checkMarkup(t, out)
	if !strings.Contains(out, "Unreadable message") {
		t.Errorf("a %d-byte message gave\n%.300s", len(msg), out)
	}
}

// TestMessageBudget checks that components beyond the budget are replaced
// by one placeholder.
func TestMessageBudget(t *testing.T) {
	t.Parallel()
	text := `{"type":"text","text":"x"}`
	out := render(body(strings.Repeat(text+",", maxComponents+10) + text))
	checkMarkup(t, out)
	if n := strings.Count(out, "m-ph-unsupported"); n != 1 {
		t.Errorf("%d placeholders for the components dropped, want 1", n)
	}
}
