package pnpd

import (
	"context"
	"time"
)

// Store is pnpd's storage. Reads run on their own; every change that must
// happen together runs in Update, one transaction, jobs included.
type Store interface {
	Queries
	// Update runs fn in one write transaction: all of it commits, with
	// every job it enqueued, or none of it does.
	Update(ctx context.Context, fn func(Queries) error) error
	Close() error
}

// Queries are the operations on stored data. Outside Update each runs on
// its own; inside, they share the transaction.
type Queries interface {
	ChannelStore
	RecipientStore
	NotificationStore
	ChatStore
	WebhookStore
	SMSStore
	SessionStore
	SettingStore
	ResetStore
	ConsoleStore

	// Enqueue queues a job to run once the transaction commits.
	Enqueue(ctx context.Context, job Job) error
}

// ChannelStore keeps channels and their access tokens.
type ChannelStore interface {
	CreateChannel(ctx context.Context, c *Channel) error
	Channel(ctx context.Context, id string) (*Channel, error)
	// ChannelIDs lists every channel's ID, in order.
	ChannelIDs(ctx context.Context) ([]string, error)
	// ChannelByToken finds the channel an unexpired access token, by its
	// hash, belongs to. ENotFound when there is none.
	ChannelByToken(ctx context.Context, tokenHash string, now time.Time) (*Channel, error)
	CreateAccessToken(ctx context.Context, t *AccessToken) error
	// AccessToken finds a token by its hash, expired or not. ENotFound
	// when there is none.
	AccessToken(ctx context.Context, tokenHash string) (*AccessToken, error)
	// DeleteAccessToken deletes a token by its hash; deleting one that is
	// not there is no error.
	DeleteAccessToken(ctx context.Context, tokenHash string) error
	// TrimAccessTokens deletes a channel's tokens of a kind, oldest first,
	// until at most keep are left, and returns how many it deleted.
	TrimAccessTokens(ctx context.Context, channelID, kind string, keep int) (int, error)
	// PurgeAccessTokens deletes a channel's tokens of a kind that expired at
	// or before now, and returns how many it deleted.
	PurgeAccessTokens(ctx context.Context, channelID, kind string, now time.Time) (int,
		error)
	// ValidAccessTokens lists a channel's tokens of a kind that are unexpired at
	// now, oldest first.
	ValidAccessTokens(ctx context.Context, channelID, kind string,
		now time.Time) ([]AccessToken, error)
	// UpdateChannelWebhook sets a channel's webhook URL and whether
	// webhooks are on. ENotFound when there is no such channel.
	UpdateChannelWebhook(ctx context.Context, channelID, url string, enabled bool) error
	// UpdateChannel saves a channel's editable fields: name, secret, bot
	// user ID, country, provider, webhook URL and switches, and the kinds
	// it may send. ENotFound when there is no such channel, EConflict when
	// another channel has the bot user ID.
	UpdateChannel(ctx context.Context, c *Channel) error
	// Channels lists every channel, by name and then ID.
	Channels(ctx context.Context) ([]*Channel, error)
	// SetChannelIcon saves a channel's icon; an icon with no data removes
	// it. ENotFound when there is no such channel.
	SetChannelIcon(ctx context.Context, channelID string, icon Icon) error
	// ChannelIcon returns a channel's icon. ENotFound when it has none.
	ChannelIcon(ctx context.Context, channelID string) (*Icon, error)
	// AccessTokens lists a channel's tokens, expired ones too, the newest
	// first.
	AccessTokens(ctx context.Context, channelID string) ([]AccessToken, error)
	// ExpireAccessTokens makes a channel's tokens of a kind expire at the
	// latest at t, and returns how many it changed; tokens expiring
	// earlier keep their time.
	ExpireAccessTokens(ctx context.Context, channelID, kind string, t time.Time) (int, error)

	// AddChannelKey saves a channel's public key. EConflict when its KID
	// is taken.
	AddChannelKey(ctx context.Context, k *ChannelKey) error
	// ChannelKey finds a key by its KID. ENotFound when there is none.
	ChannelKey(ctx context.Context, kid string) (*ChannelKey, error)
	// ChannelKeys lists a channel's keys, oldest first.
	ChannelKeys(ctx context.Context, channelID string) ([]ChannelKey, error)
	// DeleteChannelKey deletes one of a channel's keys. ENotFound when the
	// channel has no key of that KID.
	DeleteChannelKey(ctx context.Context, channelID, kid string) error
}

