package lineapi_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd"
)

// maxBody is LINE's limit on a request body: 2 MB.
const maxBody = 2 << 20

// pushCase is one push request and the answer it must get.
type pushCase struct {
	name   string
	body   string            // "" for the valid push to Aiko
	header map[string]string // set over the defaults; a "-" value removes one
	status int
	want   string // the answer's body as JSON
}

// runPushCases sends each case as a parallel subtest.
func runPushCases(t *testing.T, e *env, cases []pushCase) {
	t.Helper()

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			body := tc.body
			if body == "" {
				body = textBody(e.hash(t, "Aiko"))
			}
			req := e.pushRequest(t, body)
			for k, v := range tc.header {
				if v == "-" {
					req.Header.Del(k)
					continue
				}
				req.Header.Set(k, v)
			}

			assertReply(t, e.send(t, req), tc.status, tc.want)
		})
	}
}

// TestPush checks how POST /bot/pnp/push answers, group by group, on one
// server.
func TestPush(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	groups := []struct {
		name string
		test func(t *testing.T, e *env)
	}{
		{"authentication", testPushAuth},
		{"content type", testPushContentType},
		{"body size", testPushBodySize},
		{"headers", testPushHeaders},
		{"JSON", testPushJSON},
		{"to", testPushTo},
		{"messages", testPushMessages},
		{"customAggregationUnits", testPushAggregationUnits},
		{"wrong method", testWrongMethod},
		{"outcomes", testPushOutcomes},
		{"official SDK", testPushWithSDK},
		{"no rate limit", testNoRateLimit},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.test(t, e) })
	}
}

// testPushAuth checks that only the Bearer scheme, in any case, and a
// channel's access token get past authentication, and which of LINE's three
// 401 bodies each failure gets.
func testPushAuth(t *testing.T, e *env) {
	t.Parallel()

	auth := func(v string) map[string]string { return map[string]string{"Authorization": v} }
	runPushCases(t, e, []pushCase{
		{name: "no Authorization header", header: auth("-"),
			status: http.StatusUnauthorized, want: bodyAuthRequired},
		{name: "Basic scheme", header: auth("Basic abc"),
			status: http.StatusUnauthorized, want: bodyAuthRequired},
		{name: "Bearer without a token", header: auth("Bearer"),
			status: http.StatusUnauthorized, want: bodyAuthRequired},
		{name: "Bearer and a space", header: auth("Bearer "),
			status: http.StatusUnauthorized, want: bodyAuthRequired},
		{name: "token with a dollar sign", header: auth("Bearer abc$def"),
			status: http.StatusUnauthorized, want: bodyTokenMalformed},
		{name: "token with a space inside", header: auth("Bearer abc def"),
			status: http.StatusUnauthorized, want: bodyTokenMalformed},
		{name: "token with a non-ASCII letter", header: auth("Bearer abcé"),
			status: http.StatusUnauthorized, want: bodyTokenMalformed},
		{name: "token over 2048 characters", header: auth("Bearer " + strings.Repeat("a", 2049)),
			status: http.StatusUnauthorized, want: bodyTokenMalformed},
		{name: "unknown well-formed token", header: auth("Bearer c29tZS10b2tlbg=="),
			status: http.StatusUnauthorized, want: bodyTokenInvalid},
		{name: "unknown JWT-shaped token", header: auth("Bearer eyJh.eyJz.c2ln-_"),
			status: http.StatusUnauthorized, want: bodyTokenInvalid},
		{name: "token in upper case", header: auth("Bearer " + strings.ToUpper(e.token)),
			status: http.StatusUnauthorized, want: bodyTokenInvalid},
		{name: "valid token", status: http.StatusOK, want: `{}`},
		{name: "scheme in lower case", header: auth("bearer " + e.token),
			status: http.StatusOK, want: `{}`},
		{name: "scheme in upper case", header: auth("BEARER " + e.token),
			status: http.StatusOK, want: `{}`},
	})
}

