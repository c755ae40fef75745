// Package pnpd holds the domain of pnpd, a self-hosted platform for
// notification messages addressed by phone number: recipients, channels,
// notifications, the chats they land in, and the interfaces the adapters
// (storage, job queue, SMS) implement. It imports nothing else in the
// repository.
package pnpd

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Consent is a recipient's global choice about notification messages.
// It starts as ConsentNotSet and, once changed, never returns to it.
type Consent string

// The three consent states.
const (
	ConsentNotSet   Consent = "not_set"
	ConsentAgreed   Consent = "agreed"
	ConsentRejected Consent = "rejected"
)

// Recipient is a person's account in pnpd's messenger.
type Recipient struct {
	ID                  string // "U" + 32 hex digits
	DisplayName         string
	PhoneNumber         string // E.164
	PhoneHash           string // lower-case hex SHA-256 of PhoneNumber
	Language            string
	CreatedAt           time.Time
	PhoneChangedAt      time.Time // zero when never changed
	SMSVerifiedAt       time.Time // zero when never verified
	Consent             Consent
	PrivacyPolicyAgreed bool
}

// Channel is a business's official account: it sends notifications and
// receives the delivery webhook.
type Channel struct {
	ID                string // numeric, as LINE's channel IDs
	Name              string
	Secret            string // signs webhooks; stored encrypted (docs/security.md)
	BotUserID         string // "U" + 32 hex digits; the webhook destination
	Country           string // ISO 3166-1 alpha-2
	WebhookURL        string
	WebhookEnabled    bool
	RedeliveryEnabled bool
	// FlexibleEnabled and TemplateEnabled say which kinds of notification
	// the channel may send; the API answers 403 for the other kind.
	FlexibleEnabled bool
	TemplateEnabled bool
	// TemplateKeys lists the templates the channel may use; when empty, it
	// may use every template of its country's catalogue.
	TemplateKeys []string
	// ProviderID is the provider that owns the channel; 0 for none, as for
	// the sandbox's channels.
	ProviderID int64
	CreatedAt  time.Time
}

// MayUse reports whether the channel may send notifications of a kind.
func (c *Channel) MayUse(kind NotificationKind) bool {
	if kind == KindTemplate {
		return c.TemplateEnabled
	}

	return c.FlexibleEnabled
}

// NotificationKind tells the flexible and the template notification apart;
// they are counted separately.
type NotificationKind string

// The two kinds of notification.
const (
	KindFlexible NotificationKind = "flexible"
	KindTemplate NotificationKind = "template"
)

// StatisticsZone is UTC+9, the time zone of LINE's statistics: deliveries
// are counted by its days, aggregation units by its months.
var StatisticsZone = time.FixedZone("UTC+9", 9*60*60)

// MaxAggregationUnits is how many aggregation unit names a channel may use
// in a month; a notification naming one more is delivered without a unit.
const MaxAggregationUnits = 1000

// AggregationMonth names the month, in StatisticsZone, that a delivery at t
// counts its aggregation unit in: yyyyMM.
func AggregationMonth(t time.Time) string {
	return t.In(StatisticsZone).Format("200601")
}

// NotificationState is where an accepted notification stands.
type NotificationState string

// The states of a notification. Held states are the only ones that change.
const (
	StateHeldForConsent NotificationState = "held_consent"
	StateHeldForSMS     NotificationState = "held_sms"
	StateDelivered      NotificationState = "delivered"
	StateExpired        NotificationState = "expired"
	StateBlocked        NotificationState = "blocked"
	StateRejected       NotificationState = "rejected"
	StateNumberChanged  NotificationState = "number_changed"
)

// Held reports whether the notification still waits for its recipient.
func (s NotificationState) Held() bool {
	return s == StateHeldForConsent || s == StateHeldForSMS
}

// Notification is one request the API accepted for a recipient.
type Notification struct {
	ID                   string // the request ID returned in x-line-request-id
	ChannelID            string
	RecipientID          string
	Kind                 NotificationKind
	To                   string // the phone hash exactly as the business sent it
	DeliveryTag          string // empty when the business sent none
	Messages             json.RawMessage
	NotificationDisabled bool
	// AggregationUnit is the customAggregationUnits name the notification is
	// counted under; it is cleared on delivery when the channel's month has
	// MaxAggregationUnits other names already.
	AggregationUnit string
	State           NotificationState
	// Announced is set once the system account has posted the "received"
	// notice for this notification; it is posted once.
	Announced   bool
	AcceptedAt  time.Time
	ExpiresAt   time.Time
	DeliveredAt time.Time // zero until delivered
	// StateChangedAt is when State was set: AcceptedAt for the first state.
	// The store records a TraceStep at this time whenever State changes.
	StateChangedAt time.Time
}

