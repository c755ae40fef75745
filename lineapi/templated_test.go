package lineapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sandbox"
)

const (
	templatedPath  = "/v2/bot/message/pnp/templated/push"
	templatedCount = "/v2/bot/message/delivery/pnp/templated"
	previewPath    = "/templates/preview"
)

// The error bodies LINE's reference gives for the template notification,
// byte for byte.
const (
	bodyInvalidTemplate = `{"message":"Invalid templateKey: reserve_004","details":[{"message":` +
		`"The specified template doesn't exist, or you don't have the permission",` +
		`"property":"templateKey"}]}`
	bodyUnknownItem = `{"message":"The request body has 1 invalid key(s).","details":[` +
		`{"message":"The specified item key does not exist: datetime_000",` +
		`"property":"body.items[0].itemKey"}]}`
	bodyDuplicateItem = `{"message":"The request body has 1 error(s)","details":[` +
		`{"message":"Duplicate itemKey in items or between emphasizedItem and items are ` +
		`not allowed: date_002_ja","property":"body.emphasizedItem.itemKey"}]}`
	bodyBadTo = `{"message":"The request body has 1 error(s)","details":[{"message":` +
		`"The value must be a valid SHA-256 digest.","property":"to"}]}`
	bodyBadUnit = `{"message":"The request body has 1 error(s)","details":[{"message":` +
		`"Invalid characters are included in custom aggregation unit",` +
		`"property":"customAggregationUnits[0]"}]}`
	bodyNotAvailable = `{"message":"Access to this API is not available for your account"}`
)

// shipment is LINE's sample template notification, to the hash.
func shipment(to string) string {
	return `{"to":"` + to + `","templateKey":"shipment_completed_ja","body":{` +
		`"emphasizedItem":{"itemKey":"date_002_ja","content":"12月5日"},` +
		`"items":[{"itemKey":"time_range_001_ja","content":"午前中"},` +
		`{"itemKey":"number_001_ja","content":"1234567"},` +
		`{"itemKey":"price_001_ja","content":"12,000円"},` +
		`{"itemKey":"name_010_ja","content":"<b>ノート</b> & ペン"}],` +
		`"buttons":[{"buttonKey":"check_delivery_status_ja",` +
		`"url":"https://example.com/track?id=1234567&lang=ja"},` +
		`{"buttonKey":"contact_ja","url":"https://example.com/contact"}]}}`
}

// request builds a request to a LINE endpoint as a well-behaved client
// sends it, with the token.
func (e *env) request(tb testing.TB, method, path, token, body string) *http.Request {
	tb.Helper()

	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)

	return req
}

// channelWith creates a channel from spec and returns its credentials.
func (e *env) channelWith(tb testing.TB, spec sandbox.ChannelSpec) sandbox.Credentials {
	tb.Helper()

	var creds sandbox.Credentials
	err := e.srv.Store().Update(context.Background(), func(q pnpd.Queries) error {
		var err error
		creds, err = sandbox.CreateChannel(context.Background(), q, e.srv.Clock(), spec)

		return err
	})
	if err != nil {
		tb.Fatalf("create channel: %v", err)
	}

	return creds
}

// chat returns the message objects in a demo recipient's chat with a
// channel.
func (e *env) chat(tb testing.TB, name, channelID string) []json.RawMessage {
	tb.Helper()

	ctx := context.Background()
	rec, err := e.srv.Store().RecipientByPhoneHash(ctx, e.hash(tb, name))
	if err != nil {
		tb.Fatalf("recipient %s: %v", name, err)
	}

	msgs, err := e.srv.Store().ChatMessages(ctx, rec.ID, channelID, 0, 100)
	if err != nil {
		tb.Fatalf("chat of %s: %v", name, err)
	}

	out := make([]json.RawMessage, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.Message)
	}

	return out
}

