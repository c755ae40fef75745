package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Gateway sends each text message to an SMS service over HTTP: a POST of
// {"to": "+81…", "text": "…"} as JSON to URL, with the token as a Bearer
// credential, counted as sent on any 2xx. It is the seam between pnpd and
// whichever SMS provider an operator uses; a small adapter in front of the
// provider's own API speaks this.
type Gateway struct {
	URL   string
	Token string
	// Client sends the requests; nil means one with a 10-second timeout.
	Client *http.Client
}

// gatewayMessage is the body of a Gateway request.
type gatewayMessage struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// Send posts the message to the gateway. The error says the status, never
// the message: it holds a code.
func (g *Gateway) Send(ctx context.Context, e164, text string) error {
	body, _ := json.Marshal(gatewayMessage{To: e164, Text: text}) // strings always encode
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("SMS gateway: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}

	resp, err := g.client().Do(req)
	if err != nil {
		return fmt.Errorf("SMS gateway: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("SMS gateway: answered %d", resp.StatusCode)
	}

	return nil
}

func (g *Gateway) client() *http.Client {
	if g.Client != nil {
		return g.Client
	}

	return &http.Client{Timeout: 10 * time.Second}
}

// Both sends each message with First and, once sent, with Then: the
// gateway, then the outbox that keeps a record.
type Both struct {
	First, Then Sender
}

// Send sends with First, then with Then.
func (b Both) Send(ctx context.Context, e164, text string) error {
	if err := b.First.Send(ctx, e164, text); err != nil {
		return err
	}

	return b.Then.Send(ctx, e164, text)
}
