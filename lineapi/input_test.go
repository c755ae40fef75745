package lineapi_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestUnreadableBodies(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	t.Run("a body cut short is a 400, not a 500", func(t *testing.T) {
		t.Parallel()

		conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()

		_, _ = conn.Write([]byte("POST " + pushPath + " HTTP/1.1\r\nHost: x\r\n" +
			"Authorization: Bearer " + e.token + "\r\nContent-Type: application/json\r\n" +
			"Content-Length: 100\r\n\r\n{\"to\":"))
		_ = conn.(*net.TCPConn).CloseWrite()

		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Line-Request-Id") == "" {
			t.Errorf("status %d, request ID %q; want 400 with a request ID",
				resp.StatusCode, resp.Header.Get("X-Line-Request-Id"))
		}
	})

	t.Run("invalid UTF-8 is a 400", func(t *testing.T) {
		t.Parallel()

		body := `{"to":"` + e.hash(t, "Aiko") + `","messages":[{"type":"text","text":"a` +
			"\xff\xfe" + `"}]}`
		got := e.send(t, e.pushRequest(t, body))
		if got.status != http.StatusBadRequest ||
			!strings.Contains(string(got.body), "could not be parsed as JSON") {
			t.Errorf("got %v, want 400 could not be parsed as JSON", got)
		}
	})
}

// TestStoredMessagesAreValidJSON: what the recipient is shown is what was
// sent, re-encoded; a lone surrogate escape becomes U+FFFD.
func TestStoredMessagesAreValidJSON(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	hash := e.hash(t, "Aiko")
	body := `{"to":"` + hash + `","messages":[{"type":"text",  "text":"a\ud800b <&>"}]}`
	if got := e.send(t, e.pushRequest(t, body)); got.status != http.StatusOK {
		t.Fatalf("push: %v", got)
	}

	ctx := context.Background()
	rec, err := e.srv.Store().RecipientByPhoneHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	chat, err := e.srv.Store().ChatMessages(ctx, rec.ID, e.demo.Credentials.ChannelID, 0, 10)
	if err != nil || len(chat) != 1 {
		t.Fatalf("chat = %v, %v; want one message", chat, err)
	}

	want := `{"text":"a` + "\ufffd" + `b <&>","type":"text"}`
	if string(chat[0].Message) != want {
		t.Errorf("stored %s, want %s", chat[0].Message, want)
	}
}

func TestUnknownRoutesAnswerLikeLINE(t *testing.T) {
	t.Parallel()

	e := setup(t, 0)
	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"GET on push", "GET", pushPath, 405, `{"message":"Method Not Allowed"}`},
		{"POST on count", "POST", countPath, 405, `{"message":"Method Not Allowed"}`},
		{"an endpoint pnpd lacks", "POST", "/v2/bot/message/push", 404,
			`{"message":"Not Found"}`},
		{"a trailing slash", "POST", pushPath + "/", 404, `{"message":"Not Found"}`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			req, err := http.NewRequest(tt.method, e.url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := e.send(t, req)
			if got.status != tt.status || strings.TrimSpace(string(got.body)) != tt.body {
				t.Errorf("got %v, want %d %s", got, tt.status, tt.body)
			}
		})
	}
}