// TestTemplatedPush checks POST /v2/bot/message/pnp/templated/push.
func TestTemplatedPush(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	groups := []struct {
		name string
		test func(t *testing.T, e *env)
	}{
		{"delivered", testTemplatedDelivered},
		{"LINE's documented errors", testTemplatedDocumentedErrors},
		{"body", testTemplatedBody},
		{"catalogue", testTemplatedCatalogue},
		{"permission", testTemplatedPermission},
		{"request", testTemplatedRequest},
		{"outcomes", testTemplatedOutcomes},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.test(t, e) })
	}
}

// testTemplatedDelivered checks that LINE's sample is accepted with 202 and
// {} and lands in Aiko's chat as the filled template: the catalogue's title,
// description and labels around the content as it was sent.
func testTemplatedDelivered(t *testing.T, e *env) {
	creds := e.channelWith(t, sandbox.ChannelSpec{Name: "Sakura Mart"})
	req := e.request(t, http.MethodPost, templatedPath, creds.AccessToken,
		shipment(e.hash(t, "Aiko")))
	assertReply(t, e.send(t, req), http.StatusAccepted, `{}`)

	msgs := e.chat(t, "Aiko", creds.ChannelID)
	if len(msgs) != 1 {
		t.Fatalf("Aiko's chat holds %d messages, want 1", len(msgs))
	}

	var got struct {
		Type, TemplateKey, Title, Description string
		EmphasizedItem                        struct{ ItemKey, Label, Content string }
		Items                                 []struct{ ItemKey, Label, Content string }
		Buttons                               []struct{ ButtonKey, Label, URL string }
	}
	if err := json.Unmarshal(msgs[0], &got); err != nil {
		t.Fatalf("stored message %s: %v", msgs[0], err)
	}

	if got.Type != "notificationTemplate" || got.TemplateKey != "shipment_completed_ja" ||
		got.Title != "商品発送のお知らせ" || got.Description == "" {
		t.Errorf("stored template %+v", got)
	}
	if got.EmphasizedItem.Label != "お届け予定日" || got.EmphasizedItem.Content != "12月5日" {
		t.Errorf("emphasized item %+v", got.EmphasizedItem)
	}
	if len(got.Items) != 4 || got.Items[3].Content != "<b>ノート</b> & ペン" ||
		got.Items[0].Label == "" {
		t.Errorf("items %+v", got.Items)
	}
	if len(got.Buttons) != 2 || got.Buttons[0].URL !=
		"https://example.com/track?id=1234567&lang=ja" || got.Buttons[1].Label != "お問い合わせ" {
		t.Errorf("buttons %+v", got.Buttons)
	}
}

// testTemplatedDocumentedErrors sends the requests of LINE's reference and
// checks each answer byte for byte.
func testTemplatedDocumentedErrors(t *testing.T, e *env) {
	t.Parallel()

	aiko := e.hash(t, "Aiko")
	without := e.channelWith(t, sandbox.ChannelSpec{Name: "No Templates",
		Template: new(false)})
	tests := []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"unknown template", e.token, `{"to":"` + aiko + `","templateKey":"reserve_004"}`,
			http.StatusBadRequest, bodyInvalidTemplate},
		{"unknown item key", e.token, `{"to":"` + aiko + `","templateKey":` +
			`"shipment_completed_ja","body":{"items":[{"itemKey":"datetime_000",` +
			`"content":"2025-01-01 10:00"}]}}`, http.StatusBadRequest, bodyUnknownItem},
		{"duplicate item key", e.token, `{"to":"` + aiko + `","templateKey":` +
			`"shipment_completed_ja","body":{"emphasizedItem":{"itemKey":"date_002_ja",` +
			`"content":"12/5"},"items":[{"itemKey":"date_002_ja","content":"12/5"}]}}`,
			http.StatusBadRequest, bodyDuplicateItem},
		{"bad to", e.token, `{"to":"+819011110001","templateKey":"shipment_completed_ja"}`,
			http.StatusBadRequest, bodyBadTo},
		{"bad unit name", e.token, `{"to":"` + aiko + `","templateKey":` +
			`"shipment_completed_ja","customAggregationUnits":["spring-sale"]}`,
			http.StatusBadRequest, bodyBadUnit},
		{"no permission", without.AccessToken, shipment(aiko), http.StatusForbidden,
			bodyNotAvailable},
		{"rejected recipient", e.token, shipment(e.hash(t, "Emi")),
			http.StatusUnprocessableEntity, bodyFailedToSend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.request(t, http.MethodPost, templatedPath, tc.token, tc.body)
			assertReply(t, e.send(t, req), tc.status, tc.want)
		})
	}
}

