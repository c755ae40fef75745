// Package pnptemplate holds the template catalogue of template notifications
// (LINE's "notification messages (template)"): for each country, the
// templates a channel may name, with their fixed title and description; the
// items, whose labels are fixed by their keys; and the buttons. A channel's
// country chooses its catalogue. The package checks a template notification's
// keys against the catalogue and fills the template in.
//
// The catalogue is data: an embedded CSV file (catalogue.csv, the default)
// or an operator's own file in the same form, which replaces it whole.
package pnptemplate

import (
	"bufio"
	"bytes"
	_ "embed" // for DefaultCSV
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/message"
)

// DefaultCSV is the embedded catalogue, in the form Parse reads.
//
//go:embed catalogue.csv
var DefaultCSV []byte

// Template is one template: its key and the words shown at its top.
type Template struct {
	Key         string
	Title       string
	Description string
	// Sample lists the item and button keys of a realistic example, the
	// emphasized item first when there is one; see Set.Sample.
	Sample []string
	// Emphasized reports whether Sample starts with an emphasized item.
	Emphasized bool
	Note       string // an English gloss for integrators
}

// Item is one item: its key, the label it fixes, and an example value.
type Item struct {
	Key    string
	Label  string
	Sample string
	Note   string
}

// Button is one button: its key, the label it fixes, and an example URL.
type Button struct {
	Key    string
	Label  string
	Sample string
	Note   string
}

// Set is one country's catalogue.
type Set struct {
	Country   string
	Templates []Template
	Items     []Item
	Buttons   []Button

	templates, items, buttons map[string]int // key → index
}

// Template returns the template with the key.
func (s *Set) Template(key string) (Template, bool) {
	i, ok := s.templates[key]
	if !ok {
		return Template{}, false
	}

	return s.Templates[i], true
}

// Item returns the item with the key.
func (s *Set) Item(key string) (Item, bool) {
	i, ok := s.items[key]
	if !ok {
		return Item{}, false
	}

	return s.Items[i], true
}

// Button returns the button with the key.
func (s *Set) Button(key string) (Button, bool) {
	i, ok := s.buttons[key]
	if !ok {
		return Button{}, false
	}

	return s.Buttons[i], true
}

// Sample is the body of a realistic template notification for t, built
// from the sample values of its items and buttons.
func (s *Set) Sample(t Template) message.TemplateBody {
	var b message.TemplateBody
	for i, key := range t.Sample {
		if it, ok := s.Item(key); ok {
			item := message.TemplateItem{ItemKey: it.Key, Content: it.Sample}
			if i == 0 && t.Emphasized {
				b.EmphasizedItem = &item
				continue
			}
			b.Items = append(b.Items, item)
		}
		if bt, ok := s.Button(key); ok {
			b.Buttons = append(b.Buttons, message.TemplateButton{ButtonKey: bt.Key,
				URL: bt.Sample})
		}
	}

	return b
}

// Catalogue is every country's catalogue.
type Catalogue struct {
	sets map[string]*Set
}

// Set returns a country's catalogue, or nil when the country has none.
func (c *Catalogue) Set(country string) *Set {
	return c.sets[country]
}

// Countries lists the countries that have a catalogue, in order.
func (c *Catalogue) Countries() []string {
	out := make([]string, 0, len(c.sets))
	for country := range c.sets {
		out = append(out, country)
	}
	slices.Sort(out)

	return out
}

// Default returns the embedded catalogue. It panics if the embedded file
// is invalid, which the package's tests rule out.
func Default() *Catalogue {
	c, err := Parse(bytes.NewReader(DefaultCSV), "catalogue.csv")
	if err != nil {
		panic(fmt.Sprintf("pnptemplate: embedded catalogue: %v", err))
	}

	return c
}

// Load reads a catalogue file; errors name the file and the line at fault.
func Load(path string) (*Catalogue, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("template catalogue: %w", err)
	}
	defer f.Close()

	return Parse(f, path)
}

// header is the first record of a catalogue file.
var header = []string{"country", "kind", "key", "label", "description", "sample", "note"}

// Limits on a catalogue's words, in UTF-16 code units, which keep every
// template readable on a phone.
const (
	maxKey         = 100
	maxTitle       = 40
	maxDescription = 150
	maxLabel       = 30
	maxItemSample  = 300
	maxButtonURL   = 1000
	maxNote        = 200
)

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Parse reads a catalogue in CSV: a header line, then one row per template,
// item or button with the columns country, kind, key, label (a template's
// title), description (templates only), sample and note. Lines starting
// with # are comments. name is used in errors, which give the line at fault
// as name:line.
func Parse(r io.Reader, name string) (*Catalogue, error) {
	p := &parser{name: name, cat: &Catalogue{sets: map[string]*Set{}},
		lines: map[string]int{}}
	if err := p.read(r); err != nil {
		return nil, err
	}

	if err := p.checkSamples(); err != nil {
		return nil, err
	}

	return p.cat, p.complete()
}

