package messenger

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/pnpd/pnpd"
)

// systemAccountName is the system account's display name.
const systemAccountName = "pnpd"

// chat is one row of the chat list.
type chat struct {
	ChatID string       `json:"chatId"`
	Name   string       `json:"name"`
	Unread int          `json:"unread"`
	Last   *chatMessage `json:"lastMessage,omitempty"`
}

// chatMessage is one bubble.
type chatMessage struct {
	ID        int64           `json:"id"`
	ChatID    string          `json:"chatId"`
	Type      string          `json:"type"` // "notice" or "message"
	Notice    *notice         `json:"notice,omitempty"`
	Message   json.RawMessage `json:"message,omitempty"`
	Label     string          `json:"label,omitempty"`
	Silent    bool            `json:"silent"`
	CreatedAt time.Time       `json:"createdAt"`
}

// notice is a system account notice with its text in the recipient's
// language and, where the flow has one, the Set button's target.
type notice struct {
	Kind        pnpd.NoticeKind `json:"kind"`
	ChannelID   string          `json:"channelId,omitempty"`
	ChannelName string          `json:"channelName,omitempty"`
	Text        string          `json:"text"`
	Action      *noticeAction   `json:"action,omitempty"`
}

type noticeAction struct {
	Label  string `json:"label"`
	Target string `json:"target"` // "consent" or "verification"
}

func (a *API) chats(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	summaries, err := a.Store.Chats(r.Context(), rec.ID)
	if err != nil {
		return err
	}

	names := channelNames{store: a.Store}
	// The system account's chat is always listed, first when it is empty.
	list := []chat{}
	if !hasChat(summaries, pnpd.SystemChatID) {
		list = append(list, chat{ChatID: pnpd.SystemChatID, Name: systemAccountName})
	}

	for _, s := range summaries {
		last := a.chatMessage(r, &names, s.Last, rec.Language)
		list = append(list, chat{ChatID: s.ChatID, Name: names.chatName(r, s.ChatID),
			Unread: s.Unread, Last: &last})
	}

	writeJSON(w, http.StatusOK, map[string]any{"chats": list})

	return nil
}

func hasChat(summaries []pnpd.ChatSummary, id string) bool {
	for _, s := range summaries {
		if s.ChatID == id {
			return true
		}
	}

	return false
}

func (a *API) chatMessages(w http.ResponseWriter, r *http.Request,
	rec *pnpd.Recipient) error {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	msgs, err := a.Store.ChatMessages(r.Context(), rec.ID, r.PathValue("chatID"), after, 200)
	if err != nil {
		return err
	}

	names := channelNames{store: a.Store}
	out := make([]chatMessage, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, a.chatMessage(r, &names, m, rec.Language))
	}

	writeJSON(w, http.StatusOK, map[string]any{"messages": out})

	return nil
}

func (a *API) markRead(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	var req struct {
		UpTo int64 `json:"upTo"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}

	chatID := r.PathValue("chatID")
	if err := a.checkInChat(r, rec.ID, chatID, req.UpTo); err != nil {
		return err
	}

	if err := a.Store.MarkRead(r.Context(), rec.ID, chatID, req.UpTo); err != nil {
		return err
	}

	w.WriteHeader(http.StatusNoContent)

	return nil
}

// checkInChat refuses a message ID that is not in the chat: marking read
// past the newest message would also mark the messages still to come.
func (a *API) checkInChat(r *http.Request, recipientID, chatID string, id int64) error {
	msgs, err := a.Store.ChatMessages(r.Context(), recipientID, chatID, id-1, 1)
	if err != nil {
		return err
	}

	if len(msgs) == 0 || msgs[0].ID != id {
		return &pnpd.Error{Code: pnpd.EInvalid, Field: "upTo",
			Message: "Give upTo, the ID of a message in this chat."}
	}

	return nil
}

func (a *API) chatMessage(r *http.Request, names *channelNames, m pnpd.ChatMessage,
	lang string) chatMessage {
	out := chatMessage{ID: m.ID, ChatID: m.ChatID, Silent: m.Silent, CreatedAt: m.CreatedAt}
	if m.Notice == "" {
		out.Type, out.Message = "message", m.Message
		out.Label = importantLabel(lang)

		return out
	}

	name := names.chatName(r, m.ChannelID)
	out.Type = "notice"
	out.Notice = &notice{
		Kind:        m.Notice,
		ChannelID:   m.ChannelID,
		ChannelName: name,
		Text:        noticeText(lang, m.Notice, name),
		Action:      noticeActionFor(lang, m.Notice),
	}

	return out
}

// channelNames looks channel names up once per request.
type channelNames struct {
	store pnpd.Store
	cache map[string]string
}

func (c *channelNames) chatName(r *http.Request, id string) string {
	if id == pnpd.SystemChatID {
		return systemAccountName
	}
	if id == "" {
		return ""
	}
	if name, ok := c.cache[id]; ok {
		return name
	}

	name := id
	if ch, err := c.store.Channel(r.Context(), id); err == nil {
		name = ch.Name
	}
	if c.cache == nil {
		c.cache = map[string]string{}
	}
	c.cache[id] = name

	return name
}
