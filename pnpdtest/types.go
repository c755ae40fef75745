package pnpdtest

import (
	"time"

	"github.com/pnpd/pnpd"
)

// Clock is the sandbox clock: pnpd's time, which the sandbox moves.
type Clock struct {
	Now           time.Time `json:"now"`
	OffsetSeconds int64     `json:"offsetSeconds"`
}

// SMS is a message in the sandbox's SMS outbox, as the phone shows it.
type SMS struct {
	ID                int64     `json:"id"`
	MaskedPhoneNumber string    `json:"maskedPhoneNumber"`
	Text              string    `json:"text"`
	CreatedAt         time.Time `json:"createdAt"`
}

// SMSCode is the code in the newest SMS sent to a number.
type SMSCode struct {
	Code              string    `json:"code"`
	MaskedPhoneNumber string    `json:"maskedPhoneNumber"`
	Text              string    `json:"text"`
	CreatedAt         time.Time `json:"createdAt"`
}

// ChannelSpec describes a channel (a business's official account) to
// create. Only Name is needed.
type ChannelSpec struct {
	Name string `json:"name"`
	// Country is the channel's country, JP when empty; it picks the
	// template catalogue.
	Country string `json:"country,omitempty"`
	// WebhookURL receives the signed delivery events; none when empty.
	WebhookURL string `json:"webhookUrl,omitempty"`
	// Redelivery makes pnpd send a failed webhook again, flagged
	// isRedelivery.
	Redelivery bool `json:"redelivery,omitempty"`
	// Flexible and Template say whether the channel may send each kind of
	// notification; both when nil, new(false) to refuse one.
	Flexible *bool `json:"flexible,omitempty"`
	Template *bool `json:"template,omitempty"`
	// TemplateKeys limits the templates the channel may use; all of its
	// country's catalogue when empty.
	TemplateKeys []string `json:"templateKeys,omitempty"`
}

// Channel is what a business needs to send with a channel; AccessToken
// goes to LINE's SDK, ChannelSecret checks the webhook's signature.
type Channel struct {
	ChannelID     string `json:"channelId"`
	ChannelSecret string `json:"channelSecret"`
	AccessToken   string `json:"accessToken"`
	BotUserID     string `json:"botUserId"`
}

// Statistics are a channel's deliveries on one UTC+9 day.
type Statistics struct {
	Date     string      `json:"date"` // yyyyMMdd
	Flexible int64       `json:"flexible"`
	Template int64       `json:"template"`
	Units    []UnitCount `json:"units"`
}

// UnitCount is an aggregation unit's deliveries on the day, by kind.
type UnitCount struct {
	Name     string `json:"name"`
	Flexible int64  `json:"flexible"`
	Template int64  `json:"template"`
}

// RecipientSpec describes a recipient (an account in pnpd's messenger) to
// create in any state of the receiving flow. Only PhoneNumber is needed;
// the zero values take the defaults named on each field.
type RecipientSpec struct {
	PhoneNumber string `json:"phoneNumber"`
	// Country reads a PhoneNumber written without +country code.
	Country     string `json:"country,omitempty"`
	DisplayName string `json:"displayName,omitempty"` // "Recipient"
	Language    string `json:"language,omitempty"`    // "en"
	// Consent is agreed when empty.
	Consent pnpd.Consent `json:"consent,omitempty"`
	// PrivacyPolicyAgreed is true when nil; new(false) refuses it.
	PrivacyPolicyAgreed *bool `json:"privacyPolicyAgreed,omitempty"`
	// CreatedAt is the sandbox clock's now when zero; it must not be in
	// the sandbox clock's future.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// PhoneNumberChangedAt is never when zero.
	PhoneNumberChangedAt time.Time `json:"phoneNumberChangedAt,omitzero"`
	// LastSMSVerifiedAt is CreatedAt when zero: signing up proves the
	// number.
	LastSMSVerifiedAt time.Time `json:"lastSmsVerifiedAt,omitzero"`
	// BlockedChannels are channel IDs the recipient blocked.
	BlockedChannels []string `json:"blockedChannels,omitempty"`
}

// Recipient is the sandbox's view of a recipient. The phone number shows
// masked and hashed, never in clear.
type Recipient struct {
	UserID               string       `json:"userId"`
	DisplayName          string       `json:"displayName"`
	MaskedPhoneNumber    string       `json:"maskedPhoneNumber"`
	PhoneHash            string       `json:"phoneHash"`
	Language             string       `json:"language"`
	Consent              pnpd.Consent `json:"consent"`
	PrivacyPolicyAgreed  bool         `json:"privacyPolicyAgreed"`
	CreatedAt            time.Time    `json:"createdAt"`
	PhoneNumberChangedAt time.Time    `json:"phoneNumberChangedAt,omitzero"` // zero: never
	LastSMSVerifiedAt    time.Time    `json:"lastSmsVerifiedAt,omitzero"`    // zero: never
	// SMSVerificationRequired says a notification would now be held for an
	// SMS verification.
	SMSVerificationRequired bool     `json:"smsVerificationRequired"`
	BlockedChannels         []string `json:"blockedChannels"`
	HeldNotifications       int      `json:"heldNotifications"`
	Magic                   bool     `json:"magic"`
}

// Result is what an action of the recipient did to held notifications.
type Result struct {
	Delivered int `json:"delivered"`
	Dropped   int `json:"dropped"`
	// SMSVerificationRequired says the notifications still wait for an SMS
	// verification.
	SMSVerificationRequired bool `json:"smsVerificationRequired"`
}

