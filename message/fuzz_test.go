package message

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzValidate feeds Validate arbitrary bytes: it must not panic, must say
// what is wrong in every detail, must keep to its cap, and must give the same
// answer twice.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		msgs(textMsg("hello")),
		msgs(emojiMsg("$ LINE emoji $", "0", "13")),
		msgs(textV2("Hi {laugh}", `{"laugh":{"type":"emoji","productId":"p","emojiId":"e"}}`)),
		msgs(location(`"t"`, `"a"`, "35.6", "139.7")),
		withAction(`{"type":"datetimepicker","label":"a","data":"d","mode":"date",
			"min":"2000-01-01"}`),
		carousel(column("a", buy, buy), column("b", buy)),
		flex(fullBubble),
		flex(flexCarousel(bubble(hello), `{"type":"bubble","size":"kilo"}`)),
		`[{"type":"image"},{"type":"coupon"},null,1]`,
		"",
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		details, container := Validate(json.RawMessage(data))
		if len(details) > maxDetails {
			t.Fatalf("%d details, more than the cap of %d", len(details), maxDetails)
		}

		all := slices.Clone(details)
		if container != nil {
			if len(container.Details) == 0 || len(container.Details) > maxDetails {
				t.Fatalf("container error with %d details", len(container.Details))
			}
			all = append(all, container.Details...)
		}
		for _, d := range all {
			if d.Message == "" {
				t.Fatalf("detail without a message: %+v", d)
			}
		}

		again, againContainer := Validate(json.RawMessage(data))
		if !slices.Equal(details, again) || !sameContainer(container, againContainer) {
			t.Fatalf("two runs differ:\n%s\n%s", show(details), show(again))
		}
	})
}
