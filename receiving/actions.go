package receiving

import (
	"context"
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
)

// Result tells a recipient what their action did.
type Result struct {
	// Delivered counts the held notifications now delivered.
	Delivered int
	// Dropped counts the held notifications deleted.
	Dropped int
	// SMSVerificationRequired is set when notifications still wait for an
	// SMS verification.
	SMSVerificationRequired bool

	settled tally // for Outcomes, once committed
}

// tally counts held notifications by the outcome they reached, indexed by
// flow.Outcome; an array keeps Result comparable.
type tally [flow.DropNumberChanged + 1]int

// Agree records the recipient's consent and releases what it held.
func (s *Service) Agree(ctx context.Context, recipientID string) (Result, error) {
	return s.changeRecipient(ctx, recipientID, func(r *pnpd.Recipient, _ time.Time) error {
		r.Consent = pnpd.ConsentAgreed
		return nil
	})
}

// Reject records the recipient's refusal; every held notification is
// deleted and later ones are refused.
func (s *Service) Reject(ctx context.Context, recipientID string) (Result, error) {
	return s.changeRecipient(ctx, recipientID, func(r *pnpd.Recipient, _ time.Time) error {
		r.Consent = pnpd.ConsentRejected
		return nil
	})
}

// AgreePrivacyPolicy records that the recipient agreed to the privacy
// policy; without it every notification is refused, so nothing was held
// for it, but the result still tells whether an SMS verification is due.
func (s *Service) AgreePrivacyPolicy(ctx context.Context, recipientID string) (Result, error) {
	return s.changeRecipient(ctx, recipientID, func(r *pnpd.Recipient, _ time.Time) error {
		r.PrivacyPolicyAgreed = true
		return nil
	})
}

// Verified records, inside the caller's transaction, that the recipient
// just proved the phone number by SMS, and releases what waited for it.
func (s *Service) Verified(ctx context.Context, q pnpd.Queries,
	recipientID string) (Result, error) {
	return s.changeRecipientIn(ctx, q, recipientID, func(r *pnpd.Recipient, now time.Time) error {
		r.SMSVerifiedAt = now
		return nil
	})
}

// ChangeNumber moves the recipient to a new phone number, inside the
// caller's transaction (the SMS code to the new number was checked in it).
// Every notification held for the old number is dropped (rule 7).
func (s *Service) ChangeNumber(ctx context.Context, q pnpd.Queries, recipientID,
	e164 string) (Result, error) {
	now := s.Clock.Now()
	rec, err := q.Recipient(ctx, recipientID)
	if err != nil {
		return Result{}, err
	}

	// The recipient of a reserved number stays as it is, and no one takes
	// a reserved number.
	if err := s.CheckReserved(rec.PhoneNumber); err != nil {
		return Result{}, err
	}

	if err := s.CheckReserved(e164); err != nil {
		return Result{}, err
	}

	held, err := q.HeldNotifications(ctx, recipientID)
	if err != nil {
		return Result{}, err
	}

	var res Result
	for _, n := range held {
		o := s.Rules.NumberChanged(n, now)
		n.State, n.StateChangedAt = o.State(), stateTime(n, o, now)
		if err := q.UpdateNotification(ctx, n); err != nil {
			return Result{}, err
		}
		res.count(o)
	}

	rec.PhoneNumber, rec.PhoneHash, rec.PhoneChangedAt = e164, pnpd.HashPhone(e164), now
	if err := q.UpdateRecipient(ctx, rec); err != nil {
		return Result{}, fmt.Errorf("change number: %w", err)
	}

	if err := s.postNotice(ctx, q, recipientID, pnpd.NoticeNumberChanged, nil, now); err != nil {
		return Result{}, err
	}

	return res, nil
}

// SetBlocked blocks or unblocks a channel for the recipient. Blocking drops
// what the channel has held for the recipient: it is never delivered.
func (s *Service) SetBlocked(ctx context.Context, recipientID, channelID string,
	blocked bool) (Result, error) {
	var res Result
	err := s.Store.Update(ctx, func(q pnpd.Queries) error {
		if _, err := q.Channel(ctx, channelID); err != nil {
			return err
		}

		rec, err := q.Recipient(ctx, recipientID)
		if err != nil {
			return err
		}

		if err := s.CheckReserved(rec.PhoneNumber); err != nil {
			return err
		}

		if err := q.SetBlocked(ctx, recipientID, channelID, blocked); err != nil {
			return err
		}

		res, err = s.release(ctx, q, rec)

		return err
	})
	if err == nil {
		s.Committed(res, recipientID)
	}

	return res, err
}