// testPushContentType checks that only JSON is accepted, with or without a
// charset and in any case.
func testPushContentType(t *testing.T, e *env) {
	t.Parallel()

	ct := func(v string) map[string]string { return map[string]string{"Content-Type": v} }
	unsupported := func(v string) string {
		return messageJSON("The content type, '" + v + "', is not supported")
	}
	runPushCases(t, e, []pushCase{
		{name: "text/plain", header: ct("text/plain"),
			status: http.StatusUnsupportedMediaType,
			want:   `{"message":"The content type, 'text/plain', is not supported"}`},
		{name: "missing", header: ct("-"),
			status: http.StatusUnsupportedMediaType, want: unsupported("")},
		{name: "form", header: ct("application/x-www-form-urlencoded"),
			status: http.StatusUnsupportedMediaType,
			want:   unsupported("application/x-www-form-urlencoded")},
		{name: "JSON look-alike", header: ct("application/jsonp"),
			status: http.StatusUnsupportedMediaType, want: unsupported("application/jsonp")},
		{name: "unparsable", header: ct("application/"),
			status: http.StatusUnsupportedMediaType, want: unsupported("application/")},
		{name: "JSON", header: ct("application/json"), status: http.StatusOK, want: `{}`},
		{name: "JSON with the SDK's charset", header: ct("application/json; charset=UTF-8"),
			status: http.StatusOK, want: `{}`},
		{name: "JSON in upper case", header: ct("APPLICATION/JSON"),
			status: http.StatusOK, want: `{}`},
		{name: "JSON in mixed case with a charset", header: ct("Application/Json;Charset=utf-8"),
			status: http.StatusOK, want: `{}`},
	})
}

// paddedBody is a valid push to the hash, padded with white space to
// exactly n bytes.
func paddedBody(to string, n int) []byte {
	body := []byte(textBody(to))
	return append(body, bytes.Repeat([]byte(" "), n-len(body))...)
}

// testPushBodySize checks LINE's 2 MB limit, whether the client declares
// the length or streams the body in chunks.
func testPushBodySize(t *testing.T, e *env) {
	t.Parallel()

	to := e.hash(t, "Aiko")
	tests := []struct {
		name    string
		size    int
		chunked bool
		status  int
		want    string
	}{
		{name: "at the limit, with Content-Length", size: maxBody,
			status: http.StatusOK, want: `{}`},
		{name: "at the limit, chunked", size: maxBody, chunked: true,
			status: http.StatusOK, want: `{}`},
		{name: "one byte over, with Content-Length", size: maxBody + 1,
			status: http.StatusRequestEntityTooLarge, want: bodyTooLarge},
		{name: "one byte over, chunked", size: maxBody + 1, chunked: true,
			status: http.StatusRequestEntityTooLarge, want: bodyTooLarge},
		{name: "3 MB, with Content-Length", size: 3 << 20,
			status: http.StatusRequestEntityTooLarge, want: bodyTooLarge},
		{name: "3 MB, chunked", size: 3 << 20, chunked: true,
			status: http.StatusRequestEntityTooLarge, want: bodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.pushRequest(t, "")
			req.Body = io.NopCloser(bytes.NewReader(paddedBody(to, tc.size)))
			req.ContentLength = int64(tc.size)
			if tc.chunked {
				// An unknown length makes the client stream the body in chunks.
				req.ContentLength = -1
			}

			assertReply(t, e.send(t, req), tc.status, tc.want)
		})
	}
}

