// Package webhook sends LINE's signed delivery event to a channel's webhook:
// it writes the exact bytes LINE writes, signs them with the channel secret,
// posts them with LINE's 2-second limit, classifies failures in the words of
// LINE's error statistics, and redelivers from a River job.
package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/pnpd/pnpd"
)

// NewEventID returns a fresh webhookEventId: a ULID for time t with random
// bits from crypto/rand.
func NewEventID(t time.Time) string {
	// crypto/rand.Reader never fails, so MustNew panics only for a time
	// outside the ULID range (before 1970 or after the year 10889).
	return ulid.MustNew(ulid.Timestamp(t), rand.Reader).String()
}

// callback is the request body: the fields are declared in the order LINE
// writes them, which encoding/json keeps.
type callback struct {
	Destination string          `json:"destination"`
	Events      []deliveryEvent `json:"events"`
}

type deliveryEvent struct {
	Type            string          `json:"type"`
	Delivery        delivery        `json:"delivery"`
	WebhookEventID  string          `json:"webhookEventId"`
	DeliveryContext deliveryContext `json:"deliveryContext"`
	Timestamp       int64           `json:"timestamp"`
	Mode            string          `json:"mode"`
}

type delivery struct {
	Data string `json:"data"`
}

type deliveryContext struct {
	IsRedelivery bool `json:"isRedelivery"`
}

// Body returns the request body LINE sends for a delivery event: compact
// JSON with LINE's key order, <, > and & unescaped, non-ASCII as raw UTF-8
// and no trailing newline. A redelivery differs only in isRedelivery.
func Body(e *pnpd.WebhookEvent, redelivery bool) []byte {
	cb := callback{
		Destination: e.Destination,
		Events: []deliveryEvent{{
			Type:            "delivery",
			Delivery:        delivery{Data: e.Data},
			WebhookEventID:  e.ID,
			DeliveryContext: deliveryContext{IsRedelivery: redelivery},
			Timestamp:       e.Timestamp.UnixMilli(),
			Mode:            "active",
		}},
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Go escapes <, > and & by default; LINE does not, and the receiver
	// verifies the signature over the bytes as sent.
	enc.SetEscapeHTML(false)
	// Encoding strings, booleans and integers into a buffer cannot fail.
	_ = enc.Encode(cb)

	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Sign returns the x-line-signature of body: the standard, padded Base64 of
// its HMAC-SHA256 keyed by the channel secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body) // a hash.Hash never returns an error

	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
