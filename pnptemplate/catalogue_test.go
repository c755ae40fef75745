package pnptemplate_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/message"
	"github.com/pnpd/pnpd/pnptemplate"
)

const head = "country,kind,key,label,description,sample,note\n"

// small is a valid catalogue of one template, two items and a button.
const small = head +
	"# Japan\n" +
	"JP,template,shipment_completed_ja,発送完了のお知らせ,商品を発送しました。," +
	"*date_002_ja name_010_ja contact_ja,Shipment completed\n" +
	"JP,item,date_002_ja,お届け予定日,,12月5日,Delivery date\n" +
	"JP,item,name_010_ja,商品名,,\"ノート, A5\",Product name\n" +
	"JP,button,contact_ja,お問い合わせ,,https://example.com/contact,Contact us\n"

func TestParse(t *testing.T) {
	t.Parallel()

	c, err := pnptemplate.Parse(strings.NewReader(small), "small.csv")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	if got := c.Countries(); !reflect.DeepEqual(got, []string{"JP"}) {
		t.Errorf("countries = %v, want [JP]", got)
	}
	set := c.Set("JP")
	tpl, ok := set.Template("shipment_completed_ja")
	if !ok || tpl.Title != "発送完了のお知らせ" || tpl.Description != "商品を発送しました。" {
		t.Errorf("template = %+v, %v", tpl, ok)
	}
	if item, _ := set.Item("name_010_ja"); item.Sample != "ノート, A5" {
		t.Errorf("a quoted sample with a comma reads %q", item.Sample)
	}
	if c.Set("TH") != nil {
		t.Error("a country without rows has a catalogue")
	}

	want := message.TemplateBody{
		EmphasizedItem: &message.TemplateItem{ItemKey: "date_002_ja", Content: "12月5日"},
		Items:          []message.TemplateItem{{ItemKey: "name_010_ja", Content: "ノート, A5"}},
		Buttons: []message.TemplateButton{{ButtonKey: "contact_ja",
			URL: "https://example.com/contact"}},
	}
	if got := set.Sample(tpl); !reflect.DeepEqual(got, want) {
		t.Errorf("sample = %+v, want %+v", got, want)
	}
}