// testPushHeaders checks X-Line-Retry-Key, which notification messages do
// not support, and the length of X-Line-Delivery-Tag, counted in UTF-16
// units as LINE counts characters; an empty tag is no tag, as the Go SDK
// sends one.
func testPushHeaders(t *testing.T, e *env) {
	t.Parallel()

	tag := func(v string) map[string]string { return map[string]string{"X-Line-Delivery-Tag": v} }
	tagError := detailJSON("The request has 1 error(s)",
		"Length must be between 16 and 100", "X-Line-Delivery-Tag")
	runPushCases(t, e, []pushCase{
		{name: "retry key", header: map[string]string{
			"X-Line-Retry-Key": "123e4567-e89b-12d3-a456-426655440002"},
			status: http.StatusBadRequest,
			want:   `{"message":"The X-Line-Retry-Key header is not supported by this API"}`},
		{name: "empty retry key", header: map[string]string{"X-Line-Retry-Key": ""},
			status: http.StatusBadRequest,
			want:   `{"message":"The X-Line-Retry-Key header is not supported by this API"}`},
		{name: "empty tag", header: tag(""), status: http.StatusOK, want: `{}`},
		{name: "tag of 15", header: tag(strings.Repeat("t", 15)),
			status: http.StatusBadRequest, want: tagError},
		{name: "tag of 16", header: tag(strings.Repeat("t", 16)),
			status: http.StatusOK, want: `{}`},
		{name: "tag of 100", header: tag(strings.Repeat("t", 100)),
			status: http.StatusOK, want: `{}`},
		{name: "tag of 101", header: tag(strings.Repeat("t", 101)),
			status: http.StatusBadRequest, want: tagError},
		{name: "LINE's example tag", header: tag("15034552939884E28681A7D668CEA94C147C" +
			"716C0EC9DFE8B80B44EF3B57F6BD0602366BC3menu01"), status: http.StatusOK, want: `{}`},
		{name: "tag of 16 three-byte characters", header: tag(strings.Repeat("通", 16)),
			status: http.StatusOK, want: `{}`},
		{name: "tag of 15 three-byte characters", header: tag(strings.Repeat("通", 15)),
			status: http.StatusBadRequest, want: tagError},
		{name: "tag of 100 three-byte characters", header: tag(strings.Repeat("通", 100)),
			status: http.StatusOK, want: `{}`},
		{name: "tag of 101 three-byte characters", header: tag(strings.Repeat("通", 101)),
			status: http.StatusBadRequest, want: tagError},
		{name: "tag of 8 emoji, 16 UTF-16 units", header: tag(strings.Repeat("📦", 8)),
			status: http.StatusOK, want: `{}`},
		{name: "tag of 51 emoji, 102 UTF-16 units", header: tag(strings.Repeat("📦", 51)),
			status: http.StatusBadRequest, want: tagError},
	})
}

