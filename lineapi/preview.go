package lineapi

import (
	"bytes"
	_ "embed" // for the page template
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/messenger/render"
	"github.com/pnpd/pnpd/pnptemplate"
)

// The pages that show template notifications outside a chat: the preview of
// one request and the catalogue with a sample of every template. Neither is
// LINE's; both render with the messenger's renderer, so what they show is
// what a recipient sees.

//go:embed preview.html
var pageSource string

var pages = template.Must(template.New("preview").Parse(pageSource))

// countryLanguage is the language a country's recipients read by default.
var countryLanguage = map[string]string{"JP": "ja", "TH": "th", "TW": "zh-TW"}

// pageLanguages are the languages the pages' fixed words come in.
var pageLanguages = []string{"en", "ja", "th", "zh-TW"}

// previewPage is what the page template gets.
type previewPage struct {
	Title      string
	Stylesheet template.CSS
	Lang       string
	Languages  []string
	Country    string
	Countries  []string
	Previews   []preview
	Set        *pnptemplate.Set
}

// preview is one rendered template notification with the request body that
// sends it.
type preview struct {
	Template pnptemplate.Template
	HTML     template.HTML
	Body     string
}

// previewTemplated is POST /templates/preview: the template notification a
// request would send, as the channel's recipients would see it, in the
// language ?lang= names (the channel country's by default). The request is
// checked as the push checks it, to aside, and refused with the same
// bodies; nothing is stored or sent.
func (a *API) previewTemplated(w http.ResponseWriter, r *http.Request,
	ch *pnpd.Channel) error {
	_, body, err := readSend(r, ch, pnpd.KindTemplate)
	if err != nil {
		return err
	}

	_, filled, err := a.decodeTemplated(body, ch, false)
	if err != nil {
		return err
	}

	lang := a.pageLanguage(r, ch.Country)
	html := render.MessageFrom(filled.JSON(), ch.Name, a.words(lang))

	return a.writePage(w, http.StatusOK, previewPage{Title: "Preview: " + filled.Title,
		Lang: lang, Previews: []preview{{HTML: html}}})
}

// catalogue is GET /templates: a country's template catalogue (?country=,
// JP by default), every template shown with a sample and the request body
// that sends it.
func (a *API) catalogue(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Line-Request-Id", pnpd.NewRequestID())
	country := strings.ToUpper(r.URL.Query().Get("country"))
	if countries := a.Templates.Countries(); country == "" && len(countries) > 0 {
		country = countries[0]
		if a.Templates.Set("JP") != nil {
			country = "JP"
		}
	}

	lang := a.pageLanguage(r, country)
	page := previewPage{Title: "Template catalogue: " + country, Lang: lang,
		Languages: pageLanguages, Country: country, Countries: a.Templates.Countries()}
	set := a.Templates.Set(country)
	if set == nil {
		page.Title = "No template catalogue for " + country
		if err := a.writePage(w, http.StatusNotFound, page); err != nil {
			a.writeError(w, r, err)
		}
		return
	}
	page.Set = set
	for _, t := range set.Templates {
		page.Previews = append(page.Previews, a.sample(set, t, lang))
	}

	if err := a.writePage(w, http.StatusOK, page); err != nil {
		a.writeError(w, r, err)
	}
}

// sample renders a template with its sample content.
func (a *API) sample(set *pnptemplate.Set, t pnptemplate.Template, lang string) preview {
	content := set.Sample(t)
	p := preview{Template: t}
	if filled, err := a.Templates.Fill(set.Country, nil, t.Key, content); err == nil {
		p.HTML = render.MessageFrom(filled.JSON(), "Your channel", a.words(lang))
	}

	req := struct {
		To          string          `json:"to"`
		TemplateKey string          `json:"templateKey"`
		Body        json.RawMessage `json:"body"`
	}{"<phone hash>", t.Key, pnptemplate.BodyJSON(content)}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(req)
	p.Body = buf.String()

	return p
}

// words are the renderer's words in a language; without Words, the
// renderer shows its keys.
func (a *API) words(lang string) render.Text {
	if a.Words == nil {
		return nil
	}

	return a.Words(lang)
}

// pageLanguage is ?lang= (in any case) when the pages speak it, else the
// country's.
func (a *API) pageLanguage(r *http.Request, country string) string {
	asked := r.URL.Query().Get("lang")
	if i := slices.IndexFunc(pageLanguages, func(l string) bool {
		return strings.EqualFold(l, asked)
	}); i >= 0 {
		return pageLanguages[i]
	}
	if lang, ok := countryLanguage[country]; ok {
		return lang
	}

	return "en"
}

// writePage writes a page that loads nothing and runs nothing: its only
// links are the buttons of the notifications it shows.
func (a *API) writePage(w http.ResponseWriter, status int, page previewPage) error {
	page.Stylesheet = template.CSS(render.Stylesheet)
	var buf bytes.Buffer
	if err := pages.Execute(&buf, page); err != nil {
		return err
	}

	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())

	return nil
}