// item is an item of the body as JSON.
func item(key, content string) string {
	return `{"itemKey":"` + key + `","content":"` + content + `"}`
}

// button is a button of the body as JSON.
func button(key, url string) string {
	return `{"buttonKey":"` + key + `","url":"` + url + `"}`
}

// testTemplatedBody checks the limits on the body where LINE documents them
// and gives no wording: each problem is reported in LINE's format, with its
// place in the body.
func testTemplatedBody(t *testing.T, e *env) {
	t.Parallel()

	send := func(body string) string {
		return `{"to":"` + e.hash(t, "Aiko") + `","templateKey":"shipment_completed_ja",` +
			`"body":` + body + `}`
	}
	items16 := strings.TrimSuffix(strings.Repeat(item("number_001_ja", "1")+",", 16), ",")
	long := func(n int) string { return strings.Repeat("あ", n) }
	tests := []struct {
		name, body, want string
	}{
		{"16 items", `{"items":[` + items16 + `]}`,
			errorJSON("Size must be between 0 and 15", "body.items")},
		{"3 buttons", `{"buttons":[` + button("contact_ja", "https://a.example/") + "," +
			button("view_order_ja", "https://a.example/") + "," +
			button("check_delivery_status_ja", "https://a.example/") + `]}`,
			errorJSON("Size must be between 0 and 2", "body.buttons")},
		{"emphasized 16 characters", `{"emphasizedItem":` + item("date_002_ja", long(16)) + `}`,
			errorJSON("Length must be between 0 and 15", "body.emphasizedItem.content")},
		{"emphasized 15 characters, one an emoji of two units", `{"emphasizedItem":` +
			item("date_002_ja", long(14)+"😀") + `}`,
			errorJSON("Length must be between 0 and 15", "body.emphasizedItem.content")},
		{"item 301 characters", `{"items":[` + item("name_010_ja", long(301)) + `]}`,
			errorJSON("Length must be between 0 and 300", "body.items[0].content")},
		{"URL of 1001 characters", `{"buttons":[` + button("contact_ja",
			"https://a.example/"+strings.Repeat("x", 1001-18)) + `]}`,
			errorJSON("Length must be between 0 and 1000", "body.buttons[0].url")},
		{"URL not http", `{"buttons":[` + button("contact_ja", "tel:0312345678") + `]}`,
			errorJSON("URI scheme must be one of the following values: [http, https]",
				"body.buttons[0].url")},
		{"URL without host", `{"buttons":[` + button("contact_ja", "https:contact") + `]}`,
			errorJSON("Must be an absolute URL", "body.buttons[0].url")},
		{"relative URL", `{"buttons":[` + button("contact_ja", "/contact") + `]}`,
			errorJSON("Must be an absolute URL", "body.buttons[0].url")},
		{"duplicate button", `{"buttons":[` + button("contact_ja", "https://a.example/") +
			"," + button("contact_ja", "https://b.example/") + `]}`,
			errorJSON("Duplicate buttonKey in buttons are not allowed: contact_ja",
				"body.buttons[0].buttonKey")},
		{"duplicate within items", `{"items":[` + item("number_001_ja", "1") + "," +
			item("name_010_ja", "pen") + "," + item("number_001_ja", "2") + `]}`,
			errorJSON("Duplicate itemKey in items or between emphasizedItem and items are "+
				"not allowed: number_001_ja", "body.items[0].itemKey")},
		{"missing members", `{"emphasizedItem":{},"items":[{"content":""}],"buttons":[{}]}`,
			errorJSON("May not be empty", "body.emphasizedItem.itemKey",
				"May not be empty", "body.emphasizedItem.content",
				"May not be empty", "body.items[0].content",
				"May not be empty", "body.items[0].itemKey",
				"May not be empty", "body.buttons[0].buttonKey",
				"May not be empty", "body.buttons[0].url")},
		{"wrong types", `{"emphasizedItem":[],"items":{},"buttons":[1]}`,
			errorJSON("Must be an object", "body.emphasizedItem", "Must be an array",
				"body.items", "Must be an object", "body.buttons[0]")},
		{"body not an object", `"shipped"`, errorJSON("Must be an object", "body")},
		{"case matters", `{"items":[{"itemKey":"name_010_ja","Content":"x"}]}`,
			errorJSON("May not be empty", "body.items[0].content")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.request(t, http.MethodPost, templatedPath, e.token, send(tc.body))
			assertReply(t, e.send(t, req), http.StatusBadRequest, tc.want)
		})
	}
}