// testPushJSON checks LINE's answers to bodies that are not the JSON
// object the endpoint takes, with the line and column at fault.
func testPushJSON(t *testing.T, e *env) {
	t.Parallel()

	aiko := pnpd.HashPhone("+819011110001")
	valid := textBody(aiko)
	parse := func(line, col string) string {
		return messageJSON("The request body could not be parsed as JSON (line: " + line +
			", column: " + col + ")")
	}
	property := func(name, line, col string) string {
		return messageJSON("The property, '" + name + "', in the request body is invalid " +
			"(line: " + line + ", column: " + col + ")")
	}
	multiLine := "{\n  \"to\": \"" + aiko + "\",\n  \"messages\": [\n" +
		"    {\"type\": \"text\" \"text\": \"hi\"}\n  ]\n}"
	runPushCases(t, e, []pushCase{
		{name: "cut short", body: `{"to":`,
			status: http.StatusBadRequest, want: parse("1", "7")},
		{name: "only white space", body: " ",
			status: http.StatusBadRequest, want: parse("1", "2")},
		{name: "bad character", body: `{x}`,
			status: http.StatusBadRequest, want: parse("1", "3")},
		{name: "error on line 4", body: multiLine,
			status: http.StatusBadRequest, want: parse("4", "22")},
		{name: "error after CRLF line ends", body: "{\r\n\"to\":\r\nx}",
			status: http.StatusBadRequest, want: parse("3", "2")},
		{name: "trailing comma", body: `{"to":"a",}`,
			status: http.StatusBadRequest, want: parse("1", "12")},
		{name: "garbage after the object", body: valid + " x",
			status: http.StatusBadRequest, want: parse("1", "140")},
		{name: "a second object", body: valid + "{}",
			status: http.StatusBadRequest, want: parse("1", "139")},
		{name: "a brace after the object", body: valid + "}",
			status: http.StatusBadRequest, want: parse("1", "139")},
		{name: "a bracket after the object", body: valid + "\n]",
			status: http.StatusBadRequest, want: parse("2", "2")},
		{name: "white space after the object", body: valid + " \r\n\t",
			status: http.StatusOK, want: `{}`},
		{name: "to is a number", body: `{"to": 123, "messages": []}`,
			status: http.StatusBadRequest, want: property("to", "1", "11")},
		{name: "to is a number on line 2", body: "{\n\"to\": 123}",
			status: http.StatusBadRequest, want: property("to", "2", "10")},
		{name: "notificationDisabled is a string",
			body:   `{"to":"` + aiko + `","notificationDisabled":"yes"}`,
			status: http.StatusBadRequest, want: property("notificationDisabled", "1", "102")},
		{name: "customAggregationUnits is a string",
			body:   `{"customAggregationUnits":"unit"}`,
			status: http.StatusBadRequest, want: property("customAggregationUnits", "1", "33")},
		{name: "array at the top", body: `[]`,
			status: http.StatusBadRequest, want: parse("1", "2")},
		{name: "string at the top", body: `"to"`,
			status: http.StatusBadRequest, want: parse("1", "5")},
		{name: "null at the top", body: `null`, status: http.StatusBadRequest,
			want: errorJSON("May not be empty", "to", "May not be empty", "messages")},
		{name: "empty object", body: `{}`, status: http.StatusBadRequest,
			want: errorJSON("May not be empty", "to", "May not be empty", "messages")},
		{name: "unknown members are ignored",
			body: `{"to":"` + aiko + `","messages":[{"type":"text","text":"hi"}],` +
				`"notificationDisabled":true,"newField":{"x":[1]}}`,
			status: http.StatusOK, want: `{}`},
	})

	t.Run("empty", func(t *testing.T) {
		t.Parallel()

		assertReply(t, e.send(t, e.pushRequest(t, "")), http.StatusBadRequest, parse("1", "1"))
	})
}

// testPushTo checks the destination: a SHA-256 digest in hex, matched
// without regard to case.
func testPushTo(t *testing.T, e *env) {
	t.Parallel()

	aiko := pnpd.HashPhone("+819011110001")
	messages := `,"messages":[{"type":"text","text":"hi"}]}`
	digest := errorJSON("The value must be a valid SHA-256 digest.", "to")
	runPushCases(t, e, []pushCase{
		{name: "missing", body: `{"messages":[{"type":"text","text":"hi"}]}`,
			status: http.StatusBadRequest, want: errorJSON("May not be empty", "to")},
		{name: "null", body: `{"to":null` + messages,
			status: http.StatusBadRequest, want: errorJSON("May not be empty", "to")},
		{name: "empty", body: `{"to":""` + messages,
			status: http.StatusBadRequest, want: errorJSON("May not be empty", "to")},
		{name: "63 hex digits", body: `{"to":"` + aiko[:63] + `"` + messages,
			status: http.StatusBadRequest, want: digest},
		{name: "65 hex digits", body: `{"to":"` + aiko + `0"` + messages,
			status: http.StatusBadRequest, want: digest},
		{name: "not hex", body: `{"to":"` + strings.Repeat("g", 64) + `"` + messages,
			status: http.StatusBadRequest, want: digest},
		{name: "the phone number itself", body: `{"to":"+819011110001"` + messages,
			status: http.StatusBadRequest, want: digest},
		{name: "a digest with spaces around", body: `{"to":" ` + aiko + ` "` + messages,
			status: http.StatusBadRequest, want: digest},
		{name: "lower case", body: `{"to":"` + aiko + `"` + messages,
			status: http.StatusOK, want: `{}`},
		{name: "upper case", body: `{"to":"` + strings.ToUpper(aiko) + `"` + messages,
			status: http.StatusOK, want: `{}`},
		{name: "bad to and no messages", body: `{"to":"abc"}`, status: http.StatusBadRequest,
			want: errorJSON("The value must be a valid SHA-256 digest.", "to",
				"May not be empty", "messages")},
	})
}

