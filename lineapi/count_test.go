package lineapi_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// jst is UTC+9, the time zone of LINE's statistics.
var jst = time.FixedZone("UTC+9", 9*60*60)

// ymd writes a day as the date parameter wants it.
func ymd(t time.Time) string {
	return t.In(jst).Format("20060102")
}

// TestCount checks GET /v2/bot/message/delivery/pnp, group by group, on
// one server.
func TestCount(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	groups := []struct {
		name string
		test func(t *testing.T, e *env)
	}{
		{"date", testCountDate},
		{"authentication", testCountAuth},
		{"official SDK", testCountWithSDK},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.test(t, e) })
	}
}

// testCountDate checks the date parameter: yyyyMMdd and a real day, or
// LINE's 400; then unready for today and later, out_of_service before
// 2018-03-31, and a count with nothing delivered.
func testCountDate(t *testing.T, e *env) {
	t.Parallel()

	today := e.srv.Clock().Now()
	tests := []struct {
		name   string
		query  string
		status int
		want   string
	}{
		{"missing", "", http.StatusBadRequest, bodyInvalidDate},
		{"empty", "date=", http.StatusBadRequest, bodyInvalidDate},
		{"other parameter", "day=20260101", http.StatusBadRequest, bodyInvalidDate},
		{"with hyphens", "date=2026-12-01", http.StatusBadRequest, bodyInvalidDate},
		{"seven digits", "date=2026121", http.StatusBadRequest, bodyInvalidDate},
		{"nine digits", "date=202612011", http.StatusBadRequest, bodyInvalidDate},
		{"month 13", "date=20261301", http.StatusBadRequest, bodyInvalidDate},
		{"month 0", "date=20260001", http.StatusBadRequest, bodyInvalidDate},
		{"30 February", "date=20260230", http.StatusBadRequest, bodyInvalidDate},
		{"29 February of a common year", "date=20270229", http.StatusBadRequest,
			bodyInvalidDate},
		{"day 0", "date=20260100", http.StatusBadRequest, bodyInvalidDate},
		{"sign", "date=%2B2026010", http.StatusBadRequest, bodyInvalidDate},
		{"space before", "date=%2020260101", http.StatusBadRequest, bodyInvalidDate},
		{"new line after", "date=20260101%0A", http.StatusBadRequest, bodyInvalidDate},
		{"full-width digits", "date=" + url.QueryEscape("２０２６０１０１"),
			http.StatusBadRequest, bodyInvalidDate},
		{"before counting began", "date=20180330", http.StatusOK,
			`{"status":"out_of_service"}`},
		{"year 0", "date=00000101", http.StatusOK, `{"status":"out_of_service"}`},
		{"the first counted day", "date=20180331", http.StatusOK,
			`{"status":"ready","success":0}`},
		{"yesterday", "date=" + ymd(today.AddDate(0, 0, -1)), http.StatusOK,
			`{"status":"ready","success":0}`},
		{"today", "date=" + ymd(today), http.StatusOK, `{"status":"unready"}`},
		{"tomorrow", "date=" + ymd(today.AddDate(0, 0, 1)), http.StatusOK,
			`{"status":"unready"}`},
		{"far future", "date=99991231", http.StatusOK, `{"status":"unready"}`},
		{"the first date counts", "date=20180330&date=x", http.StatusOK,
			`{"status":"out_of_service"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			assertReply(t, e.send(t, e.countRequest(t, tc.query)), tc.status, tc.want)
		})
	}
}

// testCountAuth checks that the count, too, takes only a channel's token.
func testCountAuth(t *testing.T, e *env) {
	t.Parallel()

	tests := []struct {
		name string
		auth string // "" for no header
		want string
	}{
		{"no Authorization header", "", bodyAuthRequired},
		{"Basic scheme", "Basic abc", bodyAuthRequired},
		{"malformed token", "Bearer a<b", bodyTokenMalformed},
		{"unknown token", "Bearer c29tZS10b2tlbg", bodyTokenInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			req := e.countRequest(t, "date=20260101")
			req.Header.Del("Authorization")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}

			assertReply(t, e.send(t, req), http.StatusUnauthorized, tc.want)
		})
	}
}

// noonUTC9 moves the server's clock to the next noon in UTC+9, far from
// the day's edges, and returns the offset it set.
func noonUTC9(e *env) time.Duration {
	now := time.Now().In(jst)
	noon := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, jst)
	if !noon.After(now) {
		noon = noon.AddDate(0, 0, 1)
	}

	offset := noon.Sub(now)
	e.srv.Clock().SetOffset(offset)

	return offset
}

// TestCountDelivered checks that the count of a past day is the number of
// notifications delivered that day (UTC+9) by the channel: one for a
// request with several messages, none for held, blocked or refused ones.
func TestCountDelivered(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	offset := noonUTC9(e)
	day := e.srv.Clock().Now()
	api := e.sdk(t, e.token)
	other := e.channel(t, "Other Shop")
	text := messaging_api.TextMessage{Text: "Your parcel is on its way"}

	sends := []struct {
		name   string
		token  string
		to     string
		count  int // how many text messages
		status int
	}{
		{"agreed", e.token, "Aiko", 1, http.StatusOK},
		{"agreed, two messages", e.token, "Aiko", 2, http.StatusOK},
		{"agreed, again", e.token, "Aiko", 1, http.StatusOK},
		{"consent not set: held", e.token, "Botan", 1, http.StatusOK},
		{"SMS needed: held", e.token, "Daiki", 1, http.StatusOK},
		{"blocked: dropped", e.token, "Goro", 1, http.StatusOK},
		{"rejected: refused", e.token, "Emi", 1, http.StatusUnprocessableEntity},
		{"another channel", other, "Aiko", 1, http.StatusOK},
	}
	for _, s := range sends {
		messages := make([]messaging_api.MessageInterface, s.count)
		for i := range messages {
			messages[i] = text
		}
		res, _, err := e.sdk(t, s.token).PushMessagesByPhoneWithHttpInfo(
			&messaging_api.PnpMessagesRequest{To: e.hash(t, s.to), Messages: messages}, "")
		if r := e.sdkReply(t, res, err); r.status != s.status {
			t.Fatalf("push %s: %v, want %d", s.name, r, s.status)
		}
	}

	assertCount(t, e, e.token, day, `{"status":"unready"}`)
	e.srv.Clock().SetOffset(offset + 24*time.Hour)

	assertCount(t, e, e.token, day, `{"status":"ready","success":3}`)
	assertCount(t, e, other, day, `{"status":"ready","success":1}`)
	assertCount(t, e, e.token, day.AddDate(0, 0, -1), `{"status":"ready","success":0}`)
	assertCount(t, e, e.token, day.AddDate(0, 0, 1), `{"status":"unready"}`)

	res, got, err := api.GetPNPMessageStatisticsWithHttpInfo(ymd(day))
	e.sdkReply(t, res, err)
	if err != nil || got.Status != messaging_api.NumberOfMessagesResponseSTATUS_READY ||
		got.Success != 3 {
		t.Errorf("SDK: %+v, %v; want ready, 3", got, err)
	}
}

func assertCount(t *testing.T, e *env, token string, day time.Time, want string) {
	t.Helper()

	req := e.countRequest(t, "date="+ymd(day))
	req.Header.Set("Authorization", "Bearer "+token)
	assertReply(t, e.send(t, req), http.StatusOK, want)
}

// testCountWithSDK checks the SDK's reading of each status.
func testCountWithSDK(t *testing.T, e *env) {
	t.Parallel()

	api := e.sdk(t, e.token)
	tests := []struct {
		name string
		date string
		want messaging_api.NumberOfMessagesResponse
	}{
		{"out of service", "20180330", messaging_api.NumberOfMessagesResponse{
			Status: messaging_api.NumberOfMessagesResponseSTATUS_OUT_OF_SERVICE}},
		{"unready", ymd(e.srv.Clock().Now()), messaging_api.NumberOfMessagesResponse{
			Status: messaging_api.NumberOfMessagesResponseSTATUS_UNREADY}},
		{"ready", ymd(e.srv.Clock().Now().AddDate(0, 0, -2)), messaging_api.NumberOfMessagesResponse{
			Status: messaging_api.NumberOfMessagesResponseSTATUS_READY}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			res, got, err := api.GetPNPMessageStatisticsWithHttpInfo(tc.date)
			e.sdkReply(t, res, err)
			if err != nil || *got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}

	res, _, err := api.GetPNPMessageStatisticsWithHttpInfo("2026-01-01")
	if r := e.sdkReply(t, res, err); err == nil || r.status != http.StatusBadRequest {
		t.Errorf("bad date: %v, %v; want a 400 error", r, err)
	}
}