// parser reads one catalogue file.
type parser struct {
	name   string
	cat    *Catalogue
	headed bool           // the header has been read
	line   int            // the line of the record being read
	lines  map[string]int // country + key → the line that defined it
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

func (p *parser) read(r io.Reader) error {
	br := bufio.NewReader(r)
	if err := skipBOM(br); err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}

	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // counted here, so that a short header is named as such
	cr.ReuseRecord = true

	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return p.csvError(err)
		}
		p.line, _ = cr.FieldPos(0)

		// A line of white space is as blank as an empty one, which the
		// CSV reader skips itself.
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if err := p.take(rec); err != nil {
			return err
		}
	}
}

// take takes one record: the header first, rows after it.
func (p *parser) take(rec []string) error {
	if !p.headed {
		if !slices.Equal(rec, header) {
			return p.errorf(p.line, "the first line must be the header %q",
				strings.Join(header, ","))
		}
		p.headed = true

		return nil
	}

	if len(rec) != len(header) {
		return p.errorf(p.line, "a row needs %d columns (%s)", len(header),
			strings.Join(header, ","))
	}

	return p.record(rec)
}

// skipBOM drops the byte order mark that spreadsheets put at the start of
// UTF-8 files, and refuses UTF-16, which the CSV reader cannot read.
func skipBOM(br *bufio.Reader) error {
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		_, err := br.Discard(3)
		return err
	case bytes.HasPrefix(head, []byte("\xff\xfe")), bytes.HasPrefix(head, []byte("\xfe\xff")):
		return errors.New("the file is UTF-16 text; save it as UTF-8")
	}

	return nil
}

// csvError names the line and column of a CSV syntax error, such as a
// stray quote. A quote that is never closed is named where its row starts:
// the reader notices only where it gives up, rows later.
func (p *parser) csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", p.name, err)
	}

	if errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line {
		return p.errorf(pe.StartLine, "a quoted field in this row is not closed (the "+
			"reader gave up on line %d, column %d)", pe.Line, pe.Column)
	}

	return p.errorf(pe.Line, "column %d: %v", pe.Column, pe.Err)
}

// row is one record, by column.
type row struct{ country, kind, key, label, description, sample, note string }

func (p *parser) record(rec []string) error {
	for _, field := range rec {
		if !utf8.ValidString(field) {
			return p.errorf(p.line, "the line is not UTF-8 text")
		}
	}

	r := row{rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6]}
	if err := p.checkRow(r); err != nil {
		return err
	}

	set := p.set(r.country)
	p.lines[r.country+" "+r.key] = p.line
	switch r.kind {
	case "template":
		sample, emphasized := sampleKeys(r.sample)
		set.templates[r.key] = len(set.Templates)
		set.Templates = append(set.Templates, Template{Key: r.key, Title: r.label,
			Description: r.description, Sample: sample, Emphasized: emphasized, Note: r.note})
	case "item":
		set.items[r.key] = len(set.Items)
		set.Items = append(set.Items, Item{Key: r.key, Label: r.label, Sample: r.sample,
			Note: r.note})
	case "button":
		set.buttons[r.key] = len(set.Buttons)
		set.Buttons = append(set.Buttons, Button{Key: r.key, Label: r.label, Sample: r.sample,
			Note: r.note})
	}

	return nil
}

func (p *parser) set(country string) *Set {
	s, ok := p.cat.sets[country]
	if !ok {
		s = &Set{Country: country, templates: map[string]int{}, items: map[string]int{},
			buttons: map[string]int{}}
		p.cat.sets[country] = s
	}

	return s
}

// checkRow checks one row on its own; the keys a template's sample names
// are checked once every row is read.
func (p *parser) checkRow(r row) error {
	if err := p.checkKey(r); err != nil {
		return err
	}

	if err := p.checkWords(r); err != nil {
		return err
	}

	if r.kind == "button" && r.sample != "" && !webPage(r.sample) {
		return p.errorf(p.line, "the sample of button %s must be an http or https URL "+
			"of at most %d characters", r.key, maxButtonURL)
	}

	return nil
}

func (p *parser) checkKey(r row) error {
	switch {
	case !pnpd.KnownCountry(r.country) || strings.ToUpper(r.country) != r.country:
		return p.errorf(p.line, "unknown country %q; give a country code such as JP", r.country)
	case r.kind != "template" && r.kind != "item" && r.kind != "button":
		return p.errorf(p.line, "unknown kind %q; the kinds are template, item and button",
			r.kind)
	case r.key == "" || len(r.key) > maxKey || !keyPattern.MatchString(r.key):
		return p.errorf(p.line, "the key %q must be 1 to %d letters, digits and _", r.key,
			maxKey)
	}

	if first, ok := p.lines[r.country+" "+r.key]; ok {
		return p.errorf(p.line, "the key %s is defined for %s on line %d already", r.key,
			r.country, first)
	}

	return nil
}

