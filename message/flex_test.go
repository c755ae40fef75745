package message

import (
	"strings"
	"testing"
)

// flex builds a messages array holding one Flex message with container.
func flex(container string) string {
	return `[{"type":"flex","altText":"alt","contents":` + container + `}]`
}

// bubble builds a bubble whose body is a vertical box of components.
func bubble(components ...string) string {
	return `{"type":"bubble","body":` + vbox(components...) + `}`
}

// vbox builds a vertical box of components.
func vbox(components ...string) string {
	return `{"type":"box","layout":"vertical","contents":[` + strings.Join(components, ",") + `]}`
}

// at builds a ContainerError for message 0.
func at(details ...Detail) *ContainerError {
	return &ContainerError{Index: 0, Details: details}
}

const (
	hello       = `{"type":"text","text":"hello"}`
	img         = `{"type":"image","url":"https://example.com/i.jpg"}`
	invalidProp = "invalid property"
	mustSpecify = "must be specified"
)

// fullBubble uses every block and most members, in the shape of LINE's
// examples.
const fullBubble = `{
  "type": "bubble", "size": "giga", "direction": "ltr",
  "header": {"type": "box", "layout": "vertical",
    "contents": [{"type": "text", "text": "Header"}]},
  "hero": {"type": "image", "url": "https://example.com/i.jpg", "size": "full",
    "aspectRatio": "20:13", "aspectMode": "cover",
    "action": {"type": "uri", "uri": "https://example.com/"}},
  "body": {"type": "box", "layout": "vertical", "spacing": "md", "paddingAll": "5%",
    "backgroundColor": "#00000080", "cornerRadius": "8px", "borderWidth": "semi-bold",
    "justifyContent": "space-evenly", "alignItems": "center",
    "background": {"type": "linearGradient", "angle": "23.5deg", "startColor": "#FFFF00",
      "endColor": "#0080ff", "centerColor": "#FFFFFF", "centerPosition": "40%"},
    "contents": [
      {"type": "box", "layout": "baseline", "contents": [
        {"type": "icon", "url": "https://example.com/star.png", "size": "sm",
          "aspectRatio": "1.91:1"},
        {"type": "text", "text": "4.0", "size": "12px", "flex": 0, "margin": "md"},
        {"type": "filler"}]},
      {"type": "separator", "margin": "xxl", "color": "#000000"},
      {"type": "text", "wrap": true, "maxLines": 3, "lineSpacing": "4.5px", "contents": [
        {"type": "span", "text": "big", "size": "xxl", "weight": "bold", "style": "italic"},
        {"type": "span", "text": "small", "decoration": "line-through", "color": "#4f8f00"}]},
      {"type": "box", "layout": "horizontal", "position": "absolute", "offsetTop": "-4px",
        "width": "30px", "height": "30%", "contents": []}
    ]},
  "footer": {"type": "box", "layout": "vertical", "contents": [
    {"type": "button", "style": "primary", "height": "sm", "color": "#0000ff",
      "action": {"type": "uri", "label": "Tap me", "uri": "https://example.com"}},
    {"type": "button", "action": {"type": "datetimepicker", "label": "Pick", "data": "d",
      "mode": "date"}}]},
  "styles": {"header": {"backgroundColor": "#00ffff"},
    "footer": {"separator": true, "separatorColor": "#000000"}},
  "action": {"type": "postback", "data": "bubble"}
}`

