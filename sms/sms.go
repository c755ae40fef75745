// Package sms issues and checks the 6-digit codes that prove a phone
// number, within limits that keep a sprayed number from turning into an
// SMS bill or a guessed code, and sends them through a Sender.
package sms

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
)

// Sender delivers a text message to a phone number.
type Sender interface {
	Send(ctx context.Context, e164, text string) error
}

// Limits bound how codes are sent and tried.
type Limits struct {
	ValidFor       time.Duration // a code's lifetime (10 min)
	ResendAfter    time.Duration // the wait before another code (60 s)
	CodesPerDay    int           // codes per number per 24 h (10)
	TriesPerCode   int           // wrong tries before a code is void (5)
	FailuresPerDay int           // wrong tries per number per 24 h (15)
}

// DefaultLimits are pnpd's.
func DefaultLimits() Limits {
	return Limits{
		ValidFor:       10 * time.Minute,
		ResendAfter:    60 * time.Second,
		CodesPerDay:    10,
		TriesPerCode:   5,
		FailuresPerDay: 15,
	}
}

// Codes issues and checks verification codes.
type Codes struct {
	Store  pnpd.Store
	Sender Sender
	Clock  pnpd.Clock
	Limits Limits
	Log    *slog.Logger
}

// Issued tells the caller where a code went and when another may be asked.
type Issued struct {
	MaskedNumber string    `json:"maskedPhoneNumber"`
	ExpiresAt    time.Time `json:"expiresAt"`
	ResendAt     time.Time `json:"resendAt"`
}

// Issue sends a new code for a purpose to a number, within the limits.
func (c *Codes) Issue(ctx context.Context, e164 string, purpose pnpd.SMSPurpose,
	recipientID string) (Issued, error) {
	now := c.Clock.Now()
	code, err := newCode()
	if err != nil {
		return Issued{}, err
	}

	rec := &pnpd.SMSCode{
		PhoneNumber: e164,
		Purpose:     purpose,
		RecipientID: recipientID,
		CodeHash:    hashCode(e164, code),
		CreatedAt:   now,
		ExpiresAt:   now.Add(c.Limits.ValidFor),
	}
	// The limits are checked and the code saved in one write transaction,
	// so concurrent requests cannot all pass the check before any saves.
	err = c.Store.Update(ctx, func(q pnpd.Queries) error {
		if err := c.checkSendLimits(ctx, q, e164, purpose, now); err != nil {
			return err
		}

		return q.CreateSMSCode(ctx, rec)
	})
	if err != nil {
		return Issued{}, fmt.Errorf("issue code: %w", err)
	}

	if err := c.Sender.Send(ctx, e164, messageText(code, c.Limits.ValidFor)); err != nil {
		return Issued{}, fmt.Errorf("send code: %w", err)
	}
	c.Log.InfoContext(ctx, "Sent verification code", "purpose", purpose, "code_id", rec.ID)

	return Issued{
		MaskedNumber: pnpd.MaskPhone(e164),
		ExpiresAt:    rec.ExpiresAt,
		ResendAt:     now.Add(c.Limits.ResendAfter),
	}, nil
}

func (c *Codes) checkSendLimits(ctx context.Context, q pnpd.Queries, e164 string,
	purpose pnpd.SMSPurpose, now time.Time) error {
	last, err := q.LatestSMSCode(ctx, e164, purpose)
	if err != nil && pnpd.ErrorCode(err) != pnpd.ENotFound {
		return err
	}

	// A code from the future was sent before the sandbox clock was set
	// back; it does not hold the number up.
	if last != nil && !last.CreatedAt.After(now) {
		if wait := c.Limits.ResendAfter - now.Sub(last.CreatedAt); wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			e := pnpd.Errorf(pnpd.ERateLimited,
				"Wait %d seconds before asking for another code.", secs)
			e.Remaining = secs

			return e
		}
	}

	sent, wrong, err := q.SMSCodeStats(ctx, e164, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}

	switch {
	case sent >= c.Limits.CodesPerDay:
		return pnpd.Errorf(pnpd.ERateLimited,
			"Too many codes were sent to this number today. Try again tomorrow.")
	case wrong >= c.Limits.FailuresPerDay:
		return pnpd.Errorf(pnpd.ERateLimited,
			"Too many wrong codes were entered for this number. Try again tomorrow.")
	}

	return nil
}

var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

