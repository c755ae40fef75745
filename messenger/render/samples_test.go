package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/message"
)

// TestSamples checks that every sample renders in full, with no
// placeholder for a part the renderer could not show.
func TestSamples(t *testing.T) {
	t.Parallel()
	wants := [][]string{
		{"m-text", "m-emoji"},
		{"m-sticker"},
		{"m-location", "openstreetmap"},
		{"m-buttons", "m-thumb", "m-card-title", "<a class=\"m-action\"", "href=\"tel:"},
		{"m-confirm-actions"},
		{"m-template-carousel", "m-column"},
		{"m-header", "m-hero", "m-body", "m-footer", "m-baseline", "m-icon", "m-span",
			"m-sep", "m-fill", "m-btn-primary", "m-btn-secondary", "m-block-sep"},
		{"m-flex-carousel", "m-micro", "m-kilo", "m-giga"},
	}

	samples := Samples()
	if len(samples) != len(wants) {
		t.Fatalf("%d samples, want %d", len(samples), len(wants))
	}
	for i, raw := range samples {
		out := string(Message(raw, words))
		checkMarkup(t, out)
		if strings.Contains(out, "m-placeholder") {
			t.Errorf("sample %d has a placeholder:\n%s", i, out)
		}
		for _, w := range wants[i] {
			if !strings.Contains(out, w) {
				t.Errorf("sample %d lacks %q", i, w)
			}
		}
	}
}

// TestSamplesValid checks the samples against pnpd's message validator, so
// that they stay messages a channel could really send. The Flex carousel
// mixes bubble sizes on purpose, which is all the validator may find wrong
// with it.
func TestSamplesValid(t *testing.T) {
	t.Parallel()
	samples := Samples()
	for i, raw := range samples {
		details, container := message.Validate(json.RawMessage("[" + string(raw) + "]"))
		if len(details) > 0 {
			t.Errorf("sample %d: %+v", i, details)
		}
		if container == nil {
			continue
		}
		for _, d := range container.Details {
			if i != len(samples)-1 || !strings.Contains(d.Message, "same size") {
				t.Errorf("sample %d: %+v", i, d)
			}
		}
	}
}

// TestSamplesFresh checks that a caller cannot change the samples of others.
func TestSamplesFresh(t *testing.T) {
	t.Parallel()
	first := Samples()
	first[0][0] = 'x'
	if Samples()[0][0] == 'x' {
		t.Error("Samples returned shared bytes")
	}
}
