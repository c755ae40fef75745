package pnptemplate_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/pnptemplate"
)

// catalogueDoc is the documentation of the catalogue, made from it.
const catalogueDoc = "../docs/templates.md"

// TestCatalogueDoc checks that docs/templates.md lists the embedded
// catalogue as it is; PNPD_UPDATE_DOCS=1 writes it anew.
func TestCatalogueDoc(t *testing.T) {
	t.Parallel()

	want := catalogueMarkdown(pnptemplate.Default())
	if os.Getenv("PNPD_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(catalogueDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	got, err := os.ReadFile(catalogueDoc)
	if err != nil || string(got) != want {
		t.Errorf("%s is not the catalogue's (%v): run "+
			"PNPD_UPDATE_DOCS=1 go test ./pnptemplate -run TestCatalogueDoc", catalogueDoc, err)
	}
}

const docIntro = `# The template catalogue

<!-- Made by pnptemplate's TestCatalogueDoc from pnptemplate/catalogue.csv;
PNPD_UPDATE_DOCS=1 go test ./pnptemplate -run TestCatalogueDoc writes it. -->

A template notification (` + "`POST /v2/bot/message/pnp/templated/push`" + `) names a
template by its key and fills it with items and buttons, also named by
keys. The template fixes the title and description at the top of the
message, an item's key fixes its label, a button's key fixes its label; the
business gives the item values and the button URLs. The catalogue differs
per country, and a channel's country chooses it: a Japanese channel may
name only ` + "`_ja`" + ` keys.

LINE does not publish its catalogue. The keys below that LINE's API
reference names keep the meaning it gives them (` + "`shipment_completed_ja`" + `,
` + "`date_002_ja`, `time_range_001_ja`, `number_001_ja`, `price_001_ja`" + `,
` + "`name_010_ja`, `check_delivery_status_ja`, `contact_ja`" + `); every other key,
and all the wording, is pnpd's. Keys end with a suffix for the language of
the country's catalogue: ` + "`_ja`" + ` for Japan as in LINE's examples, ` + "`_th`" + ` for
Thailand and ` + "`_tw`" + ` for Taiwan (LINE's suffixes for those two are not
public). The three catalogues are parallel: the same stems and item numbers,
written in Japanese, Thai and Traditional Chinese.

A running pnpd shows the same catalogue at ` + "`/templates?country=JP`" + ` (or ` + "`TH`" + `,
` + "`TW`" + `), with every template rendered as a recipient sees it and the request
body that sends it; ` + "`POST /templates/preview`" + ` renders a request of yours.

## Your own catalogue

` + "`pnpd serve --templates FILE`" + ` (or ` + "`PNPD_TEMPLATES=FILE`" + `) replaces this catalogue
with the file's, whole. Start from the embedded one:

` + "```sh" + `
go run ./cmd/pnpd templates export > templates.csv   # edit it, then
go run ./cmd/pnpd templates check templates.csv      # what serve would load
` + "```" + `

The file is CSV (RFC 4180, UTF-8; a byte order mark and CRLF line ends are
fine). Lines that start with ` + "`#`" + ` (in the first column) are comments, lines of
white space are skipped; the first other line is the header ` + "`country,kind,key,label,description,sample,note`" + `,
and every row has those seven columns:

| Column | Holds |
|---|---|
| ` + "`country`" + ` | an ISO country code in capitals, such as ` + "`JP`" + ` |
| ` + "`kind`" + ` | ` + "`template`, `item` or `button`" + ` |
| ` + "`key`" + ` | letters, digits and ` + "`_`" + `, at most 100; unique within the country |
| ` + "`label`" + ` | a template's title (at most 40 characters), an item's or a button's label (at most 30) |
| ` + "`description`" + ` | a template's description (1 to 150 characters); empty for items and buttons |
| ` + "`sample`" + ` | an item's example value; a button's example URL (http or https); a template's example as item and button keys separated by spaces, the emphasized item first and marked ` + "`*`" + ` |
| ` + "`note`" + ` | an English gloss for integrators (optional) |

Characters are counted as LINE counts them, in UTF-16 code units. Each
template's sample must make a valid notification of its own country, as
the API would check it; an item's or button's sample that a template's
sample cannot use is reported on that item's or button's line. A file that
breaks any rule stops pnpd at start-up with the file and line at fault,
for example
` + "`pnpd: --templates: templates.csv:12: the key date_002_ja is defined for JP on line 9 already`" + `.
`

// catalogueMarkdown documents a catalogue: per country, its templates,
// items and buttons.
func catalogueMarkdown(c *pnptemplate.Catalogue) string {
	var b strings.Builder
	b.WriteString(docIntro)
	for _, country := range c.Countries() {
		set := c.Set(country)
		fmt.Fprintf(&b, "\n## %s: %d templates, %d items, %d buttons\n", country,
			len(set.Templates), len(set.Items), len(set.Buttons))

		b.WriteString("\n| Template | Title | Meaning | Sample |\n|---|---|---|---|\n")
		for _, t := range set.Templates {
			sample := strings.Join(t.Sample, " ")
			if t.Emphasized {
				sample = "*" + sample
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", t.Key, cell(t.Title), cell(t.Note),
				cell(sample))
		}

		b.WriteString("\n| Item | Label | Meaning | Sample |\n|---|---|---|---|\n")
		for _, it := range set.Items {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", it.Key, cell(it.Label), cell(it.Note),
				cell(it.Sample))
		}

		b.WriteString("\n| Button | Label | Meaning |\n|---|---|---|\n")
		for _, bt := range set.Buttons {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", bt.Key, cell(bt.Label), cell(bt.Note))
		}
	}

	return b.String()
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