func (p *parser) checkWords(r row) error {
	maxLabelHere := maxLabel
	if r.kind == "template" {
		maxLabelHere = maxTitle
	}

	switch {
	case strings.TrimSpace(r.label) == "" || message.UTF16Len(r.label) > maxLabelHere:
		return p.errorf(p.line, "the label of %s must be 1 to %d characters", r.key,
			maxLabelHere)
	case r.kind == "template" && (strings.TrimSpace(r.description) == "" ||
		message.UTF16Len(r.description) > maxDescription):
		return p.errorf(p.line, "the description of template %s must be 1 to %d characters",
			r.key, maxDescription)
	case r.kind != "template" && r.description != "":
		return p.errorf(p.line, "only templates have a description; %s is an %s", r.key,
			r.kind)
	case r.kind == "item" && message.UTF16Len(r.sample) > maxItemSample:
		return p.errorf(p.line, "the sample of item %s must be at most %d characters", r.key,
			maxItemSample)
	case message.UTF16Len(r.note) > maxNote:
		return p.errorf(p.line, "the note of %s must be at most %d characters", r.key, maxNote)
	}

	return nil
}

// checkSamples checks that each template's sample names items and buttons
// of its own country and makes a valid template notification.
func (p *parser) checkSamples() error {
	for _, country := range p.cat.Countries() {
		set := p.cat.sets[country]
		for _, t := range set.Templates {
			if err := p.checkSample(set, t); err != nil {
				return err
			}
		}
	}

	return nil
}

func (p *parser) checkSample(set *Set, t Template) error {
	line := p.lines[set.Country+" "+t.Key]
	if strings.Contains(strings.Join(t.Sample, " "), "*") {
		return p.errorf(line, "the sample of template %s marks a key with * that is not "+
			"the first: only the first key may be the emphasized item", t.Key)
	}

	for i, key := range t.Sample {
		_, item := set.Item(key)
		_, button := set.Button(key)
		switch {
		case !item && !button:
			return p.errorf(line, "the sample of template %s names %s, which is no item or "+
				"button of %s", t.Key, key, set.Country)
		case i == 0 && t.Emphasized && !item:
			return p.errorf(line, "the sample of template %s emphasizes %s, which is no item",
				t.Key, key)
		}
	}

	return p.checkSampleBody(set, t, line)
}

// checkSampleBody checks the sample as the API checks a request body. A
// problem with one item's or button's sample value is that row's, and is
// named there; the rest (too many items, a key twice) is the template's.
func (p *parser) checkSampleBody(set *Set, t Template, line int) error {
	body := set.Sample(t)
	_, details := message.ParseTemplateBody(BodyJSON(body))
	if len(details) == 0 {
		return nil
	}

	d := details[0]
	if key, ok := sampledKey(body, d.Property); ok {
		return p.errorf(p.lines[set.Country+" "+key], "the sample of %s, which template %s "+
			"(line %d) shows, is not valid there: %s", key, t.Key, line, d.Message)
	}

	return p.errorf(line, "the sample of template %s is not a valid notification: %s: %s",
		t.Key, d.Property, d.Message)
}

// sampledKey returns the item or button key whose sample value a problem
// at property is about: body.emphasizedItem.content, body.items[i].content
// or body.buttons[i].url.
func sampledKey(b message.TemplateBody, property string) (string, bool) {
	var i int
	switch {
	case property == "body.emphasizedItem.content" && b.EmphasizedItem != nil:
		return b.EmphasizedItem.ItemKey, true
	case scan(property, "body.items[%d].content", &i) && i < len(b.Items):
		return b.Items[i].ItemKey, true
	case scan(property, "body.buttons[%d].url", &i) && i < len(b.Buttons):
		return b.Buttons[i].ButtonKey, true
	}

	return "", false
}

// scan reports whether s is exactly format with one number filled in.
func scan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil && fmt.Sprintf(format, *n) == s
}

// complete checks what only the whole file shows.
func (p *parser) complete() error {
	switch {
	case !p.headed:
		return fmt.Errorf("%s: the file is empty: it needs the header %q and rows", p.name,
			strings.Join(header, ","))
	case len(p.cat.sets) == 0:
		return fmt.Errorf("%s: no templates: the file has a header and no rows", p.name)
	}

	for _, country := range p.cat.Countries() {
		if len(p.cat.sets[country].Templates) == 0 {
			return fmt.Errorf("%s: %s has items or buttons but no template", p.name, country)
		}
	}

	return nil
}

// sampleKeys splits a template's sample; a leading * marks the first key
// as the emphasized item. A * anywhere else stays in its key, where the
// sample check reports it.
func sampleKeys(s string) ([]string, bool) {
	keys := strings.Fields(s)
	if len(keys) == 0 || !strings.HasPrefix(keys[0], "*") {
		return keys, false
	}

	keys[0] = strings.TrimPrefix(keys[0], "*")

	return keys, true
}
