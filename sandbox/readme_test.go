package sandbox_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/sandbox"
)

// readmeSection returns the part of the README between a start marker and
// the next end marker.
func readmeSection(t *testing.T, start, end string) string {
	t.Helper()

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}

	_, rest, ok := strings.Cut(string(readme), start)
	section, _, closed := strings.Cut(rest, end)
	if !ok || !closed {
		t.Fatalf("README.md has no section between %q and %q", start, end)
	}

	return section
}

// magicNumbersTable is the README's table of the magic numbers, made from
// sandbox.MagicNumbers.
func magicNumbersTable() string {
	var b strings.Builder
	b.WriteString("\n| Number | The push answers | What a notification to it does |\n")
	b.WriteString("|---|---|---|\n")
	for _, m := range sandbox.MagicNumbers {
		answer := fmt.Sprint(m.Answer)
		if m.State != "" {
			answer += ", `" + string(m.State) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", m.PhoneNumber, answer, m.Behaviour)
	}

	return b.String()
}

// TestREADMEListsTheMagicNumbers keeps the README's table in step with the
// sandbox's: an integrator trusts it without running anything.
func TestREADMEListsTheMagicNumbers(t *testing.T) {
	t.Parallel()

	got := readmeSection(t, "<!-- magic numbers: from sandbox.MagicNumbers -->",
		"<!-- end of magic numbers -->")
	if want := magicNumbersTable(); got != want {
		t.Errorf("README.md's magic numbers differ from sandbox.MagicNumbers; the table "+
			"should read:\n%s", want)
	}
}

// TestREADMEListsTheSandboxAPI checks that the README's table of the
// sandbox API names every operation of the OpenAPI document, which holds
// every route.
func TestREADMEListsTheSandboxAPI(t *testing.T) {
	t.Parallel()

	table := readmeSection(t, "<!-- sandbox API -->", "<!-- end of sandbox API -->")
	for path, ops := range readOpenAPI(t).Paths {
		for method := range ops {
			// A row may show the query after the path.
			op := "`" + strings.ToUpper(method) + " " + strings.TrimPrefix(path, "/sandbox/v1")
			if !strings.Contains(table, op+"`") && !strings.Contains(table, op+"?") {
				t.Errorf("README.md's sandbox API table lacks %s", op)
			}
		}
	}
}