// testPushMessages checks the messages array: 1 to 5 messages, none with an
// image, and Flex problems reported with JSON pointers.
func testPushMessages(t *testing.T, e *env) {
	t.Parallel()

	to := `{"to":"` + pnpd.HashPhone("+819011110001") + `","messages":`
	text := `{"type":"text","text":"hi"}`
	texts := func(n int) string { return "[" + strings.Repeat(text+",", n-1) + text + "]" }
	badFlex := `{"type":"flex","altText":"alt","contents":{"type":"bubble",` +
		`"hero":{"type":"image","url":"http://example.com/i.jpg"}}}`
	runPushCases(t, e, []pushCase{
		{name: "missing", body: `{"to":"` + pnpd.HashPhone("+819011110001") + `"}`,
			status: http.StatusBadRequest, want: errorJSON("May not be empty", "messages")},
		{name: "empty", body: to + `[]}`, status: http.StatusBadRequest,
			want: errorJSON("Size must be between 1 and 5", "messages")},
		{name: "one", body: to + texts(1) + `}`, status: http.StatusOK, want: `{}`},
		{name: "five", body: to + texts(5) + `}`, status: http.StatusOK, want: `{}`},
		{name: "six", body: to + texts(6) + `}`, status: http.StatusBadRequest,
			want: errorJSON("Size must be between 1 and 5", "messages")},
		{name: "not an array", body: to + `"hi"}`, status: http.StatusBadRequest,
			want: errorJSON("Must be an array of message objects", "messages")},
		{name: "image", body: to + `[{"type":"image",` +
			`"originalContentUrl":"https://example.com/i.jpg",` +
			`"previewImageUrl":"https://example.com/p.jpg"}]}`,
			status: http.StatusBadRequest,
			want: errorJSON("Messages of type 'image' are not permitted in notification "+
				"messages", "messages[0].type")},
		{name: "empty text", body: to + `[{"type":"text","text":""}]}`,
			status: http.StatusBadRequest, want: errorJSON("May not be empty", "messages[0].text")},
		{name: "bad Flex message", body: to + `[` + badFlex + `]}`,
			status: http.StatusBadRequest,
			want: detailJSON("A message (messages[0]) in the request body is invalid",
				"invalid uri scheme", "/hero/url")},
		{name: "bad Flex message second", body: to + `[` + text + `,` + badFlex + `]}`,
			status: http.StatusBadRequest,
			want: detailJSON("A message (messages[1]) in the request body is invalid",
				"invalid uri scheme", "/hero/url")},
		{name: "bad Flex message and a bad text", body: to + `[` + badFlex +
			`,{"type":"text"}]}`, status: http.StatusBadRequest,
			want: errorJSON("May not be empty", "messages[1].text")},
	})
}

