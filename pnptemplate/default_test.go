package pnptemplate_test

import (
	"strings"
	"testing"

	"github.com/pnpd/pnpd/pnptemplate"
)

// TestDefaultCatalogue checks the embedded catalogue: every service
// country has one, large enough to cover real notices, with the keys
// LINE's documentation names, and none of the keys it uses as unknown.
func TestDefaultCatalogue(t *testing.T) {
	t.Parallel()

	c := pnptemplate.Default()
	suffix := map[string]string{"JP": "_ja", "TH": "_th", "TW": "_tw"}
	for country, sfx := range suffix {
		set := c.Set(country)
		if set == nil {
			t.Fatalf("no catalogue for %s", country)
		}
		if len(set.Templates) < 15 || len(set.Items) < 40 || len(set.Buttons) < 10 {
			t.Errorf("%s has %d templates, %d items, %d buttons; want at least 15, 40, 10",
				country, len(set.Templates), len(set.Items), len(set.Buttons))
		}
		checkKeys(t, set, sfx)
	}

	jp := c.Set("JP")
	for _, key := range []string{"date_002_ja", "time_range_001_ja", "number_001_ja",
		"price_001_ja", "name_010_ja"} {
		if _, ok := jp.Item(key); !ok {
			t.Errorf("JP lacks the item %s that LINE's reference uses", key)
		}
	}
	for _, key := range []string{"check_delivery_status_ja", "contact_ja"} {
		if _, ok := jp.Button(key); !ok {
			t.Errorf("JP lacks the button %s that LINE's reference uses", key)
		}
	}
	if _, ok := jp.Template("shipment_completed_ja"); !ok {
		t.Error("JP lacks the template shipment_completed_ja")
	}
}

// checkKeys checks that every key carries the country's suffix, that every
// row has an English note, and that LINE's examples of unknown keys stay
// unknown.
func checkKeys(t *testing.T, set *pnptemplate.Set, suffix string) {
	t.Helper()

	var keys []string
	for _, tpl := range set.Templates {
		keys = append(keys, tpl.Key)
		if tpl.Note == "" || len(tpl.Sample) == 0 {
			t.Errorf("template %s has no note or no sample", tpl.Key)
		}
	}
	for _, it := range set.Items {
		keys = append(keys, it.Key)
		if it.Note == "" || it.Sample == "" {
			t.Errorf("item %s has no note or no sample", it.Key)
		}
	}
	for _, b := range set.Buttons {
		keys = append(keys, b.Key)
		if b.Note == "" || b.Sample == "" {
			t.Errorf("button %s has no note or no sample", b.Key)
		}
	}

	for _, k := range keys {
		if !strings.HasSuffix(k, suffix) {
			t.Errorf("%s: key %s lacks the suffix %s", set.Country, k, suffix)
		}
		if strings.HasPrefix(k, "reserve_004") || strings.HasPrefix(k, "datetime_000") {
			t.Errorf("%s: key %s is one LINE's documentation gives as unknown", set.Country, k)
		}
	}
}
