package message

import (
	"strings"
	"testing"
)

// tmpl builds a template message around a template object.
func tmpl(template string) string {
	return `[{"type":"template","altText":"alt","template":` + template + `}]`
}

// buttons builds a buttons template from extra members and actions.
func buttons(extra string, actions ...string) string {
	if extra != "" {
		extra += ","
	}

	return tmpl(`{"type":"buttons",` + extra + `"actions":[` + strings.Join(actions, ",") + `]}`)
}

const (
	buy      = `{"type":"postback","label":"Buy","data":"action=buy&itemid=123"}`
	yes      = `{"type":"message","label":"Yes","text":"yes"}`
	no       = `{"type":"message","label":"No","text":"no"}`
	tpl      = "messages[0].template"
	httpsURI = "URI scheme must be one of the following values: [https]"
	linkURI  = "URI scheme must be one of the following values: [http, https, line, tel]"
)

func TestValidateTemplate(t *testing.T) {
	t.Parallel()
	runValidate(t, []validateTest{
		{
			name: "buttons, LINE's example",
			messages: buttons(`"thumbnailImageUrl":"https://example.com/i.jpg",
			"imageAspectRatio":"rectangle","imageSize":"cover","imageBackgroundColor":"#FFFFFF",
			"title":"Menu","text":"Please select",
			"defaultAction":{"type":"uri","label":"View detail",
				"uri":"http://example.com/page/123"}`,
				buy, `{"type":"uri","label":"View detail","uri":"http://example.com/page/123"}`),
		},
		{
			name: "altText 1500",
			messages: `[{"type":"template","altText":"` + strings.Repeat("a", 1500) +
				`","template":{"type":"confirm","text":"?","actions":[` + yes + `,` + no + `]}}]`,
		},
		{
			name: "altText 1501",
			messages: `[{"type":"template","altText":"` + strings.Repeat("a", 1501) +
				`","template":{"type":"confirm","text":"?","actions":[` + yes + `,` + no + `]}}]`,
			want: []Detail{d("messages[0].altText", "Length must be between 0 and 1500")},
		},
		{
			name:     "missing members",
			messages: `[{"type":"template"}]`,
			want:     []Detail{d("messages[0].altText", emptyMsg), d(tpl, emptyMsg)},
		},
		{
			name:     "template not an object",
			messages: `[{"type":"template","altText":"a","template":"x"}]`,
			want:     []Detail{d(tpl, "Must be an object")},
		},
		{
			name:     "image carousel refused",
			messages: tmpl(`{"type":"image_carousel","columns":[]}`),
			want: []Detail{d(tpl+".type",
				"Image carousel templates are not permitted in notification messages")},
		},
		{
			name:     "unknown template",
			messages: tmpl(`{"type":"list"}`),
			want: []Detail{d(tpl+".type", "Must be one of the following values: "+
				"[buttons, confirm, carousel, image_carousel]")},
		},
	})
}

func TestValidateButtonsTemplate(t *testing.T) {
	t.Parallel()
	a := func(n int) string { return `"text":"` + strings.Repeat("a", n) + `"` }
	runValidate(t, []validateTest{
		{
			name:     "text 160",
			messages: buttons(a(160), buy),
		},
		{
			name:     "text 161",
			messages: buttons(a(161), buy),
			want:     []Detail{d(tpl+".text", "Length must be between 0 and 160")},
		},
		{
			name:     "text 60 with title",
			messages: buttons(`"title":"t",`+a(60), buy),
		},
		{
			name:     "text 61 with title",
			messages: buttons(`"title":"t",`+a(61), buy),
			want:     []Detail{d(tpl+".text", "Length must be between 0 and 60")},
		},
		{
			name:     "text 61 with image",
			messages: buttons(a(61)+`,"thumbnailImageUrl":"https://a/b.jpg"`, buy),
			want:     []Detail{d(tpl+".text", "Length must be between 0 and 60")},
		},
		{
			name:     "text missing",
			messages: buttons(``, buy),
			want:     []Detail{d(tpl+".text", emptyMsg)},
		},
		{
			name:     "title 40",
			messages: buttons(`"title":"`+strings.Repeat("t", 40)+`",`+a(1), buy),
		},
		{
			name:     "title 41",
			messages: buttons(`"title":"`+strings.Repeat("t", 41)+`",`+a(1), buy),
			want:     []Detail{d(tpl+".title", "Length must be between 0 and 40")},
		},
		{
			name:     "4 actions",
			messages: buttons(a(1), buy, buy, buy, buy),
		},
		{
			name:     "5 actions",
			messages: buttons(a(1), buy, buy, buy, buy, buy),
			want:     []Detail{d(tpl+".actions", "Size must be between 1 and 4")},
		},
		{
			name:     "no actions",
			messages: buttons(a(1)),
			want:     []Detail{d(tpl+".actions", "Size must be between 1 and 4")},
		},
		{
			name:     "thumbnail over HTTP",
			messages: buttons(a(1)+`,"thumbnailImageUrl":"http://a/b.jpg"`, buy),
			want:     []Detail{d(tpl+".thumbnailImageUrl", httpsURI)},
		},
		{
			name: "thumbnail 2001",
			messages: buttons(`"thumbnailImageUrl":"https://a/`+
				strings.Repeat("b", 1991)+`",`+a(1), buy),
			want: []Detail{d(tpl+".thumbnailImageUrl", "Length must be between 0 and 2000")},
		},
		{
			name: "image options",
			messages: buttons(a(1)+
				`,"imageAspectRatio":"wide","imageSize":"fill",`+
				`"imageBackgroundColor":"#FFFFFF80"`, buy),
			want: []Detail{
				d(tpl+".imageAspectRatio",
					"Must be one of the following values: [rectangle, square]"),
				d(tpl+".imageSize", "Must be one of the following values: [cover, contain]"),
				d(tpl+".imageBackgroundColor", "Must be a color code in #RRGGBB form"),
			},
		},
		{
			name:     "default action needs no label",
			messages: buttons(a(1)+`,"defaultAction":{"type":"uri","uri":"https://a/"}`, buy),
		},
	})
}

