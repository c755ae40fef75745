package render

import (
	"strings"
	"testing"
)

// flexMsg wraps a container in a Flex message.
func flexMsg(container string) string {
	return `{"type":"flex","altText":"alt","contents":` + container + `}`
}

// body wraps components in a bubble whose body is a vertical box.
func body(components ...string) string {
	return flexMsg(`{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[` +
		strings.Join(components, ",") + `]}}`)
}

func TestFlexContainers(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "bubble with its four blocks, styles and size",
		msg: flexMsg(`{"type":"bubble","size":"kilo","direction":"rtl",
			"styles":{"header":{"backgroundColor":"#112233"},
				"body":{"separator":true,"separatorColor":"#445566"},
				"footer":{"separator":true}},
			"header":{"type":"box","layout":"vertical","contents":[]},
			"hero":{"type":"image","url":"https://example.com/a.jpg","size":"full",
				"aspectRatio":"20:13"},
			"body":{"type":"box","layout":"vertical","contents":[]},
			"footer":{"type":"box","layout":"vertical","contents":[]}}`),
		want: []string{
			`<div class="m-msg m-flex"><div class="m-bubble m-kilo" dir="rtl">`,
			`<div class="m-block m-header" style="background-color:#112233">`,
			`<div class="m-block m-hero"><div class="m-img-slot" style="flex:1 0 auto">` +
				`<div class="m-img" role="img" aria-label="Image" ` +
				`style="width:100%;aspect-ratio:20 / 13">`,
			`<div class="m-block-sep" style="border-color:#445566"></div>` +
				`<div class="m-block m-body">`,
			`<div class="m-block-sep"></div><div class="m-block m-footer">`,
		},
	}, {
		name: "a separator above the first block is left out",
		msg: flexMsg(`{"type":"bubble","styles":{"body":{"separator":true}},
			"body":{"type":"box","layout":"vertical","contents":[]}}`),
		want: []string{`<div class="m-bubble m-mega" dir="ltr"><div class="m-block m-body">`},
		not:  []string{"m-block-sep"},
	}, {
		name: "carousel scrolls its bubbles, each with its size",
		msg: flexMsg(`{"type":"carousel","contents":[
			{"type":"bubble","size":"nano"},{"type":"bubble","size":"giga"},
			{"type":"bubble","size":"huge"},{"type":"carousel"},7]}`),
		want: []string{`<div class="m-msg m-flex m-flex-carousel"><div class="m-scroller">`,
			`m-bubble m-nano`, `m-bubble m-giga`, `m-bubble m-mega`,
			`>Unsupported message</span><span class="m-placeholder m-ph-invalid">`},
	}, {
		name: "hero video is a video placeholder",
		msg: flexMsg(`{"type":"bubble","hero":{"type":"video",
			"url":"https://example.com/v.mp4","aspectRatio":"16:9"}}`),
		want: []string{`aria-label="Video" style="width:100%;aspect-ratio:16 / 9"`},
	}, {
		name: "a body that is not a box is unsupported",
		msg:  flexMsg(`{"type":"bubble","body":{"type":"text","text":"x"}}`),
		want: []string{`<div class="m-block m-body"><span class="m-placeholder`},
	}, {
		name: "unknown container is unsupported",
		msg:  flexMsg(`{"type":"sheet"}`),
		want: []string{`>Unsupported message</span>`},
	}, {
		name: "missing contents is unreadable",
		msg:  `{"type":"flex","altText":"alt"}`,
		want: []string{`>Unreadable message</span>`},
	}, {
		name: "empty carousel is unreadable",
		msg:  flexMsg(`{"type":"carousel","contents":[]}`),
		want: []string{`>Unreadable message</span>`},
	}})
}