// testPushAggregationUnits checks customAggregationUnits: at most one name
// of 1 to 30 characters from [A-Za-z0-9_]; null is no units, as SDKs send.
func testPushAggregationUnits(t *testing.T, e *env) {
	t.Parallel()

	body := func(units string) string {
		return `{"to":"` + pnpd.HashPhone("+819011110001") +
			`","messages":[{"type":"text","text":"hi"}],"customAggregationUnits":` + units + `}`
	}
	runPushCases(t, e, []pushCase{
		{name: "one name", body: body(`["ok_unit"]`), status: http.StatusOK, want: `{}`},
		{name: "30 characters", body: body(`["` + strings.Repeat("A", 30) + `"]`),
			status: http.StatusOK, want: `{}`},
		{name: "null", body: body(`null`), status: http.StatusOK, want: `{}`},
		{name: "no names", body: body(`[]`), status: http.StatusOK, want: `{}`},
		{name: "hyphen", body: body(`["bad-unit"]`), status: http.StatusBadRequest,
			want: `{"message":"The request body has 1 error(s)","details":[{"message":` +
				`"Invalid characters are included in custom aggregation unit",` +
				`"property":"customAggregationUnits[0]"}]}`},
		{name: "two names", body: body(`["a","b"]`), status: http.StatusBadRequest,
			want: errorJSON("Size must be between 0 and 1", "customAggregationUnits")},
		{name: "31 characters", body: body(`["` + strings.Repeat("A", 31) + `"]`),
			status: http.StatusBadRequest,
			want:   errorJSON("Length must be between 1 and 30", "customAggregationUnits[0]")},
		{name: "empty name", body: body(`[""]`), status: http.StatusBadRequest,
			want: errorJSON("Length must be between 1 and 30", "customAggregationUnits[0]")},
		{name: "a number", body: body(`[1]`), status: http.StatusBadRequest,
			want: messageJSON("The property, 'customAggregationUnits', in the request body " +
				"is invalid (line: 1, column: 142)")},
	})
}

// testPushOutcomes checks what the API answers for recipients in each
// state: 422 for the four refusals, 200 otherwise, also when the recipient
// blocked the channel and will never get the message.
func testPushOutcomes(t *testing.T, e *env) {
	t.Parallel()

	american := &pnpd.Recipient{ID: pnpd.NewUserID(), DisplayName: "Ian",
		PhoneNumber: "+12025550123", PhoneHash: pnpd.HashPhone("+12025550123"),
		Language: "en", CreatedAt: time.Now().Add(-30 * 24 * time.Hour),
		SMSVerifiedAt: time.Now().Add(-30 * 24 * time.Hour), Consent: pnpd.ConsentAgreed,
		PrivacyPolicyAgreed: true}
	if err := e.srv.Store().CreateRecipient(t.Context(), american); err != nil {
		t.Fatalf("create recipient: %v", err)
	}

	tests := []struct {
		name   string
		to     string
		status int
		want   string
	}{
		{"agreed", e.hash(t, "Aiko"), http.StatusOK, `{}`},
		{"consent not set", e.hash(t, "Botan"), http.StatusOK, `{}`},
		{"consent not set, SMS needed", e.hash(t, "Chiyo"), http.StatusOK, `{}`},
		{"agreed, SMS needed", e.hash(t, "Daiki"), http.StatusOK, `{}`},
		{"rejected", e.hash(t, "Emi"), http.StatusUnprocessableEntity, bodyFailedToSend},
		{"privacy policy not agreed", e.hash(t, "Fumio"),
			http.StatusUnprocessableEntity, bodyFailedToSend},
		{"blocked the channel", e.hash(t, "Goro"), http.StatusOK, `{}`},
		{"Thailand", e.hash(t, "Hana"), http.StatusOK, `{}`},
		{"no account", pnpd.HashPhone("+819099999999"),
			http.StatusUnprocessableEntity, bodyFailedToSend},
		{"not a service country", american.PhoneHash,
			http.StatusUnprocessableEntity, bodyFailedToSend},
		{"national form of Aiko's number", pnpd.HashPhone("09011110001"),
			http.StatusUnprocessableEntity, bodyFailedToSend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			assertReply(t, e.send(t, e.pushRequest(t, textBody(tc.to))), tc.status, tc.want)

			res, _, err := e.sdk(t, e.token).PushMessagesByPhoneWithHttpInfo(
				&messaging_api.PnpMessagesRequest{To: tc.to,
					Messages: []messaging_api.MessageInterface{
						messaging_api.TextMessage{Text: "hi"}}}, "")
			r := e.sdkReply(t, res, err)
			if r.status != tc.status || (r.status == http.StatusOK) != (err == nil) {
				t.Errorf("SDK: status %d, error %v; want %d", r.status, err, tc.status)
			}
		})
	}
}