// TestParseErrors checks that a bad file is refused with the line at fault.
func TestParseErrors(t *testing.T) {
	t.Parallel()

	tpl := "JP,template,a_ja,Title,Description,,Note\n"
	tests := []struct {
		name, file, want string
	}{
		{"empty", "", `f.csv: the file is empty: it needs the header ` +
			`"country,kind,key,label,description,sample,note" and rows`},
		{"header only", head, "f.csv: no templates: the file has a header and no rows"},
		{"wrong header", "country,kind,key\n",
			`f.csv:1: the first line must be the header ` +
				`"country,kind,key,label,description,sample,note"`},
		{"too few columns", head + tpl + "JP,item,b_ja,Label\n",
			"f.csv:3: a row needs 7 columns (country,kind,key,label,description,sample,note)"},
		{"stray quote", head + tpl + "JP,item,b_ja,La\"bel,,,\n",
			`f.csv:3: column 16: bare " in non-quoted-field`},
		{"unknown country", head + "XX,template,a_ja,T,D,,\n",
			`f.csv:2: unknown country "XX"; give a country code such as JP`},
		{"lower-case country", head + "jp,template,a_ja,T,D,,\n",
			`f.csv:2: unknown country "jp"; give a country code such as JP`},
		{"unknown kind", head + tpl + "JP,label,b_ja,L,,,\n",
			`f.csv:3: unknown kind "label"; the kinds are template, item and button`},
		{"bad key", head + tpl + "JP,item,b-ja,L,,,\n",
			`f.csv:3: the key "b-ja" must be 1 to 100 letters, digits and _`},
		{"duplicate key", head + tpl + "# x\nJP,item,a_ja,L,,,\n",
			"f.csv:4: the key a_ja is defined for JP on line 2 already"},
		{"no title", head + "JP,template,a_ja, ,D,,\n",
			"f.csv:2: the label of a_ja must be 1 to 40 characters"},
		{"long title", head + "JP,template,a_ja," + strings.Repeat("題", 41) + ",D,,\n",
			"f.csv:2: the label of a_ja must be 1 to 40 characters"},
		{"long label", head + tpl + "JP,button,b_ja," + strings.Repeat("x", 31) + ",,,\n",
			"f.csv:3: the label of b_ja must be 1 to 30 characters"},
		{"no description", head + "JP,template,a_ja,T,,,\n",
			"f.csv:2: the description of template a_ja must be 1 to 150 characters"},
		{"item description", head + tpl + "JP,item,b_ja,L,D,,\n",
			"f.csv:3: only templates have a description; b_ja is an item"},
		{"button sample", head + tpl + "JP,button,b_ja,L,,ftp://x/,\n",
			"f.csv:3: the sample of button b_ja must be an http or https URL " +
				"of at most 1000 characters"},
		{"not UTF-8", head + tpl + "JP,item,b_ja,L\xff,,,\n",
			"f.csv:3: the line is not UTF-8 text"},
		{"sample names nothing", head + "JP,template,a_ja,T,D,c_ja,\nJP,item,b_ja,L,,v,\n",
			"f.csv:2: the sample of template a_ja names c_ja, which is no item or button of JP"},
		{"sample from another country", head + "JP,template,a_ja,T,D,b_th,\n" +
			"TH,template,t_th,T,D,,\nTH,item,b_th,L,,v,\n",
			"f.csv:2: the sample of template a_ja names b_th, which is no item or button of JP"},
		{"emphasized button", head + "JP,template,a_ja,T,D,*b_ja,\nJP,button,b_ja,L,,,\n",
			"f.csv:2: the sample of template a_ja emphasizes b_ja, which is no item"},
		{"two emphasized", head + "JP,template,a_ja,T,D,*b_ja *c_ja,\n" +
			"JP,item,b_ja,L,,v,\nJP,item,c_ja,L,,v,\n",
			"f.csv:2: the sample of template a_ja marks a key with * that is not the first: " +
				"only the first key may be the emphasized item"},
		{"emphasized too long", head + "JP,template,a_ja,T,D,*b_ja,\n" +
			"JP,item,b_ja,L,,sixteen chars ok,\n",
			"f.csv:3: the sample of b_ja, which template a_ja (line 2) shows, is not valid " +
				"there: Length must be between 0 and 15"},
		{"sampled button without URL",
			head + "JP,template,a_ja,T,D,b_ja,\nJP,button,b_ja,L,,,\n",
			"f.csv:3: the sample of b_ja, which template a_ja (line 2) shows, is not valid " +
				"there: May not be empty"},
		{"sample with 16 items", head + "JP,template,a_ja,T,D," +
			strings.Repeat("b_ja ", 16) + ",\nJP,item,b_ja,L,,v,\n",
			"f.csv:2: the sample of template a_ja is not a valid notification: body.items: " +
				"Size must be between 0 and 15"},
		{"quote never closed", head + tpl + "JP,item,b_ja,\"Label,,,\n" +
			"JP,item,c_ja,L,,v,\nJP,item,d_ja,\"L\",,v,\n",
			"f.csv:3: a quoted field in this row is not closed (the reader gave up on line 5, " +
				"column 14)"},
		{"UTF-16", "\xff\xfec\x00o\x00", "f.csv: the file is UTF-16 text; save it as UTF-8"},
		{"only comments", "# nothing yet\n",
			`f.csv: the file is empty: it needs the header ` +
				`"country,kind,key,label,description,sample,note" and rows`},
		{"item without template", head + tpl + "TW,item,b_tw,L,,,\n",
			"f.csv: TW has items or buttons but no template"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := pnptemplate.Parse(strings.NewReader(tt.file), "f.csv")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v\nwant    %s", err, tt.want)
			}
		})
	}
}