// testTemplatedCatalogue checks that keys are looked up in the catalogue of
// the channel's country, and that a channel limited to some templates may
// use only those.
func testTemplatedCatalogue(t *testing.T, e *env) {
	t.Parallel()

	thai := e.channelWith(t, sandbox.ChannelSpec{Name: "Bangkok Mart", Country: "TH"})
	limited := e.channelWith(t, sandbox.ChannelSpec{Name: "Bills Only",
		TemplateKeys: []string{"bill_issued_ja"}})
	aiko := e.hash(t, "Aiko")
	tpl := func(key, body string) string {
		return `{"to":"` + aiko + `","templateKey":"` + key + `","body":` + body + `}`
	}
	tests := []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"a Japanese template from a Thai channel", thai.AccessToken,
			tpl("shipment_completed_ja", `{}`), http.StatusBadRequest,
			strings.ReplaceAll(bodyInvalidTemplate, "reserve_004", "shipment_completed_ja")},
		{"a Thai template from a Thai channel", thai.AccessToken,
			tpl("shipment_completed_th", `{"items":[`+item("name_010_th", "ปากกา")+`]}`),
			http.StatusAccepted, `{}`},
		{"Japanese keys in a Thai template", thai.AccessToken,
			tpl("shipment_completed_th", `{"items":[`+item("name_010_th", "ปากกา")+","+
				item("name_010_ja", "pen")+`],"buttons":[`+
				button("contact_ja", "https://a.example/")+`]}`), http.StatusBadRequest,
			detailJSON("The request body has 2 invalid key(s).",
				"The specified item key does not exist: name_010_ja", "body.items[1].itemKey",
				"The specified button key does not exist: contact_ja",
				"body.buttons[0].buttonKey")},
		{"a template the channel may not use", limited.AccessToken,
			tpl("shipment_completed_ja", `{}`), http.StatusBadRequest,
			strings.ReplaceAll(bodyInvalidTemplate, "reserve_004", "shipment_completed_ja")},
		{"the template the channel may use", limited.AccessToken,
			tpl("bill_issued_ja", `{}`), http.StatusAccepted, `{}`},
		{"keys are case-sensitive", e.token, tpl("Shipment_Completed_ja", `{}`),
			http.StatusBadRequest,
			strings.ReplaceAll(bodyInvalidTemplate, "reserve_004", "Shipment_Completed_ja")},
		{"an older rendering's button key", e.token, tpl("shipment_completed_ja",
			`{"buttons":[`+button("Check_Contact", "https://a.example/")+`]}`),
			http.StatusBadRequest, detailJSON("The request body has 1 invalid key(s).",
				"The specified button key does not exist: Check_Contact",
				"body.buttons[0].buttonKey")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.request(t, http.MethodPost, templatedPath, tc.token, tc.body)
			assertReply(t, e.send(t, req), tc.status, tc.want)
		})
	}
}

