package lineapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pnpd/pnpd"
)

// FuzzTemplatedPush sends fuzzed bodies to the template notification and to
// its preview, with the demo token, and checks that each answer is one the
// contract allows: 202 {} (the preview: a 200 page), 422 with LINE's body,
// or a 4xx with a LINE error body whose error count adds up; never a 5xx.
func FuzzTemplatedPush(f *testing.F) {
	e := setup(f, 0)
	aiko := pnpd.HashPhone("+819011110001")
	for _, seed := range []string{
		shipment(aiko),
		shipment(pnpd.HashPhone("+819011110005")),
		`{"to":"` + aiko + `","templateKey":"reserve_004"}`,
		`{"to":"` + aiko + `","templateKey":"payment_due_ja","body":{"items":[` +
			`{"itemKey":"datetime_000","content":"x"}],"buttons":[{"buttonKey":"contact_ja",` +
			`"url":"https://a.example/"},{"buttonKey":"contact_ja","url":"ftp://a/"}]}}`,
		`{"templateKey":"payment_due_ja","body":{"emphasizedItem":{"itemKey":` +
			`"price_002_ja","content":"` + strings.Repeat("円", 16) + `"}}}`,
		`{"to":"` + aiko + `","templateKey":"payment_due_ja","customAggregationUnits":["a-b"]}`,
		`{"body":[]}`, `{`, ``,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}

	f.Fuzz(func(t *testing.T, body []byte, preview bool) {
		path := templatedPath
		if preview {
			path = previewPath
		}

		r := sendRaw(t, e.request(t, http.MethodPost, path, e.token, string(body)))
		if r.header.Get("X-Line-Request-Id") == "" {
			t.Errorf("answer %v has no X-Line-Request-Id", r)
		}

		switch {
		case r.status == http.StatusAccepted && !preview:
			assertReply(t, r, http.StatusAccepted, `{}`)
		case r.status == http.StatusOK && preview:
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("preview answered %s", r.header.Get("Content-Type"))
			}
		case r.status == http.StatusUnprocessableEntity && !preview:
			assertReply(t, r, http.StatusUnprocessableEntity, bodyFailedToSend)
		case r.status == http.StatusBadRequest || r.status == http.StatusRequestEntityTooLarge ||
			r.status == http.StatusUnsupportedMediaType:
			checkErrorBody(t, r)
		default:
			t.Errorf("answer %v to %s", r, path)
		}
	})
}
