package lineapi_test

import (
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

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

// tokenPlaceholder in a fuzzed Authorization header stands for the demo
// channel's token, which is new in every run, so that seeds and the fuzzer
// can reach requests that pass authentication.
const tokenPlaceholder = "{token}"

// FuzzPushHeaders sends a valid push with fuzzed headers: Authorization,
// Content-Type, X-Line-Retry-Key (sent or not) and X-Line-Delivery-Tag. Each
// answer must be one LINE's contract allows, a 401 must be one of LINE's
// three, and a 200 must never follow headers LINE refuses.
func FuzzPushHeaders(f *testing.F) {
	e := setup(f, 0)
	body := textBody(pnpd.HashPhone("+819011110001"))
	tag := strings.Repeat("t", 16)
	for _, s := range []struct {
		auth, contentType string
		retry             bool
		retryKey, tag     string
	}{
		{"Bearer {token}", "application/json", false, "", ""},
		{"bearer {token}", "application/json; charset=utf-8", false, "", tag},
		{"Bearer {token}", "application/json", true, "123e4567-e89b-12d3-a456-426655440002", ""},
		{"Bearer {token}", "application/json", true, "", tag + "x"},
		{"Bearer  {token}", "application/json", false, "", ""},
		{"Bearer {token}x", "application/json", false, "", ""},
		{"Bearer {token}", "application/json;", false, "", strings.Repeat("t", 15)},
		{"Bearer {token}", "text/json", false, "", ""},
		{"Basic {token}", "application/json", false, "", ""},
		{"Bearer", "", false, "", ""},
		{"", "application/json", true, "", ""},
		{"Bearer a.b-c_d+e/f=", "application/json", false, "", ""},
	} {
		f.Add(s.auth, s.contentType, s.retry, s.retryKey, s.tag)
	}

	f.Fuzz(func(t *testing.T, auth, contentType string, retry bool, retryKey, tag string) {
		auth = strings.ReplaceAll(auth, tokenPlaceholder, e.token)
		for _, v := range []string{auth, contentType, retryKey, tag} {
			if !validHeaderValue(v) {
				t.Skip() // the client cannot send it
			}
		}

		req := e.pushRequest(t, body)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-Line-Delivery-Tag", tag)
		if retry {
			req.Header.Set("X-Line-Retry-Key", retryKey)
		}

		r := sendRaw(t, req)
		checkHeaderAnswer(t, r)
		if r.status == http.StatusOK {
			checkHeadersAcceptable(t, contentType, retry, tag)
		}
	})
}

// checkHeaderAnswer checks an answer to a push with fuzzed headers: a 401
// is one of LINE's three bodies, anything else as checkPushAnswer checks.
func checkHeaderAnswer(t *testing.T, r reply) {
	t.Helper()

	if r.status != http.StatusUnauthorized {
		checkPushAnswer(t, r)
		return
	}

	if r.header.Get("X-Line-Request-Id") == "" {
		t.Errorf("answer %v has no X-Line-Request-Id", r)
	}
	if !oneOf(r.body, bodyAuthRequired, bodyTokenMalformed, bodyTokenInvalid) {
		t.Errorf("answer %v is not one of LINE's 401 bodies", r)
	}
}

// checkHeadersAcceptable fails a test whose push was accepted although its
// headers, as the server received them, are ones LINE refuses.
func checkHeadersAcceptable(t *testing.T, contentType string, retry bool, tag string) {
	t.Helper()

	// HTTP drops white space around a header value on the way.
	contentType, tag = textproto.TrimString(contentType), textproto.TrimString(tag)
	mt, _, err := mime.ParseMediaType(contentType)
	n := len(utf16.Encode([]rune(tag))) // LINE counts UTF-16 units
	switch {
	case retry:
		t.Errorf("push with X-Line-Retry-Key accepted")
	case err != nil || mt != "application/json":
		t.Errorf("push with Content-Type %q accepted", contentType)
	case tag != "" && (n < 16 || n > 100):
		t.Errorf("push with a delivery tag of %d characters accepted", n)
	}
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
