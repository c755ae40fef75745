package pnpd

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TokenLongLived is the kind of a channel's long-lived access token, the
// one an operator issues; it expires only when reissued.
const TokenLongLived = "long_lived"

// MaxChannelName is the longest channel name, in characters.
const MaxChannelName = 20

// NewChannel returns an unsaved channel with fresh credentials (a
// ten-digit ID, as LINE's, a secret and a bot user ID), a name and a
// country, and both kinds of notification allowed. The sandbox's API and
// the console both make channels with it.
func NewChannel(name, country string, now time.Time) *Channel {
	return &Channel{
		ID:              newChannelID(),
		Name:            name,
		Secret:          NewChannelSecret(),
		BotUserID:       NewUserID(),
		Country:         country,
		FlexibleEnabled: true,
		TemplateEnabled: true,
		CreatedAt:       now,
	}
}

// newChannelID returns ten digits, as LINE's channel IDs.
func newChannelID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	return fmt.Sprint(1_000_000_000 + n.Int64())
}

// NewChannelSecret returns a fresh channel secret: 32 hex digits, as LINE's.
func NewChannelSecret() string {
	return RandomHex(16)
}

// ValidChannelName reports whether a name, trimmed, has 1 to MaxChannelName
// characters, all of them printable.
func ValidChannelName(name string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(name))

	return n > 0 && n <= MaxChannelName && Printable(name)
}

// Printable reports whether a name shown to people holds no control or
// formatting characters: no line breaks, no invisible marks, no right-to-
// left overrides that would make it read as something else.
func Printable(name string) bool {
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}

	return true
}

// NewLongLivedToken returns a fresh long-lived access token for a channel,
// to be shown once, and the stored form of it, which keeps only its hash.
func NewLongLivedToken(channelID string, now time.Time) (string, *AccessToken) {
	token := NewToken(48)

	return token, &AccessToken{Hash: HashToken(token), ChannelID: channelID,
		Kind: TokenLongLived, CreatedAt: now}
}
