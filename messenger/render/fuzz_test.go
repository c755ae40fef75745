package render

import (
	"encoding/json"
	"testing"
)

// FuzzMessage feeds the renderer arbitrary bytes. It must not panic (the
// fuzzer calls fragment, below Message's recovery, so that a panic is seen)
// and must always give one well-formed element in which nothing from the
// message is markup: "<script" never appears, and "javascript:",
// "onmouseover" and "expression(" appear only as escaped text.
func FuzzMessage(f *testing.F) {
	for _, s := range Samples() {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`{"type":"text","text":"<script>alert(1)</script>"}`,
		`{"type":"textV2","text":"{a}{{b}}","substitution":{"a":{"type":"emoji"}}}`,
		body(`{"type":"box","layout":"horizontal","width":"expression(1)","contents":[
			{"type":"button","action":{"type":"uri","label":"x","uri":"javascript:x"}}]}`),
		body(`{"type":"text","text":"x","color":"#fff\" onmouseover=\"x"}`),
		`{"type":"flex","contents":{"type":"carousel","contents":[{"type":"bubble"},1]}}`,
		`[]`, `null`, `{`, `{"type":1}`,
		sampleNotification,
		`{"type":"notificationTemplate","title":"<script>","items":[{"label":"a",` +
			`"content":"javascript:x"}],"buttons":[{"label":"b","url":"javascript:x"}]}`,
		`{"type":"notificationTemplate","title":"t","emphasizedItem":"x","items":{}}`,
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, raw []byte) {
		checkMarkup(t, fragment(json.RawMessage(raw), words))
	})
}
