package render

import (
	"os"
	"strings"
	"testing"
)

func TestZZPreview(t *testing.T) {
	dir := os.Getenv("PREVIEW_DIR")
	if dir == "" {
		t.Skip()
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>body{margin:0;background:#8cabd9;font-family:sans-serif}
.col{max-width:760px;margin:0 auto;padding:8px 0}
.row{display:flex;gap:8px;padding:6px 10px;align-items:flex-start}
.av{width:36px;height:36px;border-radius:50%;background:#fff;flex:none}
.m{min-width:0;max-width:calc(100% - 44px)}
</style>` + string(Stylesheet) + "<div class=col>")
	b.Reset()
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><style>` + string(Stylesheet) + `
body{margin:0;background:#8cabd9;font-family:"DejaVu Sans",sans-serif}
.col{max-width:760px;margin:0 auto;padding:8px 0}
.row{display:flex;gap:8px;padding:6px 10px;align-items:flex-start}
.av{width:36px;height:36px;border-radius:50%;background:#fff;flex:none}
.m{min-width:0;max-width:calc(100% - 44px)}
</style></head><body><div class=col>`)
	t.Log(len(Samples()))
	extra := os.Getenv("PREVIEW_EXTRA")
	msgs := Samples()
	if extra != "" {
		raw, _ := os.ReadFile(extra)
		msgs = append(msgs, raw)
	}
	head := b.String()
	for i, s := range msgs {
		row := `<div class=row><div class=av></div><div class=m>` + string(Message(s, nil)) + `</div></div>`
		b.WriteString(row)
		os.WriteFile(dir+"/p"+string(rune('0'+i))+".html", []byte(head+row+`</div></body></html>`), 0o644)
	}
	b.WriteString(`</div></body></html>`)
	os.WriteFile(dir+"/preview.html", []byte(b.String()), 0o644)
}