func TestValidateConfirmTemplate(t *testing.T) {
	t.Parallel()
	confirm := func(text string, actions ...string) string {
		return tmpl(`{"type":"confirm","text":"` + text + `","actions":[` +
			strings.Join(actions, ",") + `]}`)
	}
	runValidate(t, []validateTest{
		{
			name:     "LINE's example",
			messages: confirm("Are you sure?", yes, no),
		},
		{
			name:     "text 240",
			messages: confirm(strings.Repeat("a", 240), yes, no),
		},
		{
			name:     "text 241",
			messages: confirm(strings.Repeat("a", 241), yes, no),
			want:     []Detail{d(tpl+".text", "Length must be between 0 and 240")},
		},
		{
			name:     "one action",
			messages: confirm("?", yes),
			want:     []Detail{d(tpl+".actions", "Size must be between 2 and 2")},
		},
		{
			name:     "three actions",
			messages: confirm("?", yes, no, yes),
			want:     []Detail{d(tpl+".actions", "Size must be between 2 and 2")},
		},
	})
}

// column builds a carousel column with the given text and actions.
func column(text string, actions ...string) string {
	return `{"text":"` + text + `","actions":[` + strings.Join(actions, ",") + `]}`
}

// carousel builds a carousel template from columns.
func carousel(columns ...string) string {
	return tmpl(`{"type":"carousel","columns":[` + strings.Join(columns, ",") + `]}`)
}

func TestValidateCarouselTemplate(t *testing.T) {
	t.Parallel()
	col := column("a", buy, buy)
	cols := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = col
		}
		return s
	}
	runValidate(t, []validateTest{
		{
			name:     "two columns",
			messages: carousel(col, col),
		},
		{
			name:     "10 columns",
			messages: carousel(cols(10)...),
		},
		{
			name:     "11 columns",
			messages: carousel(cols(11)...),
			want:     []Detail{d(tpl+".columns", "Size must be between 1 and 10")},
		},
		{
			name:     "no columns",
			messages: carousel(),
			want:     []Detail{d(tpl+".columns", "Size must be between 1 and 10")},
		},
		{
			name:     "columns missing",
			messages: tmpl(`{"type":"carousel"}`),
			want:     []Detail{d(tpl+".columns", emptyMsg)},
		},
		{
			name:     "unequal actions",
			messages: carousel(col, column("b", buy), col),
			want: []Detail{
				d(tpl+".columns[1].actions", "Must have as many actions as the first column"),
			},
		},
		{
			name:     "4 actions",
			messages: carousel(column("a", buy, buy, buy, buy)),
			want:     []Detail{d(tpl+".columns[0].actions", "Size must be between 1 and 3")},
		},
		{
			name:     "text 120",
			messages: carousel(column(strings.Repeat("a", 120), buy)),
		},
		{
			name:     "text 121",
			messages: carousel(column(strings.Repeat("a", 121), buy)),
			want:     []Detail{d(tpl+".columns[0].text", "Length must be between 0 and 120")},
		},
		{
			name: "text 61 with title",
			messages: carousel(`{"title":"t","text":"` + strings.Repeat("a", 61) +
				`","actions":[` + buy + `]}`),
			want: []Detail{d(tpl+".columns[0].text", "Length must be between 0 and 60")},
		},
		{
			name: "image options",
			messages: tmpl(`{"type":"carousel","columns":[` + col +
				`],"imageAspectRatio":"square","imageSize":"contain"}`),
		},
	})
}