// Icon is a channel's profile image.
type Icon struct {
	ContentType string // image/png, image/jpeg, ...
	Data        []byte
}

// AccessToken is a channel access token, stored only as its hash.
type AccessToken struct {
	Hash      string
	ChannelID string
	Kind      string // "long_lived", "short_lived", ...
	// KeyID tells a v2.1 token apart in LINE's lists of key IDs; "" for
	// the other kinds.
	KeyID     string
	CreatedAt time.Time
	ExpiresAt time.Time // zero for no expiry
}

// ChannelKey is a public key a business registered for a channel: the
// channel's JWT assertions are signed with its private half, which pnpd
// never sees.
type ChannelKey struct {
	KID       string // chosen by pnpd, unique across channels
	ChannelID string
	// JWK is the public key as a JSON Web Key, in one normalised form.
	JWK       string
	CreatedAt time.Time
}

// RecipientStore keeps recipients and their per-channel blocks.
type RecipientStore interface {
	CreateRecipient(ctx context.Context, r *Recipient) error
	UpdateRecipient(ctx context.Context, r *Recipient) error
	Recipient(ctx context.Context, id string) (*Recipient, error)
	RecipientByPhoneHash(ctx context.Context, hash string) (*Recipient, error)
	SetBlocked(ctx context.Context, recipientID, channelID string, blocked bool) error
	IsBlocked(ctx context.Context, recipientID, channelID string) (bool, error)
	BlockedChannels(ctx context.Context, recipientID string) ([]string, error)
	// SetFriend adds a channel to, or removes it from, the recipient's
	// friends.
	SetFriend(ctx context.Context, recipientID, channelID string, friend bool) error
	IsFriend(ctx context.Context, recipientID, channelID string) (bool, error)
}

// NotificationStore keeps accepted notifications and counts deliveries.
//
// The store keeps each notification's path: CreateNotification its first
// state as the first TraceStep, UpdateNotification and ExpireHeld a step
// for every change of state, in the same statement, so that no caller can
// forget one.
type NotificationStore interface {
	// CreateNotification saves a new notification with its first state as
	// the first step, at AcceptedAt. A zero StateChangedAt is set to
	// AcceptedAt.
	CreateNotification(ctx context.Context, n *Notification) error
	Notification(ctx context.Context, id string) (*Notification, error)
	// NotificationByDeliveryTag finds the newest notification accepted with
	// a delivery tag, from one channel or, when channelID is "", from any.
	// ENotFound when there is none.
	NotificationByDeliveryTag(ctx context.Context, tag, channelID string) (*Notification,
		error)
	// HeldNotifications lists a recipient's held notifications, oldest
	// first.
	HeldNotifications(ctx context.Context, recipientID string) ([]*Notification, error)
	// UpdateNotification saves a notification's state, StateChangedAt,
	// Announced, DeliveredAt and AggregationUnit, and records a step when
	// the state changed. Set StateChangedAt with the state; when it is
	// zero the store takes DeliveredAt, else the previous state's time.
	UpdateNotification(ctx context.Context, n *Notification) error
	// ExpireHeld marks every notification held at or past its expiry time
	// as expired, with a step at its expiry time, and returns how many it
	// marked.
	ExpireHeld(ctx context.Context, now time.Time) (int, error)
	// NotificationTrace lists a notification's steps in the order they
	// happened; none for an unknown ID.
	NotificationTrace(ctx context.Context, notificationID string) ([]TraceStep, error)
	// SearchNotifications lists the notifications the filter selects,
	// newest accepted first (ties by ID, descending).
	SearchNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, error)
	// DeliveredByDay counts the notifications delivered in [from, to), of
	// one channel or, when channelID is "", of every channel, by day of
	// StatisticsZone, kind and aggregation unit, in that order.
	DeliveredByDay(ctx context.Context, channelID string,
		from, to time.Time) ([]DayCount, error)
	// CountDelivered counts a channel's notifications of a kind delivered
	// in [from, to).
	CountDelivered(ctx context.Context, channelID string, kind NotificationKind,
		from, to time.Time) (int64, error)
	// CountDeliveredByUnit counts a channel's notifications delivered in
	// [from, to) by aggregation unit and kind, in order of unit and kind;
	// notifications without a unit are left out.
	CountDeliveredByUnit(ctx context.Context, channelID string,
		from, to time.Time) ([]UnitCount, error)

	// AssignAggregationUnit gives a channel an aggregation unit name for a
	// month (yyyyMM), unless the month has limit names already. It reports
	// whether the channel has the name for the month, as it does when the
	// name was assigned before.
	AssignAggregationUnit(ctx context.Context, channelID, month, name string,
		limit int) (bool, error)
	// AggregationUnits lists the names a channel has for a month, in order.
	AggregationUnits(ctx context.Context, channelID, month string) ([]string, error)
}