func TestFlexBox(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "children of a horizontal box share its width, by default equally",
		msg: body(`{"type":"box","layout":"horizontal","spacing":"md","contents":[
			{"type":"text","text":"a"},{"type":"text","text":"b","flex":2},
			{"type":"text","text":"c","flex":0,"margin":"xxl"}]}`),
		want: []string{
			`<div class="m-box m-row" style="flex:0 0 auto">`,
			`<div class="m-txt m-nowrap" style="flex:1 0 0px">a</div>`,
			`<div class="m-txt m-nowrap" style="flex:2 0 0px;margin-inline-start:8px">b</div>`,
			`style="flex:0 0 auto;margin-inline-start:20px">c</div>`,
		},
	}, {
		name: "children of a vertical box keep their height unless flexed",
		msg: body(`{"type":"text","text":"a"}`, `{"type":"text","text":"b","flex":1}`,
			`{"type":"separator","margin":"12.5px","color":"#FF000080"}`),
		want: []string{
			`<div class="m-txt m-nowrap" style="flex:0 0 auto">a</div>`,
			`style="flex:1 0 auto">b</div>`,
			`<div class="m-sep" style="flex:0 0 auto;margin-top:12.5px;` +
				`border-color:rgba(255,0,0,0.502)"></div>`,
		},
	}, {
		name: "baseline box aligns on the baseline and keeps icons at their size",
		msg: body(`{"type":"box","layout":"baseline","contents":[
			{"type":"icon","url":"https://example.com/i.png","size":"xl","aspectRatio":"2:1",
				"flex":5},
			{"type":"text","text":"4.0","gravity":"bottom"}]}`),
		want: []string{
			`<div class="m-box m-row m-baseline" style="flex:0 0 auto">`,
			`<span class="m-icon" role="img" aria-label="Image" ` +
				`style="flex:0 0 auto;height:22px;aspect-ratio:2 / 1"></span>`,
			`<div class="m-txt m-nowrap" style="flex:1 0 0px">4.0</div>`,
		},
	}, {
		name: "box look, size and placement",
		msg: body(`{"type":"box","layout":"vertical","backgroundColor":"#ffffff",
			"borderColor":"#000000","borderWidth":"semi-bold","cornerRadius":"xl",
			"width":"50%","maxWidth":"200px","height":"40px","maxHeight":"100%",
			"paddingAll":"md","paddingTop":"5%","paddingBottom":"1px",
			"paddingStart":"xs","paddingEnd":"none","justifyContent":"space-between",
			"alignItems":"center","position":"absolute","offsetTop":"-4px",
			"offsetBottom":"10%","offsetStart":"lg","offsetEnd":"3px","contents":[],
			"background":{"type":"linearGradient","angle":"90deg",
				"startColor":"#000000","endColor":"#FFFFFF","centerColor":"#808080",
				"centerPosition":"25%"}}`),
		want: []string{`style="flex:0 0 auto;position:absolute;top:-4px;bottom:10%;` +
			`inset-inline-start:12px;inset-inline-end:3px;background-color:#ffffff;` +
			`background-image:linear-gradient(90deg, #000000 0%, #808080 25%, #ffffff 100%);` +
			`border-style:solid;border-width:3px;border-color:#000000;border-radius:16px;` +
			`overflow:hidden;width:50%;max-width:200px;height:40px;max-height:100%;` +
			`padding:8px;padding-top:5%;padding-bottom:1px;padding-inline-start:2px;` +
			`padding-inline-end:0;justify-content:space-between;align-items:center"`},
	}, {
		name: "absolute components take no spacing and do not count as first",
		msg: body(`{"type":"box","layout":"horizontal","spacing":"lg","contents":[
			{"type":"box","layout":"vertical","position":"absolute","contents":[]},
			{"type":"text","text":"first"},{"type":"text","text":"second"}]}`),
		want: []string{`style="flex:1 0 0px">first</div>`,
			`style="flex:1 0 0px;margin-inline-start:12px">second</div>`},
	}, {
		name: "a box with a width keeps it in a row",
		msg: body(`{"type":"box","layout":"horizontal","contents":[
			{"type":"box","layout":"vertical","width":"30px","flex":3,"contents":[]}]}`),
		want: []string{`style="flex:0 0 auto;width:30px"`},
	}, {
		name: "filler and unknown components",
		msg: body(`{"type":"filler"}`, `{"type":"filler","flex":3}`, `{"type":"spacer"}`,
			`{"type":"video"}`, `{"type":"box","layout":"grid","contents":[]}`, `"text"`,
			`{"type":"span","text":"x"}`),
		want: []string{`<div class="m-fill" style="flex:1 0 auto"></div>`,
			`<div class="m-fill" style="flex:3 0 auto`, `>Unsupported message</span>`,
			`>Video</span>`, `>Unreadable message</span>`},
	}})
}

