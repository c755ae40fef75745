package messenger

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/messenger/render"
)

// chatRow is one line of the chat list.
type chatRow struct {
	ChatID  string
	Name    string
	Unread  int
	Preview string
	At      time.Time
	System  bool
}

func (a *API) chatListPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	summaries, err := a.Store.Chats(r.Context(), rec.ID)
	if err != nil {
		return err
	}

	lang := language(rec.Language)
	names := channelNames{store: a.Store}
	rows := []chatRow{}
	if !hasChat(summaries, pnpd.SystemChatID) {
		rows = append(rows, chatRow{ChatID: pnpd.SystemChatID, System: true,
			Name: T(lang, "system.name")})
	}
	for _, s := range summaries {
		rows = append(rows, chatRow{ChatID: s.ChatID, Name: names.chatName(r, s.ChatID),
			Unread: s.Unread, At: s.Last.CreatedAt, System: s.ChatID == pnpd.SystemChatID,
			Preview: preview(lang, s.Last, names.chatName(r, s.Last.ChannelID))})
	}

	a.show(w, r, http.StatusOK, "chats.html", &page{Title: "chats.title", Rec: rec, Data: rows})

	return nil
}

// preview is the one line the chat list shows of a message.
func preview(lang string, m pnpd.ChatMessage, channelName string) string {
	if m.Notice != "" {
		return clip(noticeText(lang, m.Notice, channelName))
	}

	var msg struct {
		Type    string `json:"type"`
		Text    string `json:"text"`
		AltText string `json:"altText"`
		Title   string `json:"title"`
	}
	_ = json.Unmarshal(m.Message, &msg)
	switch msg.Type {
	case "text", "textV2":
		return clip(msg.Text)
	case "sticker":
		return "[" + T(lang, "render.sticker") + "]"
	case "location":
		return "[" + T(lang, "render.location") + "] " + clip(msg.Title)
	case render.NotificationTemplate:
		return clip(msg.Title)
	}

	return clip(msg.AltText)
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}

	return string([]rune(s)[:59]) + "…"
}

// bubble is one message in a chat page.
type bubble struct {
	pnpd.ChatMessage
	Text   string // a notice's text
	Action *noticeAction
}

type chatView struct {
	ChatID   string
	Name     string
	System   bool
	Blocked  bool
	Friend   bool
	Bubbles  []bubble
	Label    string
	LastID   int64
	Verified bool
}

func (a *API) chatPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	chatID := r.PathValue("chatID")
	view, err := a.chatView(r, rec, chatID)
	if err != nil {
		return err
	}

	if view.LastID > 0 {
		if err := a.Store.MarkRead(r.Context(), rec.ID, chatID, view.LastID); err != nil {
			return err
		}
	}

	a.show(w, r, http.StatusOK, "chat.html", &page{Name: view.Name, Back: "/chats",
		Rec: rec, Data: view, Notice: a.flash(r)})

	return nil
}

func (a *API) chatView(r *http.Request, rec *pnpd.Recipient, chatID string) (*chatView,
	error) {
	lang := language(rec.Language)
	names := channelNames{store: a.Store}
	view := &chatView{ChatID: chatID, System: chatID == pnpd.SystemChatID,
		Label: importantLabel(lang)}
	if view.System {
		view.Name = T(lang, "system.name")
	} else if err := a.channelState(r, rec, view); err != nil {
		return nil, err
	}

	msgs, err := a.Store.ChatMessages(r.Context(), rec.ID, chatID, 0, 500)
	if err != nil {
		return nil, err
	}

	for _, m := range msgs {
		b := bubble{ChatMessage: m}
		if m.Notice != "" {
			b.Text = noticeText(lang, m.Notice, names.chatName(r, m.ChannelID))
			b.Action = noticeActionFor(lang, m.Notice)
		}
		view.Bubbles = append(view.Bubbles, b)
		view.LastID = m.ID
	}

	return view, nil
}

func (a *API) channelState(r *http.Request, rec *pnpd.Recipient, view *chatView) error {
	ch, err := a.Store.Channel(r.Context(), view.ChatID)
	if err != nil {
		return err
	}
	view.Name = ch.Name

	if view.Blocked, err = a.Store.IsBlocked(r.Context(), rec.ID, ch.ID); err != nil {
		return err
	}

	view.Friend, err = a.Store.IsFriend(r.Context(), rec.ID, ch.ID)

	return err
}

func (a *API) blockPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	blocked := r.FormValue("blocked") == "true"
	if _, err := a.accounts.SetBlocked(r.Context(), rec, r.PathValue("chatID"),
		blocked); err != nil {
		return err
	}

	http.Redirect(w, r, "/chats/"+r.PathValue("chatID"), http.StatusSeeOther)

	return nil
}

func (a *API) friendPage(w http.ResponseWriter, r *http.Request, rec *pnpd.Recipient) error {
	chatID := r.PathValue("chatID")
	if _, err := a.Store.Channel(r.Context(), chatID); err != nil {
		return err
	}

	friend := r.FormValue("friend") != "false"
	if err := a.Store.SetFriend(r.Context(), rec.ID, chatID, friend); err != nil {
		return err
	}

	http.Redirect(w, r, "/chats/"+chatID, http.StatusSeeOther)

	return nil
}

// flash is a one-line message a redirect carries in its query, by key.
func (a *API) flash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "verified":
		return "verify.done"
	case "agreed":
		return "consent.agreed"
	case "rejected":
		return "consent.rejected"
	case "changed":
		return "notice.number_changed"
	case "saved":
		return "settings.saved"
	}

	return ""
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
