package sandbox_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// sandboxRoutes are the sandbox endpoints that read input: a body or, for
// the outbox, the query.
var sandboxRoutes = []struct{ method, path string }{
	{"POST", "/sandbox/v1/clock"},
	{"POST", "/sandbox/v1/channels"},
	{"GET", "/sandbox/v1/sms"},
}

// setupFuzz starts one server for a whole fuzz run, with two SMS in its
// outbox.
func setupFuzz(f *testing.F) string {
	f.Helper()

	srv := servertest.Start(f, server.Config{Sandbox: true, SandboxToken: token,
		DefaultCountry: "JP"})

	for _, phone := range []string{"090-1234-5678", "+66 81 234 5678"} {
		status, body := fuzzCall(f, srv.URL(), "POST", "/api/v1/signup/code",
			[]byte(`{"phoneNumber":"`+phone+`"}`))
		if status != http.StatusOK {
			f.Fatalf("sign-up code: %d %s", status, body)
		}
	}

	return srv.URL()
}

// FuzzSandbox sends fuzzed bodies to the clock and channel endpoints and
// fuzzed numbers and countries to the outbox. Each answer must be a
// success or the sandbox's error body with the status its code maps to,
// never a 5xx; a moved clock moved by what was asked; the outbox never
// shows a whole number.
func FuzzSandbox(f *testing.F) {
	base := setupFuzz(f)
	for _, s := range []struct {
		route          uint8
		body           string
		phone, country string
	}{
		{0, `{"advanceSeconds": 86400}`, "", ""},
		{0, `{"advanceSeconds": 3153600000}`, "", ""},
		{0, `{"advanceSeconds": 1e3}`, "", ""},
		{0, `{"advanceSeconds": 60} trailing`, "", ""},
		{1, `{"name": "Shop", "country": "th", "webhookUrl": "http://127.0.0.1:1/hook"}`, "", ""},
		{1, `{"name": " 二十文字を超える長いチャンネルの名前ですよ "}`, "", ""},
		{1, `{"name": "Shop", "webhookUrl": "ftp://example.com"}`, "", ""},
		{1, `{"name": "Shop", "redelivery": "yes"}`, "", ""},
		{2, ``, "090-1234-5678", "JP"},
		{2, ``, "+66812345678", ""},
		{2, ``, "081-234-5678", "th"},
		{2, ``, "090", "ZZ"},
	} {
		f.Add(s.route, []byte(s.body), s.phone, s.country)
	}

	f.Fuzz(func(t *testing.T, r uint8, body []byte, phone, country string) {
		rt := sandboxRoutes[int(r)%len(sandboxRoutes)]
		path := rt.path
		if rt.method == "GET" {
			path += "?" + url.Values{"phoneNumber": {phone}, "country": {country}}.Encode()
		}

		status, got := fuzzCall(t, base, rt.method, path, body)
		checkSandboxAnswer(t, rt.method+" "+rt.path, status, got)
		switch {
		case status >= 300:
		case rt.path == "/sandbox/v1/clock":
			checkMoved(t, body, got)
			// Back to the wall clock, so that the next move can succeed.
			if status, got := fuzzCall(t, base, "DELETE", rt.path, nil); status != 200 {
				t.Fatalf("reset the clock: %d %s", status, got)
			}
		case rt.path == "/sandbox/v1/sms" && (bytes.Contains(got, []byte("819012345678")) ||
			bytes.Contains(got, []byte("66812345678"))):
			t.Errorf("outbox %s shows a whole number", got)
		}
	})
}

