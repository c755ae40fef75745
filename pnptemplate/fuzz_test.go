package pnptemplate_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/message"
	"github.com/pnpd/pnpd/pnptemplate"
)

// FuzzParse feeds Parse arbitrary files: it must not panic, every error
// must name the file, and every catalogue it accepts must hold only
// templates whose samples are valid notifications of their own country.
func FuzzParse(f *testing.F) {
	f.Add(pnptemplate.DefaultCSV)
	f.Add([]byte(small))
	f.Add([]byte(head + "JP,template,a_ja,T,D,*b_ja c_ja,\nJP,item,b_ja,L,,v,\n" +
		"JP,button,c_ja,L,,https://a.example/,\n"))
	f.Add([]byte(head + "JP,item,\"a\nb\",L,,,\n"))
	f.Add([]byte("\xef\xbb\xbf" + head))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := pnptemplate.Parse(bytes.NewReader(data), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}

		for _, country := range c.Countries() {
			checkSet(t, c, c.Set(country))
		}
	})
}

func checkSet(t *testing.T, c *pnptemplate.Catalogue, set *pnptemplate.Set) {
	t.Helper()

	for _, tpl := range set.Templates {
		raw := pnptemplate.BodyJSON(set.Sample(tpl))
		body, details := message.ParseTemplateBody(raw)
		if len(details) > 0 {
			t.Fatalf("template %s: sample %s: %v", tpl.Key, raw, details)
		}
		if _, err := c.Fill(set.Country, nil, tpl.Key, body); err != nil {
			t.Fatalf("template %s: sample does not fill: %v", tpl.Key, err)
		}
	}
}