// UnitCount is how many notifications of a kind an aggregation unit had
// delivered.
type UnitCount struct {
	Unit      string
	Kind      NotificationKind
	Delivered int64
}

// ChatSummary is one row of a recipient's chat list.
type ChatSummary struct {
	ChatID string
	Last   ChatMessage
	Unread int
}

// ChatStore keeps the bubbles of each recipient's chats.
type ChatStore interface {
	AddChatMessage(ctx context.Context, m *ChatMessage) error
	// Chats lists a recipient's chats, the newest activity first.
	Chats(ctx context.Context, recipientID string) ([]ChatSummary, error)
	// ChatMessages lists a chat's messages in order, after the given ID.
	ChatMessages(ctx context.Context, recipientID, chatID string, afterID int64,
		limit int) ([]ChatMessage, error)
	// MarkRead marks a chat read up to and including message upToID.
	MarkRead(ctx context.Context, recipientID, chatID string, upToID int64) error
}

// WebhookStore keeps delivery events, their attempts and the faults the
// sandbox injects into them.
type WebhookStore interface {
	CreateWebhookEvent(ctx context.Context, e *WebhookEvent) error
	WebhookEvent(ctx context.Context, id string) (*WebhookEvent, error)
	// WebhookEventByNotification finds the delivery event of a
	// notification. ENotFound when it has none.
	WebhookEventByNotification(ctx context.Context, notificationID string) (*WebhookEvent,
		error)
	// AddWebhookAttempt records an attempt of a stored event: ENotFound
	// when the event is gone, EConflict when the attempt is recorded.
	AddWebhookAttempt(ctx context.Context, a *WebhookAttempt) error
	WebhookAttempts(ctx context.Context, eventID string) ([]WebhookAttempt, error)

	// AddWebhookFault saves a fault for a channel's next attempts and sets
	// its ID.
	AddWebhookFault(ctx context.Context, f *WebhookFault) error
	// WebhookFaults lists a channel's faults with attempts left, oldest
	// first.
	WebhookFaults(ctx context.Context, channelID string) ([]WebhookFault, error)
	// ClearWebhookFaults deletes every fault of a channel.
	ClearWebhookFaults(ctx context.Context, channelID string) error
	// TakeWebhookFault takes one attempt from the channel's oldest fault
	// with some left and returns that fault with what remains; two callers
	// never take the same unit. ENotFound when no fault has any left.
	TakeWebhookFault(ctx context.Context, channelID string) (*WebhookFault, error)
}

// SMSPurpose says what an SMS code proves.
type SMSPurpose string

// The purposes of an SMS code.
const (
	PurposeSignUp       SMSPurpose = "sign_up"
	PurposeLogIn        SMSPurpose = "log_in"
	PurposeVerify       SMSPurpose = "verify"
	PurposeChangeNumber SMSPurpose = "change_number"
)

// SMSCode is an issued verification code, stored only as its hash.
type SMSCode struct {
	ID          int64
	PhoneNumber string
	Purpose     SMSPurpose
	RecipientID string // empty for sign-up
	CodeHash    string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time
	WrongTries  int
}

// SMS is one text message sent to a phone.
type SMS struct {
	ID          int64
	PhoneNumber string
	Text        string
	CreatedAt   time.Time
}

