package render

import (
	"strings"
	"testing"
)

// sampleNotification is a template notification as pnptemplate fills it.
const sampleNotification = `{"type":"notificationTemplate","templateKey":"shipment_completed_ja",
  "title":"商品発送のお知らせ","description":"ご注文の商品を発送しました。",
  "emphasizedItem":{"itemKey":"date_002_ja","label":"お届け予定日","content":"12月5日"},
  "items":[{"itemKey":"time_range_001_ja","label":"お届け時間帯","content":"午前中"},
    {"itemKey":"name_010_ja","label":"商品名","content":"<b>ノート</b> & ペン\n2冊"}],
  "buttons":[{"buttonKey":"check_delivery_status_ja","label":"配送状況を確認",
    "url":"https://example.com/track?id=1&lang=ja"},
    {"buttonKey":"contact_ja","label":"お問い合わせ","url":"https://example.com/contact"}]}`

func TestMessageTemplateNotification(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "every part, in LINE's order",
		msg:  sampleNotification,
		want: []string{
			`<article class="m-msg m-tn"><header class="m-tn-head">` +
				`<span class="m-tn-icon" aria-hidden="true">O</span>` +
				`<span class="m-tn-channel">Official account</span></header>`,
			`<h3 class="m-tn-title">商品発送のお知らせ</h3>` +
				`<p class="m-tn-desc">ご注文の商品を発送しました。</p>`,
			`<div class="m-tn-emph"><div class="m-tn-emph-label">お届け予定日</div>` +
				`<div class="m-tn-emph-value">12月5日</div></div>`,
			`<div class="m-tn-row"><dt>お届け時間帯</dt><dd>午前中</dd></div>`,
			`<dd>&lt;b&gt;ノート&lt;/b&gt; &amp; ペン` + "\n" + `2冊</dd>`,
			`<a class="m-tn-button" href="https://example.com/track?id=1&amp;lang=ja" ` +
				`target="_blank" rel="noopener noreferrer nofollow">配送状況を確認</a>`,
			`>お問い合わせ</a></div><footer class="m-tn-foot">Sent to your number</footer>` +
				`</article>`,
		},
		not: []string{"<b>", "shipment_completed_ja", "date_002_ja"},
	}, {
		name: "title and description alone",
		msg:  `{"type":"notificationTemplate","title":"Bill","description":"Due soon"}`,
		want: []string{`>Bill</h3>`, `>Due soon</p>`, `m-tn-foot`},
		not:  []string{"m-tn-emph", "m-tn-items", "m-tn-buttons"},
	}, {
		name: "a button that is not a web page is no link",
		msg: `{"type":"notificationTemplate","title":"T","buttons":[` +
			`{"label":"Run","url":"javascript:alert(1)"},{"label":"Call","url":"tel:110"}]}`,
		want: []string{`<button class="m-tn-button" type="button" disabled="disabled">Run`},
		not:  []string{"href="},
	}, {
		name: "more items and buttons than LINE allows are cut",
		msg: `{"type":"notificationTemplate","title":"T","items":[` +
			strings.Repeat(`{"label":"l","content":"c"},`, 16) + `{"label":"l","content":"c"}],` +
			`"buttons":[` + strings.Repeat(`{"label":"b","url":"https://a.example/"},`, 2) +
			`{"label":"b","url":"https://a.example/"}]}`,
		want: []string{strings.Repeat(`<div class="m-tn-row"><dt>l</dt><dd>c</dd></div>`, 15) +
			`</dl>`},
		not: []string{strings.Repeat(`<div class="m-tn-row">`, 16),
			strings.Repeat(`>b</a>`, 3)},
	}, {
		name: "a URL of 1,000 units of Japanese is a link",
		msg: `{"type":"notificationTemplate","title":"T","buttons":[{"label":"Open",` +
			`"url":"https://a.example/` + strings.Repeat("あ", 982) + `"}]}`,
		want: []string{`<a class="m-tn-button" href="https://a.example/%E3%81%82`},
	}, {
		name: "a NUL is shown as U+FFFD, never sent in the page",
		msg:  `{"type":"notificationTemplate","title":"a\u0000b"}`,
		want: []string{"<h3 class=\"m-tn-title\">a\uFFFDb</h3>"},
		not:  []string{"\x00"},
	}, {
		name: "no title is unreadable",
		msg:  `{"type":"notificationTemplate","description":"x"}`,
		want: []string{`>Unreadable message</span>`},
	}})
}

// TestMessageFromChannel checks that the header names the channel given,
// escaped like any text.
func TestMessageFromChannel(t *testing.T) {
	t.Parallel()

	out := string(MessageFrom([]byte(sampleNotification), `<i>Sakura</i> Mart`, words))
	checkMarkup(t, out)
	want := `<span class="m-tn-icon" aria-hidden="true">&lt;</span>` +
		`<span class="m-tn-channel">&lt;i&gt;Sakura&lt;/i&gt; Mart</span>`
	if !strings.Contains(out, want) {
		t.Errorf("header lacks %q:\n%s", want, out)
	}
}