// withAction builds a buttons template whose only action is action.
func withAction(action string) string {
	return buttons(`"text":"a"`, action)
}

const act = tpl + ".actions[0]"

func TestValidateTemplateActions(t *testing.T) {
	t.Parallel()
	runValidate(t, []validateTest{
		{
			name:     "label required",
			messages: withAction(`{"type":"message","text":"yes"}`),
			want:     []Detail{d(act+".label", emptyMsg)},
		},
		{
			name: "label 20",
			messages: withAction(`{"type":"message","label":"` +
				strings.Repeat("l", 20) + `","text":"yes"}`),
		},
		{
			name: "label 21",
			messages: withAction(`{"type":"message","label":"` +
				strings.Repeat("l", 21) + `","text":"yes"}`),
			want: []Detail{d(act+".label", "Length must be between 0 and 20")},
		},
		{
			name:     "type missing",
			messages: withAction(`{"label":"x"}`),
			want:     []Detail{d(act+".type", emptyMsg)},
		},
		{
			name:     "unknown type",
			messages: withAction(`{"type":"share","label":"x"}`),
			want: []Detail{d(act+".type", "Must be one of the following values: "+
				"[postback, message, uri, datetimepicker, camera, cameraRoll, location, "+
				"richmenuswitch, clipboard]")},
		},
		{
			name:     "camera only in quick replies",
			messages: withAction(`{"type":"camera","label":"c"}`),
			want: []Detail{
				d(act+".type", "This action can be used only in quick reply buttons"),
			},
		},
		{
			name:     "location only in quick replies",
			messages: withAction(`{"type":"location","label":"c"}`),
			want: []Detail{
				d(act+".type", "This action can be used only in quick reply buttons"),
			},
		},
		{
			name:     "rich menu switch only in rich menus",
			messages: withAction(`{"type":"richmenuswitch","richMenuAliasId":"a","data":"b"}`),
			want: []Detail{
				d(act+".type", "Rich menu switch actions can be used only in rich menus"),
			},
		},
		{
			name:     "action not an object",
			messages: withAction(`"buy"`),
			want:     []Detail{d(act, "Must be an object")},
		},
	})
}

func TestValidatePostbackAction(t *testing.T) {
	t.Parallel()
	pb := func(members string) string {
		return withAction(`{"type":"postback","label":"Buy",` + members + `}`)
	}
	runValidate(t, []validateTest{
		{
			name: "LINE's example",
			messages: pb(`"data":"action=buy&itemid=111","displayText":"Buy",
			"inputOption":"openKeyboard","fillInText":"---\nName: \n---"`),
		},
		{
			name:     "data missing",
			messages: pb(`"displayText":"Buy"`),
			want:     []Detail{d(act+".data", emptyMsg)},
		},
		{
			name:     "data 300",
			messages: pb(`"data":"` + strings.Repeat("d", 300) + `"`),
		},
		{
			name:     "data 301",
			messages: pb(`"data":"` + strings.Repeat("d", 301) + `"`),
			want:     []Detail{d(act+".data", "Length must be between 0 and 300")},
		},
		{
			name:     "displayText 301",
			messages: pb(`"data":"d","displayText":"` + strings.Repeat("t", 301) + `"`),
			want:     []Detail{d(act+".displayText", "Length must be between 0 and 300")},
		},
		{
			name:     "text with displayText",
			messages: pb(`"data":"d","displayText":"a","text":"b"`),
			want:     []Detail{d(act+".text", "Must not be specified together with displayText")},
		},
		{
			name:     "inputOption",
			messages: pb(`"data":"d","inputOption":"openCamera"`),
			want: []Detail{d(act+".inputOption", "Must be one of the following values: "+
				"[closeRichMenu, openRichMenu, openKeyboard, openVoice]")},
		},
	})
}