// testPushWithSDK checks requests the official SDK builds, which send an
// empty X-Line-Delivery-Tag and notificationDisabled every time.
func testPushWithSDK(t *testing.T, e *env) {
	t.Parallel()

	aiko := e.hash(t, "Aiko")
	text := []messaging_api.MessageInterface{messaging_api.TextMessage{Text: "hi"}}
	tests := []struct {
		name   string
		req    messaging_api.PnpMessagesRequest
		tag    string
		status int
		want   string // "" for a success, whose body the SDK does not read
	}{
		{name: "no tag", req: messaging_api.PnpMessagesRequest{To: aiko, Messages: text},
			status: http.StatusOK},
		{name: "tag", tag: "1503455293" + strings.Repeat("ab", 32) + "menu01",
			req: messaging_api.PnpMessagesRequest{To: aiko, Messages: text}, status: http.StatusOK},
		{name: "silent", req: messaging_api.PnpMessagesRequest{To: aiko, Messages: text,
			NotificationDisabled: true}, status: http.StatusOK},
		{name: "short tag", tag: "too-short",
			req:    messaging_api.PnpMessagesRequest{To: aiko, Messages: text},
			status: http.StatusBadRequest, want: detailJSON("The request has 1 error(s)",
				"Length must be between 16 and 100", "X-Line-Delivery-Tag")},
		{name: "tag not UTF-8", tag: strings.Repeat("\xff", 16),
			req:    messaging_api.PnpMessagesRequest{To: aiko, Messages: text},
			status: http.StatusBadRequest, want: detailJSON("The request has 1 error(s)",
				"Must be UTF-8 text", "X-Line-Delivery-Tag")},
		{name: "no messages, sent as []", req: messaging_api.PnpMessagesRequest{To: aiko},
			status: http.StatusBadRequest,
			want:   errorJSON("Size must be between 1 and 5", "messages")},
		{name: "image", req: messaging_api.PnpMessagesRequest{To: aiko,
			Messages: []messaging_api.MessageInterface{messaging_api.ImageMessage{
				OriginalContentUrl: "https://example.com/i.jpg",
				PreviewImageUrl:    "https://example.com/p.jpg"}}},
			status: http.StatusBadRequest,
			want: errorJSON("Messages of type 'image' are not permitted in notification "+
				"messages", "messages[0].type")},
		{name: "rejected recipient", req: messaging_api.PnpMessagesRequest{
			To: e.hash(t, "Emi"), Messages: text},
			status: http.StatusUnprocessableEntity, want: bodyFailedToSend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			res, _, err := e.sdk(t, e.token).PushMessagesByPhoneWithHttpInfo(&tc.req, tc.tag)
			r := e.sdkReply(t, res, err)
			if tc.want == "" {
				if err != nil || r.status != tc.status {
					t.Errorf("status %d, error %v; want %d", r.status, err, tc.status)
				}
				return
			}
			assertReply(t, r, tc.status, tc.want)
		})
	}
}

// testWrongMethod checks that the endpoints answer only their own method.
func testWrongMethod(t *testing.T, e *env) {
	t.Parallel()

	tests := []struct{ name, method, path string }{
		{"GET push", http.MethodGet, pushPath},
		{"PUT push", http.MethodPut, pushPath},
		{"POST count", http.MethodPost, countPath + "?date=20260101"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req, err := http.NewRequest(tc.method, e.url+tc.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+e.token)
			req.Header.Set("Content-Type", "application/json")
			if r := sendRaw(t, req); r.status < 300 {
				t.Errorf("%s %s answered %v", tc.method, tc.path, r)
			}
		})
	}
}