// testTemplatedPermission checks that each kind of notification needs its
// own permission, on the send and the count endpoints alike.
func testTemplatedPermission(t *testing.T, e *env) {
	t.Parallel()

	templateOnly := e.channelWith(t, sandbox.ChannelSpec{Name: "Template Only",
		Flexible: new(false)})
	flexibleOnly := e.channelWith(t, sandbox.ChannelSpec{Name: "Flexible Only",
		Template: new(false)})
	aiko := e.hash(t, "Aiko")
	date := "date=" + ymd(e.srv.Clock().Now().AddDate(0, 0, -1))
	tests := []struct {
		name, token, method, path, body string
		status                          int
	}{
		{"template push, template only", templateOnly.AccessToken, http.MethodPost,
			templatedPath, shipment(aiko), http.StatusAccepted},
		{"flexible push, template only", templateOnly.AccessToken, http.MethodPost,
			pushPath, textBody(aiko), http.StatusForbidden},
		{"flexible count, template only", templateOnly.AccessToken, http.MethodGet,
			countPath + "?" + date, "", http.StatusForbidden},
		{"template count, template only", templateOnly.AccessToken, http.MethodGet,
			templatedCount + "?" + date, "", http.StatusOK},
		{"template push, flexible only", flexibleOnly.AccessToken, http.MethodPost,
			templatedPath, shipment(aiko), http.StatusForbidden},
		{"template count, flexible only", flexibleOnly.AccessToken, http.MethodGet,
			templatedCount + "?" + date, "", http.StatusForbidden},
		{"template preview, flexible only", flexibleOnly.AccessToken, http.MethodPost,
			previewPath, shipment(aiko), http.StatusForbidden},
		{"flexible push, flexible only", flexibleOnly.AccessToken, http.MethodPost,
			pushPath, textBody(aiko), http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			r := e.send(t, e.request(t, tc.method, tc.path, tc.token, tc.body))
			if r.status != tc.status {
				t.Errorf("%v, want %d", r, tc.status)
			}
			if tc.status == http.StatusForbidden {
				assertReply(t, r, tc.status, bodyNotAvailable)
			}
		})
	}
}

// testTemplatedRequest checks what the endpoint shares with the flexible
// one: authentication, the content type, the headers, parse errors, the
// methods.
func testTemplatedRequest(t *testing.T, e *env) {
	t.Parallel()

	aiko := e.hash(t, "Aiko")
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		want       string
	}{
		{"no token", shipment(aiko), map[string]string{"Authorization": "-"},
			http.StatusUnauthorized, bodyAuthRequired},
		{"text body", shipment(aiko), map[string]string{"Content-Type": "text/plain"},
			http.StatusUnsupportedMediaType,
			messageJSON("The content type, 'text/plain', is not supported")},
		{"retry key", shipment(aiko), map[string]string{"X-Line-Retry-Key": pnpd.NewRequestID()},
			http.StatusBadRequest,
			messageJSON("The X-Line-Retry-Key header is not supported by this API")},
		{"short delivery tag", shipment(aiko), map[string]string{"X-Line-Delivery-Tag": "x"},
			http.StatusBadRequest, detailJSON("The request has 1 error(s)",
				"Length must be between 16 and 100", "X-Line-Delivery-Tag")},
		{"empty delivery tag", shipment(aiko), map[string]string{"X-Line-Delivery-Tag": ""},
			http.StatusAccepted, `{}`},
		{"not JSON", `{"to":`, nil, http.StatusBadRequest,
			messageJSON("The request body could not be parsed as JSON (line: 1, column: 7)")},
		{"templateKey a number", `{"to":"` + aiko + `","templateKey":7}`, nil,
			http.StatusBadRequest, messageJSON("The property, 'templateKey', in the request " +
				"body is invalid (line: 1, column: 89)")},
		{"nothing", `{}`, nil, http.StatusBadRequest,
			errorJSON("May not be empty", "to", "May not be empty", "templateKey")},
		{"null arrays, as generated SDKs send them", `{"to":"` + aiko +
			`","templateKey":"payment_due_ja","body":{"emphasizedItem":null,"items":null,` +
			`"buttons":null},"customAggregationUnits":null}`, nil, http.StatusAccepted, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.request(t, http.MethodPost, templatedPath, e.token, tc.body)
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

	for _, method := range []string{http.MethodGet, http.MethodPut} {
		r := e.send(t, e.request(t, method, templatedPath, e.token, ""))
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
			t.Errorf("%s: %v, Allow %q; want 405 and Allow: POST", method, r,
				r.header.Get("Allow"))
		}
	}
}

