// Package receiving runs the receiving flow against the store: it accepts
// notifications, and carries out what recipients do (agree, reject, verify,
// change number, block), releasing or dropping held notifications in the
// same transaction. What to do is decided by package flow; this package
// only loads, applies and saves.
package receiving

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/webhook"
)

// Service carries out the receiving flow.
type Service struct {
	Store pnpd.Store
	Rules flow.Rules
	Clock pnpd.Clock
	Log   *slog.Logger
	// Changed, when set, is told after a commit which recipients' chats
	// changed, for live updates.
	Changed func(recipientIDs ...string)
	// Outcomes, when set, is told after a commit how many held
	// notifications reached an outcome: delivered on release, moved on to
	// wait for an SMS verification, dropped (blocked, rejected, number
	// changed) or expired. What Accept decided is its caller's to count.
	Outcomes func(o flow.Outcome, n int)
	// Reserved, when set, returns the error to answer for a phone number
	// whose recipient no action may change and that no account may take,
	// and nil for any other number: in sandbox mode, the magic numbers.
	Reserved func(e164 string) error
	// Timeout bounds how long Accept waits for the store (DefaultTimeout
	// when zero).
	Timeout time.Duration
}

// DefaultTimeout is how long Accept waits for the store when Service does
// not say: far longer than a commit takes, even under load, and shorter
// than the time a business waits before it gives up on its request.
const DefaultTimeout = 10 * time.Second

// CheckReserved returns the error Reserved gives for a phone number, or
// nil when the number is free to act on.
func (s *Service) CheckReserved(e164 string) error {
	if s.Reserved == nil {
		return nil
	}

	return s.Reserved(e164)
}

// Push is a notification a channel asks to send.
type Push struct {
	RequestID            string
	Channel              *pnpd.Channel
	Kind                 pnpd.NotificationKind
	To                   string
	DeliveryTag          string
	Messages             json.RawMessage // a JSON array of message objects
	NotificationDisabled bool
	AggregationUnit      string
}

// ErrRefused is returned by Accept for the four refusal cases of rule 1;
// the API answers 422.
var ErrRefused = pnpd.Errorf(pnpd.ERefused, "Failed to send messages")

// Accept decides a notification and stores it with everything its outcome
// brings (notices, chat messages, webhook job) in one update, which the
// store may commit together with others that arrive meanwhile. It returns
// ErrRefused when the recipient cannot receive it.
func (s *Service) Accept(ctx context.Context, p Push) (flow.Outcome, error) {
	// Once the store has the notification, it is stored or not whatever
	// the client does meanwhile: a client that goes away must not cut its
	// update short. A database that hangs must not hold the push for as
	// long as it hangs, though, and then store it when its client has long
	// given up: past the timeout the update is cut short and undone, and
	// the client hears that it failed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx),
		cmp.Or(s.Timeout, DefaultTimeout))
	defer cancel()

	var outcome flow.Outcome
	var recipientID string
	err := s.Store.Update(ctx, func(q pnpd.Queries) error {
		var err error
		outcome, recipientID, err = s.accept(ctx, q, p)

		return err
	})
	if err != nil {
		return outcome, err
	}
	s.Notify(recipientID)

	return outcome, nil
}

func (s *Service) accept(ctx context.Context, q pnpd.Queries,
	p Push) (flow.Outcome, string, error) {
	now := s.Clock.Now()
	// Businesses may send the hash in upper case; recipients are stored by
	// the lower-case hash.
	rec, err := q.RecipientByPhoneHash(ctx, strings.ToLower(p.To))
	if err != nil && pnpd.ErrorCode(err) != pnpd.ENotFound {
		return flow.Refuse, "", err
	}

	blocked := false
	if rec != nil {
		if blocked, err = q.IsBlocked(ctx, rec.ID, p.Channel.ID); err != nil {
			return flow.Refuse, "", err
		}
	}

	outcome := s.Rules.Accept(rec, blocked, now)
	if outcome == flow.Refuse {
		return outcome, "", ErrRefused
	}

	n := newNotification(p, rec.ID, now, s.Rules.ExpiresAt(now))
	if err := s.settle(ctx, q, n, p.Channel, outcome, now); err != nil {
		return outcome, "", err
	}

	if err := q.CreateNotification(ctx, n); err != nil {
		return outcome, "", fmt.Errorf("accept notification: %w", err)
	}

	return outcome, rec.ID, nil
}

func newNotification(p Push, recipientID string, now, expires time.Time) *pnpd.Notification {
	return &pnpd.Notification{
		ID:                   p.RequestID,
		ChannelID:            p.Channel.ID,
		RecipientID:          recipientID,
		Kind:                 p.Kind,
		To:                   p.To,
		DeliveryTag:          p.DeliveryTag,
		Messages:             p.Messages,
		NotificationDisabled: p.NotificationDisabled,
		AggregationUnit:      p.AggregationUnit,
		AcceptedAt:           now,
		ExpiresAt:            expires,
	}
}