func TestValidateFlexMessage(t *testing.T) {
	t.Parallel()
	runValidate(t, []validateTest{
		{
			name:     "LINE's example",
			messages: flex(bubble(hello, `{"type":"text","text":"world"}`)),
		},
		{
			name:     "every block",
			messages: flex(fullBubble),
		},
		{
			name:     "altText missing",
			messages: `[{"type":"flex","contents":` + bubble(hello) + `}]`,
			want:     []Detail{d("messages[0].altText", emptyMsg)},
		},
		{
			name: "altText 1500",
			messages: `[{"type":"flex","altText":"` + strings.Repeat("a", 1500) +
				`","contents":` + bubble(hello) + `}]`,
		},
		{
			name: "altText 1501 with an emoji",
			messages: `[{"type":"flex","altText":"` +
				strings.Repeat("a", 1499) + grin + `","contents":` + bubble(hello) + `}]`,
			want: []Detail{d("messages[0].altText", "Length must be between 0 and 1500")},
		},
		{
			name:     "contents missing",
			messages: `[{"type":"flex","altText":"a"}]`,
			want:     []Detail{d("messages[0].contents", emptyMsg)},
		},
		{
			name:     "contents not an object",
			messages: `[{"type":"flex","altText":"a","contents":[]}]`,
			want:     []Detail{d("messages[0].contents", "Must be an object")},
		},
		{
			name:      "container type missing",
			messages:  flex(`{"body":{}}`),
			container: at(d("/type", mustSpecify)),
		},
		{
			name:      "unknown container",
			messages:  flex(`{"type":"box"}`),
			container: at(d("/type", "unknown type")),
		},
		{
			name: "first invalid container only, with ordinary problems",
			messages: msgs(textMsg("a"), textMsg(""),
				`{"type":"flex","altText":"a","contents":{"type":"bubble","size":"huge"}}`,
				`{"type":"flex","altText":"","contents":{"type":"bubble","size":"tiny"}}`),
			want: []Detail{
				d("messages[1].text", emptyMsg),
				d("messages[3].altText", emptyMsg),
			},
			container: &ContainerError{Index: 2, Details: []Detail{d("/size", invalidProp)}},
		},
	})
}

func TestValidateFlexBubble(t *testing.T) {
	t.Parallel()
	runValidate(t, []validateTest{
		{
			name:     "empty bubble",
			messages: flex(`{"type":"bubble"}`),
		},
		{
			name:      "size and direction",
			messages:  flex(`{"type":"bubble","size":"huge","direction":"up"}`),
			container: at(d("/size", invalidProp), d("/direction", invalidProp)),
		},
		{
			name: "hero image over HTTP",
			messages: flex(`{"type":"bubble",
				"hero":{"type":"image","url":"http://example.com/i.jpg"}}`),
			container: at(d("/hero/url", "invalid uri scheme")),
		},
		{
			name:     "hero box",
			messages: flex(`{"type":"bubble","hero":` + vbox(img) + `}`),
		},
		{
			name: "hero video refused",
			messages: flex(`{"type":"bubble","hero":{"type":"video",
			"url":"https://a/v.mp4","previewUrl":"https://a/p.jpg","altContent":` + img + `}}`),
			container: at(d("/hero/type", "video is not permitted in notification messages")),
		},
		{
			name:      "hero text",
			messages:  flex(`{"type":"bubble","hero":` + hello + `}`),
			container: at(d("/hero/type", "the hero block must be a box or an image")),
		},
		{
			name:      "header text",
			messages:  flex(`{"type":"bubble","header":` + hello + `}`),
			container: at(d("/header/type", "this block must be a box")),
		},
		{
			name:      "footer unknown",
			messages:  flex(`{"type":"bubble","footer":{"type":"grid"}}`),
			container: at(d("/footer/type", "unknown type")),
		},
		{
			name:      "body not an object",
			messages:  flex(`{"type":"bubble","body":[]}`),
			container: at(d("/body", invalidProp)),
		},
		{
			name: "styles",
			messages: flex(`{"type":"bubble","styles":{"body":{"separator":"yes",
			"backgroundColor":"red"}}}`),
			container: at(d("/styles/body/separator", invalidProp),
				d("/styles/body/backgroundColor", invalidProp)),
		},
		{
			name:     "30 KB",
			messages: flex(sizedBubble(30 * 1024)),
		},
		{
			name:      "over 30 KB, inside not checked",
			messages:  flex(strings.Replace(sizedBubble(30*1024+9), `"vertical"`, `"grid"`, 1)),
			container: at(d("", "the JSON must be at most 30 KB")),
		},
		{
			name:      "over 30 KB",
			messages:  flex(sizedBubble(30*1024 + 1)),
			container: at(d("", "the JSON must be at most 30 KB")),
		},
	})
}