// testTemplatedOutcomes checks that the receiving flow answers the template
// notification as it answers the flexible one.
func testTemplatedOutcomes(t *testing.T, e *env) {
	t.Parallel()

	tests := []struct {
		name   string
		to     string
		status int
		want   string
	}{
		{"agreed", "Aiko", http.StatusAccepted, `{}`},
		{"consent not set", "Botan", http.StatusAccepted, `{}`},
		{"agreed, SMS needed", "Daiki", http.StatusAccepted, `{}`},
		{"rejected", "Emi", http.StatusUnprocessableEntity, bodyFailedToSend},
		{"privacy policy not agreed", "Fumio", http.StatusUnprocessableEntity,
			bodyFailedToSend},
		{"blocked the channel", "Goro", http.StatusAccepted, `{}`},
		{"Thailand", "Hana", http.StatusAccepted, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.request(t, http.MethodPost, templatedPath, e.token,
				shipment(e.hash(t, tc.to)))
			assertReply(t, e.send(t, req), tc.status, tc.want)
		})
	}

	req := e.request(t, http.MethodPost, templatedPath, e.token,
		shipment(pnpd.HashPhone("+819099999999")))
	assertReply(t, e.send(t, req), http.StatusUnprocessableEntity, bodyFailedToSend)
}

// TestTemplatedAndFlexibleCounts checks that after a mixed run each count
// endpoint counts its own kind: deliveries only, one per request, under
// the UTC+9 day, for the channel that sent them. It also checks that the
// aggregation units the delivered notifications named are this month's
// units, read with the official SDK, and that a held notification's unit
// is not one until it is delivered.
func TestTemplatedAndFlexibleCounts(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	offset := noonUTC9(e)
	day := e.srv.Clock().Now()
	flexible := func(to, unit string) string {
		return `{"to":"` + e.hash(t, to) + `","messages":[{"type":"text","text":"hi"},` +
			`{"type":"text","text":"again"}],"customAggregationUnits":["` + unit + `"]}`
	}
	template := func(to, unit string) string {
		return `{"to":"` + e.hash(t, to) + `","templateKey":"payment_due_ja",` +
			`"customAggregationUnits":["` + unit + `"]}`
	}
	sends := []struct{ path, body string }{
		{pushPath, flexible("Aiko", "alerts")},
		{pushPath, flexible("Hana", "alerts")},
		{templatedPath, template("Aiko", "bills")},
		{templatedPath, template("Hana", "bills")},
		{templatedPath, template("Aiko", "bills")},
		{templatedPath, template("Botan", "held")}, // held for consent
		{templatedPath, template("Goro", "blocked")},
		{pushPath, flexible("Daiki", "held")}, // held for SMS
	}
	for _, s := range sends {
		r := e.send(t, e.request(t, http.MethodPost, s.path, e.token, s.body))
		if r.status != http.StatusOK && r.status != http.StatusAccepted {
			t.Fatalf("send %s: %v", s.body, r)
		}
	}

	api := e.sdk(t, e.token)
	usage, err := api.GetAggregationUnitUsage()
	if err != nil || usage.NumOfCustomAggregationUnits != 2 {
		t.Errorf("SDK unit usage = %+v, %v; want 2", usage, err)
	}
	list, err := api.GetAggregationUnitNameList("", "")
	if err != nil || strings.Join(list.CustomAggregationUnits, ",") != "alerts,bills" ||
		list.Next != "" {
		t.Errorf("SDK unit names = %+v, %v; want alerts, bills", list, err)
	}
	other := e.channel(t, "No Units Yet")
	req := e.request(t, http.MethodGet, "/v2/bot/message/aggregation/list", other, "")
	assertReply(t, e.send(t, req), http.StatusOK, `{"customAggregationUnits":[]}`)

	e.srv.Clock().SetOffset(offset + 24*time.Hour)
	assertKindCount(t, e, countPath, day, `{"status":"ready","success":2}`)
	assertKindCount(t, e, templatedCount, day, `{"status":"ready","success":3}`)

	res, got, err := api.GetPNPMessageStatisticsWithHttpInfo(ymd(day))
	e.sdkReply(t, res, err)
	if err != nil || got.Success != 2 {
		t.Errorf("SDK flexible count: %+v, %v; want 2", got, err)
	}
}