// SMSStore keeps verification codes and the SMS outbox.
type SMSStore interface {
	CreateSMSCode(ctx context.Context, c *SMSCode) error
	// LatestSMSCode returns the newest code for a number and purpose.
	LatestSMSCode(ctx context.Context, phone string, purpose SMSPurpose) (*SMSCode, error)
	UpdateSMSCode(ctx context.Context, c *SMSCode) error
	// SMSCodeStats counts codes sent to a number since a time and the wrong
	// tries made on them since the number's last successful verification.
	SMSCodeStats(ctx context.Context, phone string, since time.Time) (sent, wrong int, err error)
	AddSMS(ctx context.Context, m *SMS) error
	// Outbox lists sent SMS, newest first; phone "" lists every number's.
	Outbox(ctx context.Context, phone string, limit int) ([]SMS, error)
}

// Session is a signed-in recipient's browser session, stored by hash.
type Session struct {
	Hash        string
	RecipientID string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// SessionStore keeps recipient sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (*Session, error)
	DeleteSession(ctx context.Context, hash string) error
}

// Operator is a person who runs the platform in the console.
type Operator struct {
	ID           int64
	Username     string
	PasswordHash string // a self-describing hash, such as argon2id's PHC string
	CreatedAt    time.Time
}

// OperatorSession is an operator's console log-in, stored by the hash of
// its ID.
type OperatorSession struct {
	Hash       string
	OperatorID int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Provider is a business, or a part of one, that owns channels.
type Provider struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// ConsoleStore keeps the console's operators, their sessions, and the
// providers that own channels.
type ConsoleStore interface {
	// CreateOperator saves an operator and sets its ID. EConflict when the
	// username is taken.
	CreateOperator(ctx context.Context, o *Operator) error
	// OperatorByUsername finds an operator. ENotFound when there is none.
	OperatorByUsername(ctx context.Context, username string) (*Operator, error)
	// Operator finds an operator by ID. ENotFound when there is none.
	Operator(ctx context.Context, id int64) (*Operator, error)
	// CountOperators counts the operators.
	CountOperators(ctx context.Context) (int, error)
	// Operators lists every operator by username.
	Operators(ctx context.Context) ([]Operator, error)
	// SetOperatorPassword replaces an operator's password hash and ends
	// every session of the operator. ENotFound when there is none.
	SetOperatorPassword(ctx context.Context, id int64, passwordHash string) error
	CreateOperatorSession(ctx context.Context, s *OperatorSession) error
	// OperatorSession finds a session, by its hash, that is live at now.
	// ENotFound when there is none.
	OperatorSession(ctx context.Context, hash string, now time.Time) (*OperatorSession,
		error)
	// ExtendOperatorSession moves a session's expiry to expires.
	ExtendOperatorSession(ctx context.Context, hash string, expires time.Time) error
	// DeleteOperatorSession ends a session; ending one that is not there is
	// no error.
	DeleteOperatorSession(ctx context.Context, hash string) error

	// CreateProvider saves a provider and sets its ID.
	CreateProvider(ctx context.Context, p *Provider) error
	// Provider finds a provider. ENotFound when there is none.
	Provider(ctx context.Context, id int64) (*Provider, error)
	// Providers lists every provider by name and then ID.
	Providers(ctx context.Context) ([]Provider, error)
	// RenameProvider changes a provider's name. ENotFound when there is no
	// such provider.
	RenameProvider(ctx context.Context, id int64, name string) error
	// DeleteProvider deletes a provider. ENotFound when there is none,
	// EConflict while it has channels.
	DeleteProvider(ctx context.Context, id int64) error
}

// ResetStore empties the store for the sandbox.
type ResetStore interface {
	// Reset deletes every recipient and what belongs to one (blocks,
	// friends, sessions), every notification and its trace, chat
	// message, webhook event, attempt and fault, SMS code and outbox SMS,
	// aggregation unit and job waiting to run; channels and their access
	// tokens too unless keepChannels. Settings stay. A running job is left
	// to finish.
	Reset(ctx context.Context, keepChannels bool) error
}

// SettingStore keeps small named values, such as the sandbox clock's
// offset, that must survive a restart.
type SettingStore interface {
	Setting(ctx context.Context, name string) (string, error)
	SetSetting(ctx context.Context, name, value string) error
}