// sizedBubble returns a bubble whose compact JSON is n bytes long.
func sizedBubble(n int) string {
	const head, tail = `{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[` +
		`{"type":"text","text":"`, `"}]}}`
	return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
}

// flexCarousel builds a carousel container of bubbles.
func flexCarousel(bubbles ...string) string {
	return `{"type":"carousel","contents":[` + strings.Join(bubbles, ",") + `]}`
}

func TestValidateFlexCarousel(t *testing.T) {
	t.Parallel()
	b := bubble(hello)
	runValidate(t, []validateTest{
		{
			name:     "two bubbles",
			messages: flex(flexCarousel(b, b)),
		},
		{
			name:     "12 bubbles",
			messages: flex(flexCarousel(repeat(b, 12)...)),
		},
		{
			name:      "13 bubbles",
			messages:  flex(flexCarousel(repeat(b, 13)...)),
			container: at(d("/contents", "size must be between 1 and 12")),
		},
		{
			name:      "no bubbles",
			messages:  flex(flexCarousel()),
			container: at(d("/contents", "size must be between 1 and 12")),
		},
		{
			name:      "contents missing",
			messages:  flex(`{"type":"carousel"}`),
			container: at(d("/contents", mustSpecify)),
		},
		{
			name:      "box in a carousel",
			messages:  flex(flexCarousel(b, vbox(hello))),
			container: at(d("/contents/1/type", "unknown type")),
		},
		{
			name:      "carousel in a carousel",
			messages:  flex(flexCarousel(flexCarousel(b))),
			container: at(d("/contents/0/type", "a carousel can contain only bubbles")),
		},
		{
			name:     "same explicit size",
			messages: flex(flexCarousel(`{"type":"bubble","size":"mega"}`, b)),
		},
		{
			name:     "mixed sizes",
			messages: flex(flexCarousel(b, `{"type":"bubble","size":"kilo"}`)),
			container: at(
				d("/contents/1/size", "all bubbles in a carousel must have the same size"),
			),
		},
		{
			name:      "problem in a bubble",
			messages:  flex(flexCarousel(b, bubble(`{"type":"text"}`))),
			container: at(d("/contents/1/body/contents/0/text", mustSpecify)),
		},
		{
			name:      "bubble over 30 KB",
			messages:  flex(flexCarousel(sizedBubble(30*1024 + 1))),
			container: at(d("/contents/0", "the JSON must be at most 30 KB")),
		},
		{
			name: "carousel over 50 KB",
			messages: flex(flexCarousel(sizedBubble(26*1024),
				sizedBubble(26*1024))),
			container: at(d("", "the JSON must be at most 50 KB")),
		},
	})
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}

	return out
}

const body = "/body/contents/0"