func assertKindCount(t *testing.T, e *env, path string, day time.Time, want string) {
	t.Helper()

	req := e.request(t, http.MethodGet, path+"?date="+ymd(day), e.token, "")
	assertReply(t, e.send(t, req), http.StatusOK, want)
}

// TestTemplatedCountDate checks the template count's answers for the day
// asked, as the flexible count's.
func TestTemplatedCountDate(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	tests := []struct {
		name, query string
		status      int
		want        string
	}{
		{"before the service", "date=20180330", http.StatusOK, `{"status":"out_of_service"}`},
		{"today", "date=" + ymd(e.srv.Clock().Now()), http.StatusOK, `{"status":"unready"}`},
		{"a past day", "date=20250101", http.StatusOK, `{"status":"ready","success":0}`},
		{"bad date", "date=2025-01-01", http.StatusBadRequest, bodyInvalidDate},
		{"no date", "", http.StatusBadRequest, bodyInvalidDate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.request(t, http.MethodGet, templatedCount+"?"+tc.query, e.token, "")
			assertReply(t, e.send(t, req), tc.status, tc.want)
		})
	}
}

// TestAggregationUnitList checks that this month's unit names come in
// order, a page at a time, with next leading to the rest, and that bad
// parameters are refused.
func TestAggregationUnitList(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	for _, unit := range []string{"e_unit", "a_unit", "c_unit", "b_unit", "d_unit"} {
		body := `{"to":"` + e.hash(t, "Aiko") + `","templateKey":"payment_due_ja",` +
			`"customAggregationUnits":["` + unit + `"]}`
		if r := e.send(t, e.request(t, http.MethodPost, templatedPath, e.token,
			body)); r.status != http.StatusAccepted {
			t.Fatalf("send: %v", r)
		}
	}

	api := e.sdk(t, e.token)
	var pages [][]string
	start := ""
	for range 5 {
		page, err := api.GetAggregationUnitNameList("2", start)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages), err)
		}
		pages = append(pages, page.CustomAggregationUnits)
		if start = page.Next; start == "" {
			break
		}
	}
	if got := fmt.Sprint(pages); got != "[[a_unit b_unit] [c_unit d_unit] [e_unit]]" {
		t.Errorf("pages = %s", got)
	}

	all, err := api.GetAggregationUnitNameList("1000", "")
	if err != nil || len(all.CustomAggregationUnits) != 5 || all.Next != "" {
		t.Errorf("limit above 100 = %+v, %v; want all five", all, err)
	}

	for _, query := range []string{"limit=0", "limit=x", "start=%21%21", "start=" +
		base64.RawURLEncoding.EncodeToString([]byte("a name"))} {
		req := e.request(t, http.MethodGet, "/v2/bot/message/aggregation/list?"+query,
			e.token, "")
		r := e.send(t, req)
		param := strings.Split(query, "=")[0]
		assertReply(t, r, http.StatusBadRequest,
			messageJSON("The value for the '"+param+"' parameter is invalid"))
	}
}