// MaskedTo shows the phone hash the business sent the way an operator's
// screen may: its first four hex digits only. A phone hash is as good as
// the number (the numbers of a country are few enough to hash them all),
// and four digits still tell a handful of recipients apart.
func (n *Notification) MaskedTo() string {
	if len(n.To) < 4 {
		return "…"
	}

	return strings.ToLower(n.To[:4]) + "…"
}

// NotificationCursor marks a place in a newest-first list of
// notifications: the last notification of the page before.
type NotificationCursor struct {
	AcceptedAt time.Time
	ID         string
}

// Cursor returns the place just after n in a newest-first list.
func (n *Notification) Cursor() NotificationCursor {
	return NotificationCursor{AcceptedAt: n.AcceptedAt, ID: n.ID}
}

// NotificationFilter selects the notifications an operator searches for;
// an empty field selects every value.
type NotificationFilter struct {
	ChannelID   string
	RequestID   string // exact
	DeliveryTag string // exact
	State       NotificationState
	// Before, when set, lists only what comes after it, newest first.
	Before NotificationCursor
	// Limit bounds the list: DefaultSearchLimit when 0, at most
	// MaxSearchLimit.
	Limit int
}

// The sizes of a page of searched notifications.
const (
	DefaultSearchLimit = 50
	MaxSearchLimit     = 500
)

// TraceStep is one step of a notification's path: the state it entered,
// and when. The first step is the state it was accepted in.
type TraceStep struct {
	NotificationID string
	At             time.Time
	State          NotificationState
	// Detail says more about a step; "" unless noted. A notification
	// accepted before pnpd recorded steps has one step, its state at the
	// upgrade, with the detail TraceDetailUpgrade.
	Detail string
}

// TraceDetailUpgrade marks the one step recorded for a notification
// accepted before pnpd recorded steps: earlier steps are unknown.
const TraceDetailUpgrade = "recorded at upgrade; earlier steps unknown"

// DayCount is how many notifications of a kind and aggregation unit were
// delivered on one day of StatisticsZone.
type DayCount struct {
	Day             string // yyyy-mm-dd in StatisticsZone
	Kind            NotificationKind
	AggregationUnit string // "" for none
	Delivered       int64
}

// DeliveryData is what the delivery webhook reports as delivery.data: the
// delivery tag, or the phone hash when the business sent no tag.
func (n *Notification) DeliveryData() string {
	if n.DeliveryTag != "" {
		return n.DeliveryTag
	}

	return n.To
}

// SystemChatID names the system account's chat in every recipient's list.
const SystemChatID = "system"

// NoticeKind names a message the system account posts.
type NoticeKind string

// The system account's notices.
const (
	// NoticeReceived: a notification message from a channel was delivered.
	NoticeReceived NoticeKind = "received"
	// NoticePending: a notification message waits for the recipient.
	NoticePending NoticeKind = "pending"
	// NoticeConsentRequest: "set up to receive", with a Set button.
	NoticeConsentRequest NoticeKind = "consent_request"
	// NoticeSMSRequest: phone number authentication, with a Set button.
	NoticeSMSRequest NoticeKind = "sms_request"
	// NoticeNumberChanged: the recipient's phone number has been changed.
	NoticeNumberChanged NoticeKind = "number_changed"
)

// ChatMessage is one bubble in a recipient's chat: a system notice in the
// system chat, or a channel's message in that channel's chat.
type ChatMessage struct {
	ID             int64
	RecipientID    string
	ChatID         string // SystemChatID or a channel ID
	Notice         NoticeKind
	ChannelID      string // the channel a notice or message concerns
	NotificationID string
	Message        json.RawMessage // the message object, for channel messages
	Silent         bool            // the sender set notificationDisabled
	CreatedAt      time.Time
}

// WebhookEvent is one delivery event owed to a channel's webhook. It is
// stored with the delivery so that a redelivery repeats the same ID and
// timestamp.
type WebhookEvent struct {
	ID             string // ULID
	NotificationID string
	ChannelID      string
	Destination    string // the channel's bot user ID at delivery
	Data           string // delivery.data
	Timestamp      time.Time
}

// WebhookAttempt records one try to send a WebhookEvent.
type WebhookAttempt struct {
	EventID    string
	Attempt    int
	At         time.Time
	StatusCode int // 0 when no response arrived
	Reason     string
	Detail     string
	Latency    time.Duration
	Redelivery bool
	// Injected names the sandbox fault this attempt took, "" for none.
	Injected FaultKind
}

// FaultKind names a failure the sandbox injects into webhook attempts.
type FaultKind string