func TestValidateURIAction(t *testing.T) {
	t.Parallel()
	uri := func(members string) string {
		return withAction(`{"type":"uri","label":"Go",` + members + `}`)
	}
	runValidate(t, []validateTest{
		{
			name:     "https",
			messages: uri(`"uri":"https://example.com/menu"`),
		},
		{
			name:     "tel",
			messages: uri(`"uri":"tel:09001234567"`),
		},
		{
			name:     "line",
			messages: uri(`"uri":"line://nv/recommendOA/@linedevelopers"`),
		},
		{
			name:     "upper-case scheme",
			messages: uri(`"uri":"HTTPS://example.com/"`),
		},
		{
			name:     "alt URI",
			messages: uri(`"uri":"http://a/","altUri":{"desktop":"http://a/pc"}`),
		},
		{
			name:     "ftp",
			messages: uri(`"uri":"ftp://example.com/"`),
			want:     []Detail{d(act+".uri", linkURI)},
		},
		{
			name:     "no scheme",
			messages: uri(`"uri":"example.com"`),
			want:     []Detail{d(act+".uri", linkURI)},
		},
		{
			name:     "uri 1000",
			messages: uri(`"uri":"https://a/` + strings.Repeat("b", 990) + `"`),
		},
		{
			name:     "uri 1001",
			messages: uri(`"uri":"https://a/` + strings.Repeat("b", 991) + `"`),
			want:     []Detail{d(act+".uri", "Length must be between 0 and 1000")},
		},
		{
			name:     "alt URI scheme",
			messages: uri(`"uri":"http://a/","altUri":{"desktop":"javascript:x"}`),
			want:     []Detail{d(act+".altUri.desktop", linkURI)},
		},
		{
			name:     "uri missing",
			messages: uri(`"altUri":{}`),
			want:     []Detail{d(act+".uri", emptyMsg)},
		},
	})
}

func TestValidateDatetimePickerAction(t *testing.T) {
	t.Parallel()
	picker := func(mode, members string) string {
		return withAction(`{"type":"datetimepicker","label":"Pick","data":"d","mode":"` +
			mode + `"` + members + `}`)
	}
	runValidate(t, []validateTest{
		{
			name: "LINE's example",
			messages: picker("datetime",
				`,"initial":"2017-12-25t00:00","max":"2018-01-24t23:59","min":"2017-12-25t00:00"`),
		},
		{
			name: "date",
			messages: picker("date",
				`,"initial":"2017-06-18","min":"1900-01-01","max":"2100-12-31"`),
		},
		{
			name:     "time",
			messages: picker("time", `,"initial":"06:15","min":"00:00","max":"23:59"`),
		},
		{
			name:     "date without zero padding",
			messages: picker("date", `,"initial":"2017-6-18"`),
			want: []Detail{
				d(act+".initial", "Must be a date between 1900-01-01 and 2100-12-31"),
			},
		},
		{
			name:     "date before 1900",
			messages: picker("date", `,"min":"1899-12-31"`),
			want:     []Detail{d(act+".min", "Must be a date between 1900-01-01 and 2100-12-31")},
		},
		{
			name:     "time 24:00",
			messages: picker("time", `,"max":"24:00"`),
			want:     []Detail{d(act+".max", "Must be a time between 00:00 and 23:59")},
		},
		{
			name:     "date for datetime",
			messages: picker("datetime", `,"initial":"2017-06-18"`),
			want: []Detail{d(act+".initial",
				"Must be a datetime between 1900-01-01T00:00 and 2100-12-31T23:59")},
		},
		{
			name:     "max before min",
			messages: picker("date", `,"max":"2017-01-01","min":"2017-01-02"`),
			want:     []Detail{d(act+".max", "Must be later than min")},
		},
		{
			name:     "max equal to min",
			messages: picker("time", `,"min":"10:00","max":"10:00"`),
			want:     []Detail{d(act+".max", "Must be later than min")},
		},
		{
			name:     "unknown mode",
			messages: picker("week", `,"initial":"2017-W01"`),
			want: []Detail{
				d(act+".mode", "Must be one of the following values: [date, time, datetime]"),
			},
		},
	})
}

func TestValidateClipboardAction(t *testing.T) {
	t.Parallel()
	clip := func(text string) string {
		return withAction(`{"type":"clipboard","label":"Copy","clipboardText":"` + text + `"}`)
	}
	runValidate(t, []validateTest{
		{
			name:     "LINE's example",
			messages: clip("3B48740B"),
		},
		{
			name:     "1000",
			messages: clip(strings.Repeat("c", 1000)),
		},
		{
			name:     "1001",
			messages: clip(strings.Repeat("c", 1001)),
			want:     []Detail{d(act+".clipboardText", "Length must be between 0 and 1000")},
		},
		{
			name:     "empty",
			messages: clip(""),
			want:     []Detail{d(act+".clipboardText", emptyMsg)},
		},
	})
}
