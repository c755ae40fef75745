package pnpdtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// Notification reads what became of a push, by its x-line-request-id.
// A push answered 422 was never stored: it is not found.
func (c *Client) Notification(tb testing.TB, requestID string) Notification {
	tb.Helper()

	var out Notification
	c.call(tb, http.MethodGet, pathf("/sandbox/v1/notifications/%s", requestID), nil, &out)

	return out
}

// WaitNotification waits until the notification with the request ID meets
// until, and fails the test when it does not within timeout.
func (c *Client) WaitNotification(tb testing.TB, requestID string, until Until,
	timeout time.Duration) Notification {
	tb.Helper()

	path := pathf("/sandbox/v1/notifications/%s", requestID)

	// The push stored the notification before it answered: one not found
	// will not come.
	return c.wait(tb, "notification "+requestID, path, url.Values{}, until, timeout, false)
}

// NotificationByDeliveryTag reads the newest notification sent with the
// X-Line-Delivery-Tag tag, from the channel channelID or, when it is
// empty, from any channel.
func (c *Client) NotificationByDeliveryTag(tb testing.TB, channelID,
	tag string) Notification {
	tb.Helper()

	var out Notification
	c.call(tb, http.MethodGet, "/sandbox/v1/notifications?"+tagQuery(channelID, tag).Encode(),
		nil, &out)

	return out
}

// WaitByDeliveryTag waits until a notification sent with the delivery tag
// exists and meets until, as NotificationByDeliveryTag finds it and
// WaitNotification waits.
func (c *Client) WaitByDeliveryTag(tb testing.TB, channelID, tag string, until Until,
	timeout time.Duration) Notification {
	tb.Helper()

	return c.wait(tb, "the notification tagged "+tag, "/sandbox/v1/notifications",
		tagQuery(channelID, tag), until, timeout, true)
}

func tagQuery(channelID, tag string) url.Values {
	q := url.Values{"deliveryTag": {tag}}
	if channelID != "" {
		q.Set("channelId", channelID)
	}

	return q
}

// WaitWebhook waits until the notification is final and, if it was
// delivered, its webhook settled: a 2xx answer, or no attempt left. It
// moves the sandbox clock to each redelivery's time, so a redelivery
// happens at once instead of seconds or hours later; held notifications
// of other recipients may expire meanwhile.
func (c *Client) WaitWebhook(tb testing.TB, requestID string,
	timeout time.Duration) Notification {
	tb.Helper()

	path := pathf("/sandbox/v1/notifications/%s", requestID)
	deadline := time.Now().Add(timeout)
	for {
		// Short polls notice a redelivery's time soon after it is set.
		n, err := c.poll(path, url.Values{}, UntilWebhook, min(time.Until(deadline), webhookPoll))
		if err != nil {
			tb.Fatalf("pnpdtest: webhook of notification %s: %v", requestID, err)
		}
		if !n.TimedOut {
			return n
		}
		if time.Now().After(deadline) {
			tb.Fatalf("pnpdtest: the webhook of notification %s did not settle within %v: %s",
				requestID, timeout, describe(n))
		}

		c.catchUp(tb, n.Webhook)
	}
}

// webhookPoll is how long WaitWebhook waits in one request.
const webhookPoll = 100 * time.Millisecond

// catchUp moves the clock to the webhook's next attempt, if it is due later.
func (c *Client) catchUp(tb testing.TB, w *Webhook) {
	tb.Helper()

	if w == nil || w.NextAttemptAt.IsZero() {
		return
	}

	if d := w.NextAttemptAt.Sub(c.Now(tb).Now); d > 0 {
		c.Advance(tb, d)
	}
}

// maxWait is the longest wait the API takes in one request.
const maxWait = 30 * time.Second

// wait long-polls path until the notification meets until, in requests of
// at most maxWait; mayCome says one not found yet may still come.
func (c *Client) wait(tb testing.TB, what, path string, q url.Values, until Until,
	timeout time.Duration, mayCome bool) Notification {
	tb.Helper()

	if timeout <= 0 {
		tb.Fatalf("pnpdtest: waiting for %s: give a positive timeout", what)
	}

	deadline := time.Now().Add(timeout)
	for {
		n, err := c.poll(path, q, until, min(time.Until(deadline), maxWait))
		switch {
		case err == nil && !n.TimedOut:
			return n
		case err != nil && !(mayCome && notFound(err)):
			tb.Fatalf("pnpdtest: waiting for %s: %v", what, err)
		case time.Now().After(deadline) && err != nil:
			tb.Fatalf("pnpdtest: %s did not come within %v", what, timeout)
		case time.Now().After(deadline):
			tb.Fatalf("pnpdtest: %s did not become %s within %v: %s", what, until, timeout,
				describe(n))
		case err != nil:
			// Not found yet: a server that does not wait for it to come
			// would otherwise be asked in a tight loop.
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// notFound tells the sandbox's not_found from a 404 of a server without
// the endpoint, which waiting would not change.
func notFound(err error) bool {
	var apiErr *APIError

	return errors.As(err, &apiErr) && apiErr.Code == "not_found"
}

// poll asks for the notification at path, waiting up to wait for until.
func (c *Client) poll(path string, q url.Values, until Until,
	wait time.Duration) (Notification, error) {
	// The API waits in whole milliseconds, and at least one.
	wait = max(wait, time.Millisecond)
	q = cloneValues(q)
	q.Set("wait", strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
	q.Set("until", string(until))

	ctx, cancel := context.WithTimeout(context.Background(), wait+callTimeout)
	defer cancel()

	var out Notification
	err := c.Do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &out)

	return out, err
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}

	return out
}

// describe tells where a notification stands, for a failure message.
func describe(n Notification) string {
	s := fmt.Sprintf("state %s", n.State)
	if w := n.Webhook; w != nil {
		s += fmt.Sprintf(", webhook settled=%t delivered=%t after %d attempts", w.Settled,
			w.Delivered, len(w.Attempts))
		if !w.NextAttemptAt.IsZero() {
			s += ", next at " + w.NextAttemptAt.Format(time.RFC3339)
		}
	}

	return s
}

// InjectWebhookFaults adds faults to the channel's next webhook attempts,
// in order, and returns every fault still pending.
func (c *Client) InjectWebhookFaults(tb testing.TB, channelID string,
	faults ...FaultSpec) []Fault {
	tb.Helper()

	var out struct {
		Faults []Fault `json:"faults"`
	}
	for _, f := range faults {
		c.call(tb, http.MethodPost, pathf("/sandbox/v1/channels/%s/webhook-faults", channelID),
			f, &out)
	}
	if len(faults) == 0 {
		return c.WebhookFaults(tb, channelID)
	}

	return out.Faults
}

// WebhookFaults lists the channel's faults with some attempts left.
func (c *Client) WebhookFaults(tb testing.TB, channelID string) []Fault {
	tb.Helper()

	var out struct {
		Faults []Fault `json:"faults"`
	}
	c.call(tb, http.MethodGet, pathf("/sandbox/v1/channels/%s/webhook-faults", channelID),
		nil, &out)

	return out.Faults
}

// ClearWebhookFaults drops the channel's pending faults.
func (c *Client) ClearWebhookFaults(tb testing.TB, channelID string) {
	tb.Helper()

	c.call(tb, http.MethodDelete, pathf("/sandbox/v1/channels/%s/webhook-faults", channelID),
		nil, nil)
}