// TestTemplatedPreview checks that the preview shows, as a page that runs
// nothing, what the push would deliver: the catalogue's words in the
// recipient's language, the content escaped; and that it refuses what the
// push refuses, with the same bodies, storing nothing.
func TestTemplatedPreview(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	shop := e.channelWith(t, sandbox.ChannelSpec{Name: "Sakura <Mart>"})
	req := e.request(t, http.MethodPost, previewPath+"?lang=en", shop.AccessToken,
		shipment(e.hash(t, "Aiko")))
	r := e.send(t, req)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"),
		"text/html") || !strings.Contains(r.header.Get("Content-Security-Policy"),
		"default-src 'none'") {
		t.Fatalf("preview: %d %s, CSP %q", r.status, r.header.Get("Content-Type"),
			r.header.Get("Content-Security-Policy"))
	}
	page := string(r.body)
	for _, want := range []string{
		`<span class="m-tn-channel">Sakura &lt;Mart&gt;</span>`,
		`<h3 class="m-tn-title">商品発送のお知らせ</h3>`,
		`<div class="m-tn-emph-label">お届け予定日</div>`,
		`<dd>&lt;b&gt;ノート&lt;/b&gt; &amp; ペン</dd>`,
		`href="https://example.com/track?id=1234567&amp;lang=ja"`,
		`This notification was sent to the phone number of your account.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %s", want)
		}
	}
	if msgs := e.chat(t, "Aiko", shop.ChannelID); len(msgs) != 0 {
		t.Errorf("a preview delivered %d messages", len(msgs))
	}

	noTo := e.request(t, http.MethodPost, previewPath, shop.AccessToken,
		`{"templateKey":"payment_due_ja"}`)
	if r := e.send(t, noTo); r.status != http.StatusOK ||
		!strings.Contains(string(r.body), "この通知は") {
		t.Errorf("preview without to, in the country's language: %v", r.status)
	}

	bad := e.request(t, http.MethodPost, previewPath, shop.AccessToken,
		`{"templateKey":"reserve_004"}`)
	assertReply(t, e.send(t, bad), http.StatusBadRequest, bodyInvalidTemplate)

	unauth := e.request(t, http.MethodPost, previewPath, "nope!", `{}`)
	assertReply(t, e.send(t, unauth), http.StatusUnauthorized, bodyTokenMalformed)
}

// TestTemplateCataloguePage checks the catalogue page: every template of
// the country with its sample rendered and the body that sends it, and
// the items and buttons with their labels.
func TestTemplateCataloguePage(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	r := sendRaw(t, e.request(t, http.MethodGet, "/templates?country=TW", "", ""))
	page := string(r.body)
	if r.status != http.StatusOK || strings.Count(page, `<article class="m-msg m-tn">`) < 15 {
		t.Fatalf("catalogue page: %d with %d templates", r.status,
			strings.Count(page, `<article class="m-msg m-tn">`))
	}
	for _, want := range []string{`<html lang="zh-TW">`, `id="shipment_completed_tw"`,
		`&#34;templateKey&#34;: &#34;shipment_completed_tw&#34;`, `<code>contact_tw</code>`,
		`<code>date_002_tw</code>`, `href="?country=JP&amp;lang=zh-TW"`} {
		if !strings.Contains(page, want) {
			t.Errorf("catalogue page lacks %s", want)
		}
	}
	if strings.Contains(page, `class="m-placeholder`) {
		t.Error("a sample renders with a placeholder")
	}

	r = sendRaw(t, e.request(t, http.MethodGet, "/templates?country=th&lang=ZH-tw", "", ""))
	if page := string(r.body); r.status != http.StatusOK ||
		!strings.Contains(page, "id=\"shipment_completed_th\"") ||
		!strings.Contains(page, `<html lang="zh-TW">`) {
		t.Errorf("country and language in lower case: %d", r.status)
	}

	r = sendRaw(t, e.request(t, http.MethodGet, "/templates?country=US", "", ""))
	if page := string(r.body); r.status != http.StatusNotFound ||
		!strings.Contains(page, "No template catalogue for US") ||
		!strings.Contains(page, `href="?country=JP&amp;lang=en"`) {
		t.Errorf("an unknown country: %d %s", r.status, page)
	}
}