// FuzzCreateRecipient sends fuzzed bodies to POST /recipients. Each answer
// must be a success or the sandbox's error body, never a 5xx; it never
// shows the whole phone number the body gave; and a created recipient is
// found by the hash of that number.
func FuzzCreateRecipient(f *testing.F) {
	base := setupFuzz(f)
	for _, body := range []string{
		`{"phoneNumber": "+819012340001"}`,
		`{"phoneNumber": "090-1234-0002", "country": "jp", "displayName": "Aiko", ` +
			`"language": "ja", "consent": "not_set", "privacyPolicyAgreed": false, ` +
			`"createdAt": "2025-01-01T00:00:00Z", "phoneNumberChangedAt": null, ` +
			`"lastSmsVerifiedAt": "2025-06-01T00:00:00.5+09:00", "blockedChannels": []}`,
		`{"phoneNumber": "+819000000006"}`,
		`{"phoneNumber": "+66812340003", "createdAt": "2999-01-01T00:00:00Z"}`,
		`{"phoneNumber": "+819012340004", "blockedChannels": ["1234567890"]}`,
		`{"phoneNumber": "+819012340005", "consent": "maybe", "language": "de"}`,
		`{"phoneNumber": "+819012340006", "createdAt": "2025-01-01"}`,
		`{"phoneNumber": "+819012340007", "createdAt": "0001-01-01T00:00:00Z", ` +
			`"lastSmsVerifiedAt": "0000-12-31T23:59:59Z"}`,
		`{"phoneNumber": "+819012340008", "displayName": "二十文字を超える長い受信者の名前ですよね"}`,
		`{"phoneNumber": 819012340009}`,
		`null`,
	} {
		f.Add([]byte(body))
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		status, got := fuzzCall(t, base, "POST", "/sandbox/v1/recipients", body)
		checkSandboxAnswer(t, "POST /sandbox/v1/recipients", status, got)

		// Read as the sandbox reads a body: the first JSON value, whatever
		// follows it.
		var req struct{ PhoneNumber, Country, DisplayName string }
		_ = json.NewDecoder(bytes.NewReader(body)).Decode(&req)
		// The test server's default country reads a number without "+".
		country := cmp.Or(strings.TrimSpace(req.Country), "JP")
		e164, err := pnpd.NormalizePhone(req.PhoneNumber, country)
		checkNoNumber(t, req.PhoneNumber, req.DisplayName, got)
		if err == nil {
			checkNoNumber(t, e164, req.DisplayName, got)
		}

		var v struct{ PhoneHash string }
		if status == http.StatusCreated &&
			(json.Unmarshal(got, &v) != nil || v.PhoneHash != pnpd.HashPhone(e164)) {
			t.Errorf("created %s from %q, want the hash of the number given", got, body)
		}
	})
}

// checkNoNumber checks that an answer does not show the digits of a phone
// number, unless the display name it was asked to show holds them.
func checkNoNumber(t *testing.T, phone, displayName string, answer []byte) {
	t.Helper()

	digits := strings.Map(func(r rune) rune {
		if r < '0' || r > '9' {
			return -1
		}

		return r
	}, phone)
	if len(digits) >= 8 && bytes.Contains(answer, []byte(digits)) &&
		!strings.Contains(displayName, digits) {
		t.Errorf("the answer %s shows the number %q", answer, phone)
	}
}

