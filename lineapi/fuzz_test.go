package lineapi_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

// FuzzPush sends fuzzed bodies, content types and delivery tags, with the
// demo token, to one server, and checks that each answer is one LINE's
// contract allows: 200 {}, 422 with LINE's body, or a 4xx with a LINE error
// body whose error count adds up; never a 5xx.
func FuzzPush(f *testing.F) {
	e := setup(f, 0)
	aiko := pnpd.HashPhone("+819011110001")
	f.Add([]byte(textBody(aiko)), "application/json", "")
	f.Add([]byte(textBody(pnpd.HashPhone("+819011110005"))), "application/json", "")
	f.Add([]byte(`{"to":`), "application/json; charset=UTF-8", strings.Repeat("t", 16))
	f.Add([]byte(`{}`), "text/plain", "")

	f.Fuzz(func(t *testing.T, body []byte, contentType, tag string) {
		// The client cannot send what HTTP forbids in a header value.
		if !validHeaderValue(contentType) || !validHeaderValue(tag) {
			t.Skip()
		}

		req := e.pushRequest(t, string(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-Line-Delivery-Tag", tag)
		checkPushAnswer(t, sendRaw(t, req))
	})
}

// validHeaderValue reports whether an HTTP client may send v as a header
// value: no control characters but the tab.
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}

	return true
}

// checkPushAnswer checks that an answer of the push endpoint is one that
// LINE's contract allows.
func checkPushAnswer(t *testing.T, r reply) {
	t.Helper()

	if r.header.Get("X-Line-Request-Id") == "" {
		t.Errorf("answer %v has no X-Line-Request-Id", r)
	}

	switch r.status {
	case http.StatusOK:
		assertReply(t, r, http.StatusOK, `{}`)
	case http.StatusUnprocessableEntity:
		assertReply(t, r, http.StatusUnprocessableEntity, bodyFailedToSend)
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge,
		http.StatusUnsupportedMediaType:
		checkErrorBody(t, r)
	default:
		t.Errorf("answer %v, want 200, 400, 413, 415 or 422", r)
	}
}

// FuzzCountDate asks for the count of fuzzed dates and checks each answer
// against the rules: a real day written yyyyMMdd gets a status, anything
// else LINE's 400.
func FuzzCountDate(f *testing.F) {
	e := setup(f, 0)
	for _, d := range []string{"20260101", "20180330", "2026121", "20261301",
		"20260230", "", "99991231", "00000000"} {
		f.Add(d)
	}

	f.Fuzz(func(t *testing.T, date string) {
		r := sendRaw(t, e.countRequest(t, "date="+url.QueryEscape(date)))
		if r.header.Get("X-Line-Request-Id") == "" {
			t.Errorf("answer %v has no X-Line-Request-Id", r)
		}

		if !realDay(date) {
			assertReply(t, r, http.StatusBadRequest, bodyInvalidDate)
			return
		}

		if r.status != http.StatusOK || !oneOf(r.body, `{"status":"unready"}`,
			`{"status":"out_of_service"}`, `{"status":"ready","success":0}`) {
			t.Errorf("date %q: answer %v, want a status", date, r)
		}
	})
}

var eightDigits = regexp.MustCompile(`^[0-9]{8}$`)

// realDay reports whether date is a day of the calendar written yyyyMMdd.
func realDay(date string) bool {
	_, err := time.Parse("20060102", date)
	return eightDigits.MatchString(date) && err == nil
}

func oneOf(body []byte, values ...string) bool {
	for _, v := range values {
		if sameJSON(body, []byte(v)) {
			return true
		}
	}

	return false
}