func TestValidateFlexBox(t *testing.T) {
	t.Parallel()
	box := func(members string) string {
		return flex(bubble(`{"type":"box","layout":"vertical","contents":[],` + members + `}`))
	}
	runValidate(t, []validateTest{
		{
			name:      "layout missing",
			messages:  flex(`{"type":"bubble","body":{"type":"box","contents":[]}}`),
			container: at(d("/body/layout", mustSpecify)),
		},
		{
			name: "layout unknown",
			messages: flex(`{"type":"bubble","body":{"type":"box",
			"layout":"grid","contents":[]}}`),
			container: at(d("/body/layout", invalidProp)),
		},
		{
			name: "contents missing",
			messages: flex(`{"type":"bubble","body":{"type":"box",
			"layout":"vertical"}}`),
			container: at(d("/body/contents", mustSpecify)),
		},
		{
			name:     "colors",
			messages: box(`"backgroundColor":"#000","borderColor":"#12345G"`),
			container: at(
				d(body+"/backgroundColor", invalidProp),
				d(body+"/borderColor", invalidProp),
			),
		},
		{
			name:      "spacing takes no percentage",
			messages:  box(`"spacing":"10%","paddingTop":"10%"`),
			container: at(d(body+"/spacing", invalidProp)),
		},
		{
			name:      "padding over 100%",
			messages:  box(`"paddingAll":"101%"`),
			container: at(d(body+"/paddingAll", invalidProp)),
		},
		{
			name:      "flex",
			messages:  box(`"flex":-1`),
			container: at(d(body+"/flex", invalidProp)),
		},
		{
			name:      "flex not an integer",
			messages:  box(`"flex":1.5`),
			container: at(d(body+"/flex", invalidProp)),
		},
		{
			name:     "border and corner",
			messages: box(`"borderWidth":"thick","cornerRadius":"round"`),
			container: at(
				d(body+"/borderWidth", invalidProp),
				d(body+"/cornerRadius", invalidProp),
			),
		},
		{
			name:      "sizes",
			messages:  box(`"width":"100%","maxWidth":"50px","height":"auto"`),
			container: at(d(body+"/height", invalidProp)),
		},
		{
			name:     "alignment",
			messages: box(`"justifyContent":"left","alignItems":"stretch"`),
			container: at(
				d(body+"/justifyContent", invalidProp),
				d(body+"/alignItems", invalidProp),
			),
		},
		{
			name:      "position and offsets",
			messages:  box(`"position":"fixed","offsetStart":"lg","offsetEnd":"5"`),
			container: at(d(body+"/position", invalidProp), d(body+"/offsetEnd", invalidProp)),
		},
		{
			name:     "gradient incomplete",
			messages: box(`"background":{"type":"linearGradient"}`),
			container: at(d(body+"/background/angle", mustSpecify),
				d(body+"/background/startColor", mustSpecify),
				d(body+"/background/endColor", mustSpecify)),
		},
		{
			name: "gradient angle 360",
			messages: box(`"background":{"type":"linearGradient",
			"angle":"360deg","startColor":"#000000","endColor":"#FFFFFF"}`),
			container: at(d(body+"/background/angle", invalidProp)),
		},
		{
			name:      "radial gradient",
			messages:  box(`"background":{"type":"radialGradient"}`),
			container: at(d(body+"/background/type", "unknown type")),
		},
		{
			name: "action with label 40",
			messages: box(`"action":{"type":"message","label":"` +
				strings.Repeat("l", 40) + `","text":"t"}`),
		},
		{
			name: "action with label 41",
			messages: box(`"action":{"type":"message","label":"` +
				strings.Repeat("l", 41) + `","text":"t"}`),
			container: at(d(body+"/action/label", "length must be between 0 and 40")),
		},
		{
			name:     "camera action refused",
			messages: box(`"action":{"type":"camera","label":"c"}`),
			container: at(
				d(body+"/action/type", "this action can be used only in quick reply buttons"),
			),
		},
		{
			name:      "action with a bad URI",
			messages:  box(`"action":{"type":"uri","uri":"ftp://a/"}`),
			container: at(d(body+"/action/uri", "invalid uri scheme")),
		},
	})
}

// nestedBoxes returns n boxes, each the only component of the one before.
func nestedBoxes(n int) string {
	return strings.Repeat(`{"type":"box","layout":"vertical","contents":[`, n) +
		strings.Repeat(`]}`, n)
}