// checkSandboxAnswer checks that an answer is a success with a JSON body
// or the sandbox's error body with the status its code maps to.
func checkSandboxAnswer(t *testing.T, call string, status int, body []byte) {
	t.Helper()

	statusOfCode := map[string]int{"invalid": 400, "unauthorized": 401, "not_found": 404,
		"conflict": 409, "rate_limited": 429}
	var e struct {
		Error *struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			Remaining int    `json:"remaining"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	switch {
	case status == http.StatusOK || status == http.StatusCreated:
		if !json.Valid(body) {
			t.Errorf("%s: %d with a body that is not JSON: %q", call, status, body)
		}
	case status < 400 || status >= 500:
		t.Errorf("%s: status %d %q, want a success or a 4xx", call, status, body)
	case dec.Decode(&e) != nil || e.Error == nil || e.Error.Message == "":
		t.Errorf("%s: %d %q is not the sandbox's error body", call, status, body)
	case statusOfCode[e.Error.Code] != status:
		t.Errorf("%s: %d with code %q", call, status, e.Error.Code)
	}
}

// checkMoved checks that a clock moved from the wall clock moved by the
// seconds the request asked for.
func checkMoved(t *testing.T, body, answer []byte) {
	t.Helper()

	var req struct {
		AdvanceSeconds int64 `json:"advanceSeconds"`
	}
	_ = json.NewDecoder(bytes.NewReader(body)).Decode(&req)
	var got clockState
	if err := json.Unmarshal(answer, &got); err != nil {
		t.Fatalf("clock answer %q: %v", answer, err)
	}
	if got.OffsetSeconds != req.AdvanceSeconds || req.AdvanceSeconds <= 0 {
		t.Errorf("asked to move %d s, the clock moved %d s", req.AdvanceSeconds,
			got.OffsetSeconds)
	}
}

// fuzzCall sends body (nil for none) with the sandbox token.
func fuzzCall(tb testing.TB, base, method, path string, body []byte) (int, []byte) {
	tb.Helper()

	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()

	got, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read answer: %v", method, path, err)
	}

	return resp.StatusCode, got
}

// FuzzWebhookFaults sends fuzzed bodies to POST
// /sandbox/v1/channels/{channelId}/webhook-faults. Each answer must be 201
// with the pending faults, the new one last and as asked, or 400 with the
// sandbox's error body; never a 5xx.
func FuzzWebhookFaults(f *testing.F) {
	base := setupFuzz(f)
	status, body := fuzzCall(f, base, "POST", "/sandbox/v1/channels",
		[]byte(`{"name":"Faulty","webhookUrl":"http://127.0.0.1:1/hook"}`))
	var c credentials
	if status != http.StatusCreated || json.Unmarshal(body, &c) != nil {
		f.Fatalf("create channel: %d %s", status, body)
	}
	path := "/sandbox/v1/channels/" + c.ChannelID + "/webhook-faults"

	for _, seed := range []string{
		`{"kind":"status","statusCode":503,"count":2}`,
		`{"kind":"delay","delayMs":1500,"count":1}`,
		`{"kind":"drop","count":1}`, `{"kind":"duplicate"}`,
		`{"kind":"status","statusCode":599,"count":100}`,
		`{"kind":"delay","delayMs":30000,"count":1e2}`,
		`{"kind":"status","statusCode":300.0}`, `{"kind":"drop","count":-1}`,
		`{"kind":"STATUS","statusCode":500}`, `{"kind":"drop"} {"kind":"drop"}`,
		`{"kind":"drop","count":null,"statusCode":null}`, `null`, ``,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		status, got := fuzzCall(t, base, "POST", path, body)
		checkSandboxAnswer(t, "POST "+path, status, got)
		if status != http.StatusCreated {
			return
		}

		checkAddedFault(t, body, got)
		if status, got := fuzzCall(t, base, "DELETE", path, nil); status != 204 {
			t.Fatalf("clear faults: %d %s", status, got)
		}
	})
}

// checkAddedFault checks that the last fault listed is the one asked for.
func checkAddedFault(t *testing.T, body, answer []byte) {
	t.Helper()

	var asked struct {
		Kind       string `json:"kind"`
		StatusCode int    `json:"statusCode"`
		DelayMs    int64  `json:"delayMs"`
		Count      *int   `json:"count"`
	}
	_ = json.NewDecoder(bytes.NewReader(body)).Decode(&asked)
	var list struct {
		Faults []struct {
			Kind       string `json:"kind"`
			StatusCode int    `json:"statusCode"`
			DelayMs    int64  `json:"delayMs"`
			Remaining  int    `json:"remaining"`
		} `json:"faults"`
	}
	if err := json.Unmarshal(answer, &list); err != nil || len(list.Faults) != 1 {
		t.Fatalf("answer %q: want one fault listed (%v)", answer, err)
	}

	got, count := list.Faults[0], 1
	if asked.Count != nil {
		count = *asked.Count
	}
	if got.Kind != asked.Kind || got.StatusCode != asked.StatusCode ||
		got.DelayMs != asked.DelayMs || got.Remaining != count || count < 1 || count > 100 {
		t.Errorf("asked %s, got %+v", body, got)
	}
}