// The webhook faults the sandbox injects.
const (
	// FaultStatus sends nothing and records the attempt with a status.
	FaultStatus FaultKind = "status"
	// FaultDelay waits, then sends as usual.
	FaultDelay FaultKind = "delay"
	// FaultDrop sends the request, then closes the connection unanswered.
	FaultDrop FaultKind = "drop"
	// FaultDuplicate sends the identical request twice.
	FaultDuplicate FaultKind = "duplicate"
)

// WebhookFault is a failure the sandbox applies to a channel's next webhook
// attempts, one unit per attempt, oldest fault first.
type WebhookFault struct {
	ID         int64
	ChannelID  string
	Kind       FaultKind
	StatusCode int           // for FaultStatus
	Delay      time.Duration // for FaultDelay
	Remaining  int           // the attempts it still applies to
	CreatedAt  time.Time
}

// The reasons of a failed webhook attempt, in LINE's categories; an empty
// reason means success.
const (
	ReasonCouldNotConnect  = "could_not_connect"
	ReasonRequestTimeout   = "request_timeout"
	ReasonErrorStatusCode  = "error_status_code"
	ReasonUnclassified     = "unclassified"
	ReasonWebhookDisabled  = "webhook_disabled"
	ReasonNoRedeliveryLeft = "redelivery_exhausted"
)

// Clock tells the time. The sandbox moves it; every timer reads it.
type Clock interface {
	Now() time.Time
}

// OffsetClock is the wall clock moved forward by an offset.
type OffsetClock struct {
	mu     sync.RWMutex
	offset time.Duration
	// syncing lets one Sync at a time read and set the offset.
	syncing sync.Mutex
}

// Now returns the wall-clock time plus the offset.
func (c *OffsetClock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()

	return time.Now().Add(c.offset)
}

// Offset returns how far the clock runs ahead of the wall clock.
func (c *OffsetClock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()

	return c.offset
}

// SetOffset moves the clock to run ahead of the wall clock by d.
func (c *OffsetClock) SetOffset(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.offset = d
}

// Sync sets the offset to what read returns, one call at a time. When read
// gives the stored offset, the clock ends at the one stored last, however
// moves on several nodes interleave, provided each node syncs after each
// commit of a move: the last Sync to run reads after the last commit. A
// node that set the offset its own move stored could instead undo a later
// move it had already synced.
func (c *OffsetClock) Sync(read func() (time.Duration, error)) error {
	c.syncing.Lock()
	defer c.syncing.Unlock()

	d, err := read()
	if err != nil {
		return err
	}
	c.SetOffset(d)

	return nil
}

// HashPhone returns the phone hash businesses address: the lower-case hex
// SHA-256 of the E.164 number.
func HashPhone(e164 string) string {
	sum := sha256.Sum256([]byte(e164))

	return hex.EncodeToString(sum[:])
}

// HashToken returns the stored form of a token or code: its SHA-256 in hex.
func HashToken(token string) string {
	return HashPhone(token)
}

// NewUserID returns a fresh user ID: "U" and 32 hex digits.
func NewUserID() string {
	return "U" + RandomHex(16)
}

// RandomHex returns n random bytes from crypto/rand as hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)

	return hex.EncodeToString(b)
}

// NewToken returns a bearer token of n random bytes from crypto/rand, in
// base64url without padding; the store keeps only its HashToken.
func NewToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)

	return base64.RawURLEncoding.EncodeToString(b)
}

// NewRequestID returns a random UUID (version 4) for x-line-request-id.
func NewRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80

	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// MaskPhone shows a phone number the way a screen may: the country code
// and the last two digits, the rest hidden.
func MaskPhone(e164 string) string {
	if len(e164) < 6 {
		return "***"
	}
	cc := PhoneCountryCode(e164)
	hidden := len(e164) - 1 - len(cc) - 2

	return "+" + cc + " " + repeat('*', hidden) + e164[len(e164)-2:]
}

func repeat(c byte, n int) string {
	if n < 1 {
		return ""
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}

	return string(b)
}

// Job is background work queued in the same transaction as the change that
// needs it. Kind names the worker.
type Job interface {
	Kind() string
}

// WebhookJob sends a stored WebhookEvent to its channel's webhook.
type WebhookJob struct {
	EventID string `json:"event_id"`
}

// Kind names the webhook worker.
func (WebhookJob) Kind() string { return "webhook_delivery" }

// ExpiryJob expires every held notification past its 24 hours.
type ExpiryJob struct{}

// Kind names the expiry worker.
func (ExpiryJob) Kind() string { return "expire_held" }

// ValidDisplayName reports whether name, trimmed of spaces, is a display
// name a recipient may have: 1 to 20 printable characters.
func ValidDisplayName(name string) bool {
	name = strings.TrimSpace(name)

	return name != "" && utf8.RuneCountInString(name) <= 20 && Printable(name)
}