func TestValidateFlexPlacement(t *testing.T) {
	t.Parallel()
	icon := `{"type":"icon","url":"https://a/i.png"}`
	baseline := func(c string) string {
		return `{"type":"box","layout":"baseline","contents":[` + c + `]}`
	}
	span := `{"type":"span","text":"s"}`
	runValidate(t, []validateTest{
		{
			name:      "icon in a vertical box",
			messages:  flex(bubble(icon)),
			container: at(d(body+"/type", "an icon can be placed only in a baseline box")),
		},
		{
			name:     "icon in a baseline box",
			messages: flex(bubble(baseline(icon))),
		},
		{
			name: "button in a baseline box",
			messages: flex(bubble(baseline(
				`{"type":"button","action":{"type":"message","label":"a","text":"a"}}`))),
			container: at(
				d(body+"/contents/0/type", "a button cannot be placed in a baseline box"),
			),
		},
		{
			name:     "image in a baseline box",
			messages: flex(bubble(baseline(img))),
			container: at(d(body+"/contents/0/type",
				"an image cannot be placed in a baseline box")),
		},
		{
			name:      "span in a box",
			messages:  flex(bubble(span)),
			container: at(d(body+"/type", "a span can be placed only in the contents of a text")),
		},
		{
			name:     "text in a text",
			messages: flex(bubble(`{"type":"text","contents":[` + hello + `]}`)),
			container: at(
				d(body+"/contents/0/type", "only spans can be placed in the contents of a text"),
			),
		},
		{
			name:      "video in a box",
			messages:  flex(bubble(`{"type":"video"}`)),
			container: at(d(body+"/type", "video is not permitted in notification messages")),
		},
		{
			name:      "unknown component",
			messages:  flex(bubble(hello, hello, `{"type":"chart"}`)),
			container: at(d("/body/contents/2/type", "unknown type")),
		},
		{
			name:      "component not an object",
			messages:  flex(bubble(`"text"`)),
			container: at(d(body, invalidProp)),
		},
		{
			name:     "filler",
			messages: flex(bubble(`{"type":"filler","flex":2}`)),
		},
		{
			name:     "10 nested boxes",
			messages: flex(`{"type":"bubble","body":` + nestedBoxes(10) + `}`),
		},
		{
			name:     "11 nested boxes",
			messages: flex(`{"type":"bubble","body":` + nestedBoxes(11) + `}`),
			container: at(d("/body"+strings.Repeat("/contents/0", 10),
				"boxes must not be nested more than 10 levels deep")),
		},
	})
}

func TestValidateFlexText(t *testing.T) {
	t.Parallel()
	txt := func(members string) string { return flex(bubble(`{"type":"text",` + members + `}`)) }
	runValidate(t, []validateTest{
		{
			name:      "text missing",
			messages:  txt(`"size":"md"`),
			container: at(d(body+"/text", mustSpecify)),
		},
		{
			name:      "text empty",
			messages:  txt(`"text":""`),
			container: at(d(body+"/text", "must not be empty")),
		},
		{
			name:     "spans instead of text",
			messages: txt(`"contents":[{"type":"span","text":"a"}]`),
		},
		{
			name:     "span without text",
			messages: txt(`"contents":[{"type":"span","size":"sm"}]`),
		},
		{
			name:      "text not a string",
			messages:  txt(`"text":1`),
			container: at(d(body+"/text", invalidProp)),
		},
		{
			name:     "sizes",
			messages: txt(`"text":"a","size":"3xl"`),
		},
		{
			name:     "pixel size",
			messages: txt(`"text":"a","size":"13.5px"`),
		},
		{
			name:      "size unknown",
			messages:  txt(`"text":"a","size":"huge"`),
			container: at(d(body+"/size", invalidProp)),
		},
		{
			name: "styling",
			messages: txt(`"text":"a","weight":"light","align":"left","gravity":"middle",
			"style":"oblique","decoration":"overline","adjustMode":"grow",
				"wrap":"yes","maxLines":-1`),
			container: at(d(body+"/weight", invalidProp), d(body+"/align", invalidProp),
				d(body+"/gravity", invalidProp), d(body+"/style", invalidProp),
				d(body+"/decoration", invalidProp), d(body+"/adjustMode", invalidProp),
				d(body+"/wrap", invalidProp), d(body+"/maxLines", invalidProp)),
		},
		{
			name:     "action without label",
			messages: txt(`"text":"a","action":{"type":"message","text":"t"}`),
		},
		{
			name:      "span style",
			messages:  txt(`"contents":[{"type":"span","text":"a","weight":"heavy"}]`),
			container: at(d(body+"/contents/0/weight", invalidProp)),
		},
	})
}

