package render

import "testing"

func TestMessageTemplate(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "buttons: image, title, text and actions",
		msg: `{"type":"template","altText":"alt","template":{"type":"buttons",
			"thumbnailImageUrl":"https://example.com/a.jpg","imageAspectRatio":"square",
			"imageBackgroundColor":"#FFCC00","title":"Menu","text":"Pick one",
			"actions":[
				{"type":"uri","label":"Open","uri":"https://example.com/x?a=1&b=2"},
				{"type":"postback","label":"Later","data":"d"}]}}`,
		want: []string{
			`class="m-thumb m-thumb-square" role="img" aria-label="Image" ` +
				`style="background-color:#ffcc00"`,
			`<div class="m-card-title">Menu</div>`, `<div class="m-card-text">Pick one</div>`,
			`<a class="m-action" href="https://example.com/x?a=1&amp;b=2" target="_blank"`,
			`<button class="m-action" type="button" disabled="disabled">Later</button>`,
		},
		not: []string{"alt"},
	}, {
		name: "buttons without image or title",
		msg: `{"type":"template","template":{"type":"buttons","text":"Hi",
			"actions":[{"type":"message","label":"Yes","text":"y"}]}}`,
		want: []string{`m-card m-buttons`, `>Yes</button>`},
		not:  []string{"m-thumb", "m-card-title"},
	}, {
		name: "confirm puts two buttons side by side",
		msg: `{"type":"template","template":{"type":"confirm","text":"Sure?",
			"actions":[{"type":"message","label":"Yes","text":"y"},
				{"type":"message","label":"No","text":"n"}]}}`,
		want: []string{`m-card m-confirm`, `m-card-actions m-confirm-actions`,
			`>Yes</button><button class="m-action" type="button" disabled="disabled">No<`},
	}, {
		name: "carousel columns scroll and share the aspect ratio",
		msg: `{"type":"template","template":{"type":"carousel","columns":[
			{"thumbnailImageUrl":"https://example.com/a.jpg","text":"one",
				"actions":[{"type":"uri","label":"a","uri":"tel:+81312345678"}]},
			{"text":"two","actions":[{"type":"uri","label":"b","uri":"line://nv/chat"}]},
			"bad"]}}`,
		want: []string{`m-template-carousel`, `<div class="m-scroller">`,
			`m-thumb m-thumb-rect`, `href="tel:+81312345678"`, `>one</div>`, `>two</div>`,
			`disabled="disabled">b</button>`, `>Unreadable message</span>`},
		not: []string{"line://"},
	}, {
		name: "image carousel is an image placeholder",
		msg:  `{"type":"template","template":{"type":"image_carousel","columns":[]}}`,
		want: []string{`>Image</span>`},
	}, {
		name: "unknown template is unsupported",
		msg:  `{"type":"template","template":{"type":"poll"}}`,
		want: []string{`>Unsupported message</span>`},
	}, {
		name: "template that is not an object is unreadable",
		msg:  `{"type":"template","template":"buttons"}`,
		want: []string{`>Unreadable message</span>`},
	}, {
		name: "an action without a label keeps its height",
		msg: `{"type":"template","template":{"type":"buttons","text":"t",
			"actions":[{"type":"postback","data":"d"}]}}`,
		want: []string{"disabled=\"disabled\">\u00a0</button>"},
	}})
}

func TestLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, uri, want string
	}{
		{"https", "https://example.com/a?b=c#d", "https://example.com/a?b=c#d"},
		{"http upper case", "HTTP://example.com", "http://example.com"},
		{"tel", "tel:+81-3-1234-5678", "tel:+81-3-1234-5678"},
		{"quote in the path", `https://example.com/"onmouseover=x`,
			"https://example.com/%22onmouseover=x"},
		{"angle brackets in the query", "https://example.com/?q=<script>",
			"https://example.com/?q=<script>"},
		{"javascript", "javascript:alert(1)", ""},
		{"javascript in upper case", "JaVaScRiPt:alert(1)", ""},
		{"javascript after a space", " javascript:alert(1)", ""},
		{"javascript with a tab", "java\tscript:alert(1)", ""},
		{"data", "data:text/html,<script>alert(1)</script>", ""},
		{"line", "line://ti/p/@abc", ""},
		{"relative", "/path", ""},
		{"scheme-relative", "//evil.example", ""},
		{"http without a host", "http:evil", ""},
		{"user info", "https://user@example.com", ""},
		{"tel with a path", "tel://evil/x", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := link(tc.uri)
			if ok != (tc.want != "") || (ok && got != tc.want) {
				t.Errorf("link(%q) = %q, %v; want %q", tc.uri, got, ok, tc.want)
			}
		})
	}
}