// CodeIssued tells that an SMS code was sent, to the outbox.
type CodeIssued struct {
	MaskedPhoneNumber string    `json:"maskedPhoneNumber"`
	ExpiresAt         time.Time `json:"expiresAt"`
	ResendAt          time.Time `json:"resendAt"` // no new code before
}

// Until is what a wait for a notification waits for.
type Until string

// The conditions a wait can wait for.
const (
	// UntilFinal waits until the notification left the held states.
	UntilFinal Until = "final"
	// UntilWebhook waits until it is final and, if it was delivered, its
	// webhook settled.
	UntilWebhook Until = "webhook"
)

// Notification is what became of one push: the sandbox's view of it.
type Notification struct {
	// RequestID is the push's x-line-request-id.
	RequestID string                 `json:"requestId"`
	ChannelID string                 `json:"channelId"`
	Kind      pnpd.NotificationKind  `json:"kind"`
	State     pnpd.NotificationState `json:"state"`
	// Final says the state will not change again.
	Final       bool      `json:"final"`
	DeliveryTag string    `json:"deliveryTag,omitempty"`
	To          string    `json:"to"` // the hash as the business sent it
	AcceptedAt  time.Time `json:"acceptedAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
	DeliveredAt time.Time `json:"deliveredAt,omitzero"` // zero until delivered
	// Webhook is nil until the notification is delivered.
	Webhook *Webhook `json:"webhook"`
	// TimedOut says a wait ended before its condition held.
	TimedOut bool `json:"timedOut"`
}

// Webhook is the delivery event of a notification and its attempts.
type Webhook struct {
	EventID string `json:"eventId"`
	// Settled says no further attempt will be made: one got a 2xx, the
	// channel's webhook is off, or redelivery is off or used up.
	Settled bool `json:"settled"`
	// Delivered says an attempt got a 2xx.
	Delivered bool `json:"delivered"`
	// NextAttemptAt is when, on the sandbox clock, the next attempt is
	// due; zero when none is.
	NextAttemptAt time.Time `json:"nextAttemptAt,omitzero"`
	Attempts      []Attempt `json:"attempts"`
}

// Attempt is one sending of a webhook event.
type Attempt struct {
	Attempt    int       `json:"attempt"` // from 1
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode"` // 0 when no answer came
	Reason     string    `json:"reason,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	LatencyMs  int64     `json:"latencyMs"`
	Redelivery bool      `json:"redelivery"`
	// Injected names the kind of the injected fault the attempt took.
	Injected string `json:"injected,omitempty"`
}

// FaultKind is a kind of webhook failure the sandbox can inject.
type FaultKind string

// The kinds of webhook fault.
const (
	// FaultStatus records the attempt as answered with a status code,
	// without sending it.
	FaultStatus FaultKind = "status"
	// FaultDelay sends the attempt after a delay.
	FaultDelay FaultKind = "delay"
	// FaultDrop sends the attempt and closes the connection before the
	// answer: the receiver got the event, pnpd sends it again.
	FaultDrop FaultKind = "drop"
	// FaultDuplicate sends the attempt twice, identical.
	FaultDuplicate FaultKind = "duplicate"
)

// FaultSpec is a webhook fault to inject: its kind, and how many of the
// channel's next webhook attempts it applies to (Count, 1 when zero).
type FaultSpec struct {
	Kind       FaultKind `json:"kind"`
	StatusCode int       `json:"statusCode,omitempty"` // for FaultStatus: 300–599
	// DelayMs is for FaultDelay: from 1 to what the server's
	// --job-rescue-after leaves a webhook job, 18000 by default.
	DelayMs int `json:"delayMs,omitempty"`
	Count   int `json:"count,omitempty"` // 1–100
}

// StatusFault fails the next count webhook attempts with status.
func StatusFault(status, count int) FaultSpec {
	return FaultSpec{Kind: FaultStatus, StatusCode: status, Count: count}
}

// DelayFault delays the next count webhook attempts by d.
func DelayFault(d time.Duration, count int) FaultSpec {
	return FaultSpec{Kind: FaultDelay, DelayMs: int(d.Milliseconds()), Count: count}
}

// DropFault cuts the connection after sending the next count attempts.
func DropFault(count int) FaultSpec {
	return FaultSpec{Kind: FaultDrop, Count: count}
}

// DuplicateFault sends the next count attempts twice.
func DuplicateFault(count int) FaultSpec {
	return FaultSpec{Kind: FaultDuplicate, Count: count}
}

// Fault is an injected webhook fault with some attempts left to take.
type Fault struct {
	ID         int64     `json:"id"`
	Kind       FaultKind `json:"kind"`
	StatusCode int       `json:"statusCode,omitempty"`
	DelayMs    int       `json:"delayMs,omitempty"`
	Remaining  int       `json:"remaining"`
}

// MagicNumber is a fictitious phone number that, in sandbox mode, always
// behaves one way without any setup.
type MagicNumber struct {
	PhoneNumber string `json:"phoneNumber"`
	PhoneHash   string `json:"phoneHash"`
	// Behaviour says what a notification to the number does.
	Behaviour string `json:"behaviour"`
	// Answer is the push's status: 200 (202 for a template
	// notification) or 422.
	Answer int `json:"answer"`
	// State is the state a notification reaches at once; empty for 422.
	State pnpd.NotificationState `json:"state,omitempty"`
}