func TestValidateFlexButton(t *testing.T) {
	t.Parallel()
	button := func(members string) string {
		return flex(bubble(`{"type":"button",` + members + `}`))
	}
	message := func(label string) string {
		return `"action":{"type":"message","label":"` + label + `","text":"t"}`
	}
	runValidate(t, []validateTest{
		{
			name:      "action missing",
			messages:  button(`"style":"link"`),
			container: at(d(body+"/action", mustSpecify)),
		},
		{
			name:      "label required",
			messages:  button(`"action":{"type":"message","text":"t"}`),
			container: at(d(body+"/action/label", mustSpecify)),
		},
		{
			name:     "label 40",
			messages: button(message(strings.Repeat("l", 40))),
		},
		{
			name:      "label 41",
			messages:  button(message(strings.Repeat("l", 41))),
			container: at(d(body+"/action/label", "length must be between 0 and 40")),
		},
		{
			name:      "style and height",
			messages:  button(message("a") + `,"style":"ghost","height":"lg"`),
			container: at(d(body+"/style", invalidProp), d(body+"/height", invalidProp)),
		},
		{
			name: "rich menu switch refused",
			messages: button(`"action":{"type":"richmenuswitch",
			"label":"a","richMenuAliasId":"x","data":"d"}`),
			container: at(
				d(body+"/action/type", "rich menu switch actions can be used only in rich menus"),
			),
		},
	})
}

func TestValidateFlexImage(t *testing.T) {
	t.Parallel()
	image := func(members string) string {
		return flex(bubble(`{"type":"image","url":"https://a/i.jpg",` + members + `}`))
	}
	animated := `{"type":"image","url":"https://a/i.png","animated":true}`
	runValidate(t, []validateTest{
		{
			name:      "url missing",
			messages:  flex(bubble(`{"type":"image"}`)),
			container: at(d(body+"/url", mustSpecify)),
		},
		{
			name:      "url over HTTP",
			messages:  flex(bubble(`{"type":"image","url":"http://a/i.jpg"}`)),
			container: at(d(body+"/url", "invalid uri scheme")),
		},
		{
			name: "url 2001",
			messages: flex(bubble(`{"type":"image","url":"https://a/` +
				strings.Repeat("i", 1991) + `"}`)),
			container: at(d(body+"/url", "length must be between 0 and 2000")),
		},
		{
			name:     "ratio 1:3",
			messages: image(`"aspectRatio":"1:3"`),
		},
		{
			name:     "ratio 1.91:1",
			messages: image(`"aspectRatio":"1.91:1"`),
		},
		{
			name:      "ratio taller than 1:3",
			messages:  image(`"aspectRatio":"1:3.1"`),
			container: at(d(body+"/aspectRatio", invalidProp)),
		},
		{
			name:      "ratio zero",
			messages:  image(`"aspectRatio":"0:1"`),
			container: at(d(body+"/aspectRatio", invalidProp)),
		},
		{
			name:      "ratio over 100000",
			messages:  image(`"aspectRatio":"100001:100000"`),
			container: at(d(body+"/aspectRatio", invalidProp)),
		},
		{
			name:     "sizes",
			messages: image(`"size":"full"`),
		},
		{
			name:     "size percent",
			messages: image(`"size":"50%"`),
		},
		{
			name:      "aspect mode",
			messages:  image(`"aspectMode":"fill"`),
			container: at(d(body+"/aspectMode", invalidProp)),
		},
		{
			name:     "10 animated",
			messages: flex(bubble(repeat(animated, 10)...)),
		},
		{
			name:     "11 animated",
			messages: flex(bubble(repeat(animated, 11)...)),
			container: at(d("/body/contents/10/animated",
				"at most 10 images in a message may be animated")),
		},
		{
			name: "icon url",
			messages: flex(bubble(`{"type":"box","layout":"baseline","contents":[
			{"type":"icon","url":"line://icon"}]}`)),
			container: at(d(body+"/contents/0/url", "invalid uri scheme")),
		},
	})
}