func TestFlexText(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "text style",
		msg: body(`{"type":"text","text":"Hi\nthere","size":"xxl","weight":"bold",
			"color":"#123456","align":"center","style":"italic","decoration":"underline",
			"lineSpacing":"6px","wrap":true,"maxLines":2}`),
		want: []string{`<div class="m-txt m-wrap m-clamp" style="flex:0 0 auto;` +
			`text-align:center;line-height:calc(1.4em + 6px);font-size:29px;color:#123456;` +
			`font-weight:700;font-style:italic;text-decoration:underline;` +
			`-webkit-line-clamp:2;line-clamp:2">Hi` + "\n" + `there</div>`},
	}, {
		name: "every size keyword and pixels",
		msg: body(`{"type":"text","text":"a","size":"xxs"}`,
			`{"type":"text","text":"a","size":"5xl"}`, `{"type":"text","text":"a","size":"13.5px"}`),
		want: []string{"font-size:11px", "font-size:74px", "font-size:13.5px"},
	}, {
		name: "gravity moves a text across a horizontal box",
		msg: body(`{"type":"box","layout":"horizontal","contents":[
			{"type":"text","text":"a","gravity":"center"}]}`),
		want: []string{`style="flex:1 0 0px;align-self:center">a</div>`},
	}, {
		name: "spans replace the text",
		msg: body(`{"type":"text","text":"ignored","contents":[
			{"type":"span","text":"big","size":"xl","weight":"bold"},
			{"type":"span","text":" red","color":"#ff0000","decoration":"line-through",
				"style":"italic"},
			{"type":"text","text":"no"}]}`),
		want: []string{
			`<span class="m-span" style="font-size:22px;font-weight:700">big</span>`,
			`<span class="m-span" style="color:#ff0000;font-style:italic;` +
				`text-decoration:line-through"> red</span>`,
			`<span class="m-placeholder m-ph-invalid">`,
		},
		not: []string{"ignored"},
	}})
}

func TestFlexButtonImage(t *testing.T) {
	t.Parallel()
	check(t, []rendering{{
		name: "primary button links to a web page",
		msg: body(`{"type":"button","style":"primary","color":"#0000FF","height":"sm",
			"action":{"type":"uri","label":"Go","uri":"https://example.com/"}}`),
		want: []string{`<a class="m-btn m-btn-primary m-btn-sm" href="https://example.com/" ` +
			`target="_blank" rel="noopener noreferrer nofollow" ` +
			`style="flex:0 0 auto;background-color:#0000ff">Go</a>`},
	}, {
		name: "secondary button with a postback is disabled",
		msg: body(`{"type":"button","style":"secondary",
			"action":{"type":"postback","label":"Later","data":"x"}}`),
		want: []string{`<button class="m-btn m-btn-secondary m-btn-md" type="button" ` +
			`disabled="disabled" style="flex:0 0 auto">Later</button>`},
	}, {
		name: "link button takes its colour as text colour",
		msg: body(`{"type":"button","color":"#00ff00",
			"action":{"type":"message","label":"Say","text":"x"}}`),
		want: []string{`m-btn m-btn-link m-btn-md`, `style="flex:0 0 auto;color:#00ff00"`},
	}, {
		name: "image keeps its aspect ratio, size and alignment",
		msg: body(`{"type":"image","url":"https://example.com/a.png","size":"xl",
			"aspectRatio":"1.91:1","align":"start","gravity":"bottom",
			"backgroundColor":"#eeeeee"}`,
			`{"type":"image","url":"https://example.com/a.png"}`,
			`{"type":"image","url":"https://example.com/a.png","size":"37%"}`),
		want: []string{
			`<div class="m-img-slot" style="flex:0 0 auto;justify-content:flex-start;` +
				`align-items:flex-end"><div class="m-img" role="img" aria-label="Image" ` +
				`style="width:140px;aspect-ratio:1.91 / 1;background-color:#eeeeee">` +
				`<span class="m-img-label">Image</span></div></div>`,
			`style="width:100px;aspect-ratio:1 / 1"`, `style="width:37%;aspect-ratio:1 / 1"`,
		},
	}})
}
