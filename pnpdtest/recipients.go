package pnpdtest

import (
	"net/http"
	"net/url"
	"testing"
)

// CreateRecipient creates a recipient in the state spec describes.
func (c *Client) CreateRecipient(tb testing.TB, spec RecipientSpec) Recipient {
	tb.Helper()

	var out Recipient
	c.call(tb, http.MethodPost, "/sandbox/v1/recipients", spec, &out)
	c.remember(out.UserID, phone{spec.PhoneNumber, spec.Country})

	return out
}

// Recipient reads a recipient's state.
func (c *Client) Recipient(tb testing.TB, userID string) Recipient {
	tb.Helper()

	var out Recipient
	c.call(tb, http.MethodGet, pathf("/sandbox/v1/recipients/%s", userID), nil, &out)

	return out
}

// RecipientsByPhoneHash finds the recipient whose number has the hash
// phoneHash: one recipient, or none.
func (c *Client) RecipientsByPhoneHash(tb testing.TB, phoneHash string) []Recipient {
	tb.Helper()

	var out struct {
		Recipients []Recipient `json:"recipients"`
	}
	c.call(tb, http.MethodGet, "/sandbox/v1/recipients?phoneHash="+url.QueryEscape(phoneHash),
		nil, &out)

	return out.Recipients
}

// Agree gives the recipient's consent to notification messages, as the
// consent screen's Agree button does.
func (c *Client) Agree(tb testing.TB, userID string) Result {
	tb.Helper()

	return c.act(tb, "consent", userID, map[string]bool{"agree": true})
}

// Reject refuses notification messages for the recipient: what was held
// is dropped, and later pushes get 422.
func (c *Client) Reject(tb testing.TB, userID string) Result {
	tb.Helper()

	return c.act(tb, "consent", userID, map[string]bool{"agree": false})
}

// AgreePrivacyPolicy agrees to the privacy policy for the recipient.
func (c *Client) AgreePrivacyPolicy(tb testing.TB, userID string) Result {
	tb.Helper()

	return c.act(tb, "privacy-policy", userID, nil)
}

// RequestVerificationCode sends an SMS code to the recipient's number, as
// the Send SMS button does; LatestCode reads it.
func (c *Client) RequestVerificationCode(tb testing.TB, userID string) CodeIssued {
	tb.Helper()

	var out CodeIssued
	c.call(tb, http.MethodPost, pathf("/sandbox/v1/recipients/%s/verification/code", userID),
		nil, &out)

	return out
}

// Verify enters an SMS code for the recipient, which releases what was
// held for an SMS verification.
func (c *Client) Verify(tb testing.TB, userID, code string) Result {
	tb.Helper()

	return c.act(tb, "verification", userID, map[string]string{"code": code})
}

// VerifyBySMS does the whole SMS verification: it asks for a code, reads
// it from the outbox and enters it. The recipient must have been created
// by this Client, which alone knows the number in clear.
func (c *Client) VerifyBySMS(tb testing.TB, userID string) Result {
	tb.Helper()

	p, ok := c.phoneOf(userID)
	if !ok {
		tb.Fatalf("pnpdtest: VerifyBySMS(%s): the recipient was not created by this "+
			"Client; use RequestVerificationCode, LatestCode and Verify", userID)
	}

	c.RequestVerificationCode(tb, userID)

	return c.Verify(tb, userID, c.latestCode(tb, p))
}

// RequestNumberChangeCode sends an SMS code to newE164, the number the
// recipient wants to change to.
func (c *Client) RequestNumberChangeCode(tb testing.TB, userID, newE164 string) CodeIssued {
	tb.Helper()

	var out CodeIssued
	c.call(tb, http.MethodPost, pathf("/sandbox/v1/recipients/%s/phone-number/code", userID),
		map[string]string{"phoneNumber": newE164}, &out)

	return out
}

// ChangeNumber changes the recipient's number to newE164 with the code
// sent there; what was held for the old number is dropped.
func (c *Client) ChangeNumber(tb testing.TB, userID, newE164, code string) Result {
	tb.Helper()

	out := c.act(tb, "phone-number", userID,
		map[string]string{"phoneNumber": newE164, "code": code})
	c.remember(userID, phone{e164: newE164})

	return out
}

// Block blocks the channel for the recipient: its notifications are
// answered 200 and never delivered.
func (c *Client) Block(tb testing.TB, userID, channelID string) Result {
	tb.Helper()

	var out Result
	c.call(tb, http.MethodPut, pathf("/sandbox/v1/recipients/%s/blocks/%s", userID, channelID),
		nil, &out)

	return out
}

// Unblock unblocks the channel for the recipient.
func (c *Client) Unblock(tb testing.TB, userID, channelID string) Result {
	tb.Helper()

	var out Result
	c.call(tb, http.MethodDelete,
		pathf("/sandbox/v1/recipients/%s/blocks/%s", userID, channelID), nil, &out)

	return out
}

// act posts one of the recipient's actions and reads its result.
func (c *Client) act(tb testing.TB, action, userID string, in any) Result {
	tb.Helper()

	var out Result
	c.call(tb, http.MethodPost, pathf("/sandbox/v1/recipients/%s/", userID)+action, in, &out)

	return out
}

// phone is a number as a test gave it, with the country that reads it.
type phone struct {
	e164, country string
}

func (c *Client) latestCode(tb testing.TB, p phone) string {
	tb.Helper()

	q := url.Values{"phoneNumber": {p.e164}}
	if p.country != "" {
		q.Set("country", p.country)
	}

	var out SMSCode
	c.call(tb, http.MethodGet, "/sandbox/v1/sms/code?"+q.Encode(), nil, &out)

	return out.Code
}