// Check checks a code. When it is right it marks the code used and runs
// then in the same transaction, so the code is spent only if what it
// proves is carried out. A wrong try is saved either way.
func (c *Codes) Check(ctx context.Context, e164 string, purpose pnpd.SMSPurpose,
	code string, then func(q pnpd.Queries, c *pnpd.SMSCode) error) error {
	// Something that is not a code at all costs no try.
	if !sixDigits.MatchString(code) {
		return invalid("Enter the 6 digits of the code.", 0)
	}

	var wrong *pnpd.Error
	err := c.Store.Update(ctx, func(q pnpd.Queries) error {
		rec, err := c.usableCode(ctx, q, e164, purpose)
		if err != nil {
			return err
		}

		if subtle.ConstantTimeCompare([]byte(rec.CodeHash), []byte(hashCode(e164, code))) != 1 {
			wrong, err = c.wrongTry(ctx, q, rec)
			return err
		}

		rec.UsedAt = c.Clock.Now()
		if err := q.UpdateSMSCode(ctx, rec); err != nil {
			return err
		}

		return then(q, rec)
	})
	if err != nil {
		return err
	}
	if wrong != nil {
		return wrong
	}

	return nil
}

func (c *Codes) usableCode(ctx context.Context, q pnpd.Queries, e164 string,
	purpose pnpd.SMSPurpose) (*pnpd.SMSCode, error) {
	rec, err := q.LatestSMSCode(ctx, e164, purpose)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, invalid("No code was sent for this number. Ask for a code first.", 0)
	}
	if err != nil {
		return nil, err
	}

	_, wrong, err := q.SMSCodeStats(ctx, e164, c.Clock.Now().Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}

	switch {
	case !rec.UsedAt.IsZero():
		return nil, invalid("This code has been used already. Ask for a new code.", 0)
	case !c.Clock.Now().Before(rec.ExpiresAt):
		return nil, invalid("This code has expired. Ask for a new code.", 0)
	case wrong >= c.Limits.FailuresPerDay:
		return nil, pnpd.Errorf(pnpd.ERateLimited,
			"Too many wrong codes were entered for this number. Try again tomorrow.")
	case rec.WrongTries >= c.Limits.TriesPerCode:
		return nil, invalid("This code was entered wrongly too often. Ask for a new code.", 0)
	}

	return rec, nil
}

// wrongTry saves a wrong try and returns the error to show, with the tries
// left on this code and for the number today, whichever is fewer.
func (c *Codes) wrongTry(ctx context.Context, q pnpd.Queries,
	rec *pnpd.SMSCode) (*pnpd.Error, error) {
	rec.WrongTries++
	if err := q.UpdateSMSCode(ctx, rec); err != nil {
		return nil, err
	}

	_, wrong, err := q.SMSCodeStats(ctx, rec.PhoneNumber, c.Clock.Now().Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}

	left := min(c.Limits.TriesPerCode-rec.WrongTries, c.Limits.FailuresPerDay-wrong)
	if left <= 0 {
		return invalid("The code is wrong, and no tries are left. Ask for a new code.", 0), nil
	}

	if left == 1 {
		return invalid("The code is wrong. 1 try left.", left), nil
	}

	return invalid(fmt.Sprintf("The code is wrong. %d tries left.", left), left), nil
}

func invalid(msg string, left int) *pnpd.Error {
	return &pnpd.Error{Code: pnpd.EInvalid, Message: msg, Field: "code", Remaining: left}
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("new code: %w", err)
	}

	return fmt.Sprintf("%06d", n.Int64()), nil
}

// hashCode binds the code to its number, so the stored hash proves nothing
// for another number.
func hashCode(e164, code string) string {
	return pnpd.HashToken(e164 + ":" + code)
}

func messageText(code string, validFor time.Duration) string {
	return fmt.Sprintf("[pnpd] Your verification code is %s. It expires in %d minutes. "+
		"Never share it with anyone.", code, int(validFor.Minutes()))
}

// Outbox is the default Sender: it keeps every SMS in the store, where the
// sandbox API and the web UI show it as the recipient's phone would.
type Outbox struct {
	Store pnpd.Store
	Clock pnpd.Clock
	// HideCodes keeps the messages with their codes blanked out: a
	// platform's outbox is a record, not a phone anyone reads, and a code
	// in clear in the database would let a copy of it sign up or log in.
	HideCodes bool
}

// codeDigits are a code in a message: pnpd's messages hold no other run of
// four digits or more.
var codeDigits = regexp.MustCompile(`[0-9]{4,}`)

// Send stores the message in the outbox.
func (o *Outbox) Send(ctx context.Context, e164, text string) error {
	if o.HideCodes {
		text = codeDigits.ReplaceAllStringFunc(text, func(code string) string {
			return strings.Repeat("•", len(code))
		})
	}

	err := o.Store.AddSMS(ctx, &pnpd.SMS{PhoneNumber: e164, Text: text, CreatedAt: o.Clock.Now()})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}

	return nil
}