// TestParseForgives checks what spreadsheets and editors add to a file:
// a byte order mark, CRLF line ends, lines of white space.
func TestParseForgives(t *testing.T) {
	t.Parallel()

	file := "\xef\xbb\xbf" + strings.ReplaceAll(small, "\n", "\r\n") + "  \r\n\t\n"
	c, err := pnptemplate.Parse(strings.NewReader(file), "excel.csv")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if tpl, ok := c.Set("JP").Template("shipment_completed_ja"); !ok ||
		tpl.Note != "Shipment completed" {
		t.Errorf("template = %+v, %v", tpl, ok)
	}

	// A button URL is counted in UTF-16 units, as the API counts it.
	url := "https://例え.jp/" + strings.Repeat("あ", 980)
	_, err = pnptemplate.Parse(strings.NewReader(small+"JP,button,long_ja,L,,"+url+",\n"), "f")
	if err != nil {
		t.Errorf("a URL of %d bytes and 994 units: %v", len(url), err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := pnptemplate.Load(good)
	if err != nil || c.Set("JP") == nil {
		t.Fatalf("Load = %v, %v", c, err)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(small+"JP,item,x_ja\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = pnptemplate.Load(bad)
	if want := bad + ":7: a row needs 7 columns"; err == nil ||
		!strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load(bad) = %v, want an error starting %q", err, want)
	}

	_, err = pnptemplate.Load(filepath.Join(dir, "missing.csv"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error", err)
	}
}

func TestFill(t *testing.T) {
	t.Parallel()

	c, err := pnptemplate.Parse(strings.NewReader(small), "small.csv")
	if err != nil {
		t.Fatal(err)
	}

	body := message.TemplateBody{
		EmphasizedItem: &message.TemplateItem{ItemKey: "date_002_ja", Content: "12/5"},
		Items: []message.TemplateItem{{ItemKey: "name_010_ja", Content: "<b>Note</b>"},
			{ItemKey: "datetime_000", Content: "x"}},
		Buttons: []message.TemplateButton{{ButtonKey: "contact_ja", URL: "https://a.example/"},
			{ButtonKey: "Check_Contact", URL: "https://a.example/"}},
	}

	_, err = c.Fill("JP", nil, "shipment_completed_ja", body)
	var unknown *pnptemplate.UnknownKeysError
	want := []pnptemplate.UnknownKey{
		{Kind: "item", Key: "datetime_000", Property: "body.items[1].itemKey"},
		{Kind: "button", Key: "Check_Contact", Property: "body.buttons[1].buttonKey"},
	}
	if !errors.As(err, &unknown) || !reflect.DeepEqual(unknown.Keys, want) {
		t.Errorf("Fill with unknown keys = %v, want %+v", err, want)
	}

	body.Items, body.Buttons = body.Items[:1], body.Buttons[:1]
	m, err := c.Fill("JP", nil, "shipment_completed_ja", body)
	if err != nil {
		t.Fatalf("Fill: %v", err)
	}
	wantJSON := `{"type":"notificationTemplate","templateKey":"shipment_completed_ja",` +
		`"title":"発送完了のお知らせ","description":"商品を発送しました。",` +
		`"emphasizedItem":{"itemKey":"date_002_ja","label":"お届け予定日","content":"12/5"},` +
		`"items":[{"itemKey":"name_010_ja","label":"商品名","content":"<b>Note</b>"}],` +
		`"buttons":[{"buttonKey":"contact_ja","label":"お問い合わせ",` +
		`"url":"https://a.example/"}]}`
	if got := string(m.JSON()); got != wantJSON {
		t.Errorf("filled message\n got %s\nwant %s", got, wantJSON)
	}
}

func TestFillUnknownTemplate(t *testing.T) {
	t.Parallel()

	c, err := pnptemplate.Parse(strings.NewReader(small), "small.csv")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, country, key string
		permitted          []string
	}{
		{"unknown key", "JP", "reserve_004", nil},
		{"another country's catalogue", "TH", "shipment_completed_ja", nil},
		{"not permitted", "JP", "shipment_completed_ja", []string{"payment_due_ja"}},
		{"case differs", "JP", "Shipment_Completed_ja", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := c.Fill(tt.country, tt.permitted, tt.key, message.TemplateBody{})
			var unknown *pnptemplate.UnknownTemplateError
			if !errors.As(err, &unknown) || unknown.Key != tt.key {
				t.Errorf("Fill = %v, want an unknown template %s", err, tt.key)
			}
		})
	}

	_, err = c.Fill("JP", []string{"shipment_completed_ja"}, "shipment_completed_ja",
		message.TemplateBody{})
	if err != nil {
		t.Errorf("a permitted template: %v", err)
	}
}
