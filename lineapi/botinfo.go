package lineapi

import (
	"crypto/sha256"
	"net/http"

	"github.com/pnpd/pnpd"
)

type botInfoResponse struct {
	UserID         string `json:"userId"`
	BasicID        string `json:"basicId"`
	DisplayName    string `json:"displayName"`
	ChatMode       string `json:"chatMode"`
	MarkAsReadMode string `json:"markAsReadMode"`
}

// botInfo is GET /v2/bot/info. A notification channel has no chat, so it
// answers as a bot that marks messages read on its own.
func (a *API) botInfo(w http.ResponseWriter, _ *http.Request, ch *pnpd.Channel) error {
	writeJSON(w, http.StatusOK, botInfoResponse{
		UserID:         ch.BotUserID,
		BasicID:        basicID(ch.ID),
		DisplayName:    ch.Name,
		ChatMode:       "bot",
		MarkAsReadMode: "auto",
	})

	return nil
}

// basicID gives a channel a basic ID shaped like LINE's, "@" then three
// digits and five lower-case letters, such as "@123abcde". pnpd stores
// none: it is derived from the SHA-256 of the channel ID, so a channel
// keeps its basic ID across restarts and databases.
func basicID(channelID string) string {
	sum := sha256.Sum256([]byte(channelID))
	id := []byte{'@'}
	for _, b := range sum[:3] {
		id = append(id, '0'+b%10)
	}
	for _, b := range sum[3:8] {
		id = append(id, 'a'+b%26)
	}

	return string(id)
}