// settle applies an outcome to a notification: it posts the notices,
// delivers the messages and queues the webhook, and moves the state on.
// The caller saves the notification.
func (s *Service) settle(ctx context.Context, q pnpd.Queries, n *pnpd.Notification,
	ch *pnpd.Channel, o flow.Outcome, now time.Time) error {
	for _, kind := range flow.Notices(o, n) {
		if err := s.postNotice(ctx, q, n.RecipientID, kind, n, now); err != nil {
			return err
		}
		if kind == pnpd.NoticeReceived {
			n.Announced = true
		}
	}

	n.State, n.StateChangedAt = o.State(), stateTime(n, o, now)
	if o != flow.Deliver {
		return nil
	}

	n.DeliveredAt = now
	if err := s.postMessages(ctx, q, n, now); err != nil {
		return err
	}

	if err := assignUnit(ctx, q, n, now); err != nil {
		return err
	}

	return s.queueWebhook(ctx, q, n, ch, now)
}

// stateTime is when a notification reached an outcome decided at now, for
// its trace: an expired one expired at its expiry time, however late the
// decision came.
func stateTime(n *pnpd.Notification, o flow.Outcome, now time.Time) time.Time {
	if o == flow.Expire {
		return n.ExpiresAt
	}

	return now
}

// assignUnit gives the channel the notification's aggregation unit for the
// month of its delivery, as LINE assigns a unit when a message is actually
// sent. A name beyond the month's limit is not assigned: the notification
// is delivered all the same, counted under no unit.
func assignUnit(ctx context.Context, q pnpd.Queries, n *pnpd.Notification,
	now time.Time) error {
	if n.AggregationUnit == "" {
		return nil
	}

	ok, err := q.AssignAggregationUnit(ctx, n.ChannelID, pnpd.AggregationMonth(now),
		n.AggregationUnit, pnpd.MaxAggregationUnits)
	if err != nil {
		return fmt.Errorf("deliver notification: %w", err)
	}
	if !ok {
		n.AggregationUnit = ""
	}

	return nil
}

func (s *Service) postNotice(ctx context.Context, q pnpd.Queries, recipientID string,
	kind pnpd.NoticeKind, n *pnpd.Notification, now time.Time) error {
	m := &pnpd.ChatMessage{
		RecipientID: recipientID,
		ChatID:      pnpd.SystemChatID,
		Notice:      kind,
		CreatedAt:   now,
	}
	if n != nil {
		m.ChannelID, m.NotificationID, m.Silent = n.ChannelID, n.ID, n.NotificationDisabled
	}

	if err := q.AddChatMessage(ctx, m); err != nil {
		return fmt.Errorf("post %s notice: %w", kind, err)
	}

	return nil
}

func (s *Service) postMessages(ctx context.Context, q pnpd.Queries, n *pnpd.Notification,
	now time.Time) error {
	var messages []json.RawMessage
	if err := json.Unmarshal(n.Messages, &messages); err != nil {
		return fmt.Errorf("deliver notification: stored messages: %w", err)
	}

	for _, msg := range messages {
		err := q.AddChatMessage(ctx, &pnpd.ChatMessage{
			RecipientID:    n.RecipientID,
			ChatID:         n.ChannelID,
			ChannelID:      n.ChannelID,
			NotificationID: n.ID,
			Message:        msg,
			Silent:         n.NotificationDisabled,
			CreatedAt:      now,
		})
		if err != nil {
			return fmt.Errorf("deliver notification: %w", err)
		}
	}

	return nil
}

// queueWebhook stores the delivery event and queues its sending in the
// delivery's transaction, so that a crash after the commit loses nothing.
func (s *Service) queueWebhook(ctx context.Context, q pnpd.Queries, n *pnpd.Notification,
	ch *pnpd.Channel, now time.Time) error {
	if !ch.WebhookEnabled || ch.WebhookURL == "" {
		return nil
	}

	e := &pnpd.WebhookEvent{
		ID:             webhook.NewEventID(now),
		NotificationID: n.ID,
		ChannelID:      ch.ID,
		Destination:    ch.BotUserID,
		Data:           n.DeliveryData(),
		Timestamp:      now,
	}
	if err := q.CreateWebhookEvent(ctx, e); err != nil {
		return fmt.Errorf("queue webhook: %w", err)
	}

	return q.Enqueue(ctx, pnpd.WebhookJob{EventID: e.ID})
}

// Notify tells live updates that recipients' chats changed; the service
// calls it after its commits (Committed calls it too).
func (s *Service) Notify(recipientIDs ...string) {
	if s.Changed != nil {
		s.Changed(recipientIDs...)
	}
}
