package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

var chatTests = []test{
	{"IncreasingIDs", testChatIDs},
	{"Messages", testChatMessages},
	{"List", testChats},
	{"MarkRead", testMarkRead},
}

// chat holds one recipient's chats: the system chat and one channel's.
type chat struct {
	recipient *pnpd.Recipient
	channel   *pnpd.Channel
	// system and channel are the messages in each chat, oldest first.
	system, messages []pnpd.ChatMessage
}

// chat saves, for a new recipient, two system notices and two messages in
// the channel's chat, interleaved, one minute apart.
func (f *fixture) chat(t *testing.T, c *pnpd.Channel) *chat {
	t.Helper()

	h := &chat{recipient: f.recipient(t), channel: c}
	for i := range 4 {
		if i%2 == 0 {
			h.system = append(h.system, f.chatMessage(t, h, pnpd.SystemChatID, i))
		} else {
			h.messages = append(h.messages, f.chatMessage(t, h, c.ID, i))
		}
	}

	return h
}

// chatMessage saves the i-th bubble of a chat: a notice in the system chat,
// a message in a channel's chat.
func (f *fixture) chatMessage(t *testing.T, h *chat, chatID string, i int) pnpd.ChatMessage {
	t.Helper()

	m := pnpd.ChatMessage{
		RecipientID:    h.recipient.ID,
		ChatID:         chatID,
		ChannelID:      h.channel.ID,
		NotificationID: pnpd.NewRequestID(),
		CreatedAt:      at(time.Duration(i) * time.Minute),
	}
	if chatID == pnpd.SystemChatID {
		m.Notice = pnpd.NoticeReceived
	} else {
		m.Message = json.RawMessage(`{"type":"text","text":"Parcel ` + h.recipient.ID + `"}`)
		m.Silent = i%4 == 1
	}
	ok(t, "add chat message", f.store.AddChatMessage(f.ctx, &m))

	return m
}

// testChatIDs checks that every bubble gets an ID above the ones before,
// and above 0, which ChatMessages takes as "from the start".
func testChatIDs(t *testing.T, f *fixture) {
	c := f.channel(t)
	a, b := f.chat(t, c), f.chat(t, c)
	ids := []int64{a.system[0].ID, a.messages[0].ID, a.system[1].ID, a.messages[1].ID,
		b.system[0].ID, b.messages[0].ID, b.system[1].ID, b.messages[1].ID}

	var prev int64
	for _, id := range ids {
		if id <= prev {
			t.Fatalf("chat message IDs in the order added = %v, want increasing from 1", ids)
		}
		prev = id
	}
}

// testChatMessages checks that ChatMessages pages through one chat of one
// recipient, in order.
func testChatMessages(t *testing.T, f *fixture) {
	c := f.channel(t)
	h, other := f.chat(t, c), f.chat(t, c)
	sys := h.system
	cases := []struct {
		name      string
		recipient string
		chatID    string
		after     int64
		limit     int
		want      []pnpd.ChatMessage
	}{
		{"system chat", h.recipient.ID, pnpd.SystemChatID, 0, 10, sys},
		{"channel chat", h.recipient.ID, c.ID, 0, 10, h.messages},
		{"after the first", h.recipient.ID, pnpd.SystemChatID, sys[0].ID, 10, sys[1:]},
		{"after the last", h.recipient.ID, pnpd.SystemChatID, sys[1].ID, 10, nil},
		{"limit", h.recipient.ID, pnpd.SystemChatID, 0, 1, sys[:1]},
		{"other recipient", other.recipient.ID, c.ID, 0, 10, other.messages},
		{"no such chat", h.recipient.ID, "1999999999", 0, 10, nil},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := f.store.ChatMessages(f.ctx, tc.recipient, tc.chatID, tc.after,
				tc.limit)
			ok(t, "chat messages", err)
			equal(t, "chat messages", nonNil(got), nonNil(tc.want))
		})
	}
}

// nonNil makes an empty list compare equal whether or not it is nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}

	return s
}

// testChats checks the chat list: the newest activity first, the last
// message in full, and unread counts.
func testChats(t *testing.T, f *fixture) {
	c := f.channel(t)
	h := f.chat(t, c)
	f.chat(t, c)
	// A new notice moves the system chat back to the top.
	notice := f.chatMessage(t, h, pnpd.SystemChatID, 4)

	got, err := f.store.Chats(f.ctx, h.recipient.ID)
	ok(t, "chats", err)
	equal(t, "chats", got, []pnpd.ChatSummary{
		{ChatID: pnpd.SystemChatID, Last: notice, Unread: 3},
		{ChatID: c.ID, Last: h.messages[1], Unread: 2},
	})

	got, err = f.store.Chats(f.ctx, f.recipient(t).ID)
	ok(t, "chats of a recipient without messages", err)
	equal(t, "chats of a recipient without messages", len(got), 0)
}

// testMarkRead checks that reading lowers the unread count, only in its
// own chat, and that reading an older message keeps the newer mark.
func testMarkRead(t *testing.T, f *fixture) {
	c := f.channel(t)
	h, other := f.chat(t, c), f.chat(t, c)
	steps := []struct {
		name   string
		upTo   int64
		unread int
	}{
		{"first message", h.system[0].ID, 1},
		{"last message", h.system[1].ID, 0},
		{"older after newer", h.system[0].ID, 0},
	}

	for _, s := range steps {
		ok(t, s.name, f.store.MarkRead(f.ctx, h.recipient.ID, pnpd.SystemChatID, s.upTo))
		wantUnread(t, f, "unread after "+s.name, h.recipient.ID,
			map[string]int{pnpd.SystemChatID: s.unread, c.ID: 2})
	}
	wantUnread(t, f, "unread of another recipient", other.recipient.ID,
		map[string]int{pnpd.SystemChatID: 2, c.ID: 2})
}

// wantUnread checks the unread count of every chat in the recipient's list.
func wantUnread(t *testing.T, f *fixture, what, recipientID string, want map[string]int) {
	t.Helper()

	chats, err := f.store.Chats(f.ctx, recipientID)
	ok(t, "chats", err)

	got := map[string]int{}
	for _, c := range chats {
		got[c.ChatID] = c.Unread
	}
	equal(t, what, got, want)
}