// Expire drops every held notification past its 24 hours (rule 6).
func (s *Service) Expire(ctx context.Context) (int, error) {
	n, err := s.Store.ExpireHeld(ctx, s.Clock.Now())
	if err != nil {
		return 0, fmt.Errorf("expire: %w", err)
	}
	if n > 0 {
		s.Log.InfoContext(ctx, "Expired held notifications", "count", n)
	}
	s.counted(flow.Expire, n)

	return n, nil
}

// Committed tells, once a transaction has committed, what an action in it
// did: live updates learn that the recipient's chats changed, and Outcomes
// what became of the held notifications. Callers of Verified and
// ChangeNumber, which run in the caller's transaction, call it after their
// commit; the service calls it after its own.
func (s *Service) Committed(res Result, recipientID string) {
	s.Notify(recipientID)
	for o, n := range res.settled {
		s.counted(flow.Outcome(o), n)
	}
}

func (s *Service) counted(o flow.Outcome, n int) {
	if s.Outcomes != nil && n > 0 {
		s.Outcomes(o, n)
	}
}

func (s *Service) changeRecipient(ctx context.Context, recipientID string,
	change func(*pnpd.Recipient, time.Time) error) (Result, error) {
	var res Result
	err := s.Store.Update(ctx, func(q pnpd.Queries) error {
		var err error
		res, err = s.changeRecipientIn(ctx, q, recipientID, change)

		return err
	})
	if err == nil {
		s.Committed(res, recipientID)
	}

	return res, err
}

func (s *Service) changeRecipientIn(ctx context.Context, q pnpd.Queries, recipientID string,
	change func(*pnpd.Recipient, time.Time) error) (Result, error) {
	rec, err := q.Recipient(ctx, recipientID)
	if err != nil {
		return Result{}, err
	}

	if err := s.CheckReserved(rec.PhoneNumber); err != nil {
		return Result{}, err
	}

	if err := change(rec, s.Clock.Now()); err != nil {
		return Result{}, err
	}

	if err := q.UpdateRecipient(ctx, rec); err != nil {
		return Result{}, err
	}

	return s.release(ctx, q, rec)
}

// release decides again every notification held for the recipient, whose
// state just changed; consent and verification are global, so one action
// releases what every channel sent (rule 5).
func (s *Service) release(ctx context.Context, q pnpd.Queries,
	rec *pnpd.Recipient) (Result, error) {
	now := s.Clock.Now()
	held, err := q.HeldNotifications(ctx, rec.ID)
	if err != nil {
		return Result{}, err
	}

	var res Result
	movedToSMS := false
	channels := map[string]*pnpd.Channel{}
	for _, n := range held {
		ch, err := cachedChannel(ctx, q, channels, n.ChannelID)
		if err != nil {
			return res, err
		}

		blocked, err := q.IsBlocked(ctx, rec.ID, n.ChannelID)
		if err != nil {
			return res, err
		}

		o := s.Rules.Release(n, rec, blocked, now)
		if o.State() == n.State {
			res.SMSVerificationRequired = res.SMSVerificationRequired || o == flow.HoldForSMS
			continue
		}

		if o == flow.HoldForSMS {
			movedToSMS = true
			res.SMSVerificationRequired = true
		}

		if err := s.settle(ctx, q, n, ch, o, now); err != nil {
			return res, err
		}

		if err := q.UpdateNotification(ctx, n); err != nil {
			return res, err
		}

		res.count(o)
	}

	// Whatever was held, the recipient learns whether the next notification
	// will wait for an SMS verification.
	res.SMSVerificationRequired = rec.Consent == pnpd.ConsentAgreed &&
		s.Rules.SMSNeeded(rec, now)

	// Notifications that waited for consent and now wait for an SMS
	// verification get one authentication request, not one each.
	if movedToSMS {
		err := s.postNotice(ctx, q, rec.ID, pnpd.NoticeSMSRequest, nil, now)
		if err != nil {
			return res, err
		}
	}

	return res, nil
}

func (r *Result) count(o flow.Outcome) {
	r.settled[o]++
	switch o {
	case flow.Deliver:
		r.Delivered++
	case flow.DropBlocked, flow.DropRejected, flow.DropNumberChanged, flow.Expire:
		r.Dropped++
	}
}

func cachedChannel(ctx context.Context, q pnpd.Queries, cache map[string]*pnpd.Channel,
	id string) (*pnpd.Channel, error) {
	if ch, ok := cache[id]; ok {
		return ch, nil
	}

	ch, err := q.Channel(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("release notification: %w", err)
	}
	cache[id] = ch

	return ch, nil
}
