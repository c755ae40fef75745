package message

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzParseTemplateBody feeds ParseTemplateBody arbitrary bytes: it must
// not panic, must locate every problem within the body, must give the same
// answer twice, and whatever it accepts must keep LINE's limits.
func FuzzParseTemplateBody(f *testing.F) {
	for _, seed := range []string{
		`{"emphasizedItem":{"itemKey":"date_002_ja","content":"12/5"},` +
			`"items":[{"itemKey":"name_010_ja","content":"pen"}],` +
			`"buttons":[{"buttonKey":"contact_ja","url":"https://a.example/"}]}`,
		`{"items":[{"itemKey":"a","content":"x"},{"itemKey":"a","content":"y"}]}`,
		`{"emphasizedItem":{"itemKey":"a","content":"x","Content":"` +
			strings.Repeat("y", 20) + `"}}`,
		`{"buttons":[{"buttonKey":"b","url":"https:x"},{"buttonKey":"b","url":"tel:1"},{}]}`,
		`null`, `[]`, `"x"`, `{"items":null}`, ``,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		body, details := ParseTemplateBody(json.RawMessage(data))
		for _, d := range details {
			if d.Message == "" || !strings.HasPrefix(d.Property, "body") {
				t.Fatalf("detail %+v lacks a message or a place in the body", d)
			}
		}

		again, againDetails := ParseTemplateBody(json.RawMessage(data))
		if !slices.Equal(details, againDetails) || !sameBody(body, again) {
			t.Fatalf("two runs differ: %v / %v", details, againDetails)
		}

		if len(details) == 0 {
			checkTemplateBody(t, body)
		}
	})
}

// checkTemplateBody checks an accepted body against LINE's limits.
func checkTemplateBody(t *testing.T, b TemplateBody) {
	t.Helper()

	items := slices.Clone(b.Items)
	if e := b.EmphasizedItem; e != nil {
		if UTF16Len(e.Content) > maxEmphasized {
			t.Fatalf("emphasized content of %d units accepted", UTF16Len(e.Content))
		}
		items = append(items, *e)
	}
	if len(b.Items) > maxTemplateItems || len(b.Buttons) > maxTemplateButtons {
		t.Fatalf("%d items and %d buttons accepted", len(b.Items), len(b.Buttons))
	}

	keys := map[string]bool{}
	for _, it := range items {
		if it.ItemKey == "" || it.Content == "" || UTF16Len(it.Content) > maxItemContent ||
			keys[it.ItemKey] {
			t.Fatalf("item %+v accepted", it)
		}
		keys[it.ItemKey] = true
	}

	buttons := map[string]bool{}
	for _, bt := range b.Buttons {
		u, err := url.Parse(bt.URL)
		if bt.ButtonKey == "" || buttons[bt.ButtonKey] || err != nil || u.Host == "" ||
			!strings.HasPrefix(strings.ToLower(bt.URL), "http") ||
			UTF16Len(bt.URL) > maxButtonURL {
			t.Fatalf("button %+v accepted", bt)
		}
		buttons[bt.ButtonKey] = true
	}
}

func sameBody(a, b TemplateBody) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)

	return string(ja) == string(jb)
}
