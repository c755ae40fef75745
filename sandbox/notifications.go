package sandbox

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/webhook"
)

// registerNotifications adds the endpoints that follow notifications and
// their webhooks, inject webhook faults and reset the data.
func (a *API) registerNotifications(route routeFunc) {
	route("GET /sandbox/v1/notifications/{requestID}", a.notification)
	route("GET /sandbox/v1/notifications", a.notificationByTag)
	route("POST /sandbox/v1/channels/{channelID}/webhook-faults", a.addFaults)
	route("GET /sandbox/v1/channels/{channelID}/webhook-faults", a.faults)
	route("DELETE /sandbox/v1/channels/{channelID}/webhook-faults", a.clearFaults)
	route("POST /sandbox/v1/reset", a.reset)
}

// notificationView is a notification as the sandbox shows it.
type notificationView struct {
	RequestID   string                 `json:"requestId"`
	ChannelID   string                 `json:"channelId"`
	Kind        pnpd.NotificationKind  `json:"kind"`
	State       pnpd.NotificationState `json:"state"`
	Final       bool                   `json:"final"`
	DeliveryTag string                 `json:"deliveryTag,omitempty"`
	To          string                 `json:"to"`
	AcceptedAt  time.Time              `json:"acceptedAt"`
	ExpiresAt   time.Time              `json:"expiresAt"`
	DeliveredAt *time.Time             `json:"deliveredAt,omitempty"`
	Webhook     *webhookView           `json:"webhook"`
	TimedOut    bool                   `json:"timedOut"`
}

// webhookView is the delivery event of a notification and its attempts.
type webhookView struct {
	EventID       string        `json:"eventId"`
	Settled       bool          `json:"settled"`
	Delivered     bool          `json:"delivered"`
	NextAttemptAt *time.Time    `json:"nextAttemptAt,omitempty"`
	Attempts      []attemptView `json:"attempts"`
}

type attemptView struct {
	Attempt    int            `json:"attempt"`
	At         time.Time      `json:"at"`
	StatusCode int            `json:"statusCode"`
	Reason     string         `json:"reason"`
	Detail     string         `json:"detail"`
	LatencyMs  int64          `json:"latencyMs"`
	Redelivery bool           `json:"redelivery"`
	Injected   pnpd.FaultKind `json:"injected,omitempty"`
}

// notification is GET /notifications/{requestId}: the notification a push
// answered with that x-line-request-id, at once or once a condition holds.
func (a *API) notification(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("requestID")
	find := func(ctx context.Context) (*pnpd.Notification, error) {
		n, err := a.Store.Notification(ctx, id)
		return n, notFoundAs(err, "No notification has this request ID.")
	}

	return a.follow(w, r, find, false)
}

// notificationByTag is GET /notifications?deliveryTag=: the newest
// notification with that X-Line-Delivery-Tag, optionally of one channel.
// With a wait it also waits for one to exist.
func (a *API) notificationByTag(w http.ResponseWriter, r *http.Request) error {
	tag, channelID := r.URL.Query().Get("deliveryTag"), r.URL.Query().Get("channelId")
	if tag == "" {
		return pnpd.Errorf(pnpd.EInvalid,
			"Give deliveryTag, the X-Line-Delivery-Tag the notification was sent with.")
	}

	find := func(ctx context.Context) (*pnpd.Notification, error) {
		n, err := a.Store.NotificationByDeliveryTag(ctx, tag, channelID)
		return n, notFoundAs(err, "No notification has this delivery tag.")
	}

	return a.follow(w, r, find, true)
}

// notFoundAs gives a not-found error the sandbox's own message.
func notFoundAs(err error, message string) error {
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return pnpd.Errorf(pnpd.ENotFound, "%s", message)
	}

	return err
}

// follow answers with the view of the notification find finds, after
// waiting as the query asks. awaitFirst makes it wait for one to exist.
func (a *API) follow(w http.ResponseWriter, r *http.Request,
	find func(context.Context) (*pnpd.Notification, error), awaitFirst bool) error {
	spec, err := parseWait(r.URL.Query())
	if err != nil {
		return err
	}

	if spec.wait > 0 {
		// The wait may outlast the server's write timeout.
		_ = http.NewResponseController(w).SetWriteDeadline(
			time.Now().Add(spec.wait + 10*time.Second))
	}

	v, err := a.await(r.Context(), spec, find, awaitFirst)
	if err != nil {
		return err
	}

	writeJSON(w, http.StatusOK, v)

	return nil
}

// waitSpec is what a request asks to wait for.
type waitSpec struct {
	wait  time.Duration // 0 to answer at once
	until string        // untilFinal or untilWebhook
}

const (
	untilFinal   = "final"
	untilWebhook = "webhook"
	// maxWait is the longest a request may wait.
	maxWait = 30 * time.Second
	// pollEvery is how often a waiting request looks again.
	pollEvery = 25 * time.Millisecond
)

func parseWait(q url.Values) (waitSpec, error) {
	spec := waitSpec{until: untilFinal}
	if q.Has("until") {
		spec.until = q.Get("until")
	}
	if spec.until != untilFinal && spec.until != untilWebhook {
		return spec, pnpd.Errorf(pnpd.EInvalid, "Give until as final or webhook.")
	}

	if !q.Has("wait") {
		return spec, nil
	}

	secs, err := strconv.ParseFloat(q.Get("wait"), 64)
	if err != nil || math.IsNaN(secs) || secs <= 0 || secs > maxWait.Seconds() {
		return spec, pnpd.Errorf(pnpd.EInvalid,
			"Give wait as a number of seconds above 0 and at most 30.")
	}
	spec.wait = time.Duration(secs * float64(time.Second))

	return spec, nil
}

// await builds the view until it reaches what spec asks for, or spec's
// wait is over; then it answers with timedOut set, or the error that
// finding the notification last gave.
func (a *API) await(ctx context.Context, spec waitSpec,
	find func(context.Context) (*pnpd.Notification, error),
	awaitFirst bool) (*notificationView, error) {
	deadline := time.Now().Add(spec.wait)
	for {
		v, err := a.lookup(ctx, find)
		missing := pnpd.ErrorCode(err) == pnpd.ENotFound && awaitFirst
		if err != nil && !missing {
			return nil, err
		}
		if err == nil && (spec.wait == 0 || reached(v, spec.until)) {
			return v, nil
		}

		if !time.Now().Before(deadline) {
			if err != nil {
				return nil, err
			}
			v.TimedOut = true

			return v, nil
		}

		if err := pause(ctx, min(pollEvery, time.Until(deadline))); err != nil {
			return nil, err
		}
	}
}

// reached reports whether the notification got where until asks.
func reached(v *notificationView, until string) bool {
	if !v.Final || until == untilFinal {
		return v.Final
	}

	return v.State != pnpd.StateDelivered || v.Webhook == nil || v.Webhook.Settled
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()

	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lookup finds the notification and builds its view.
func (a *API) lookup(ctx context.Context,
	find func(context.Context) (*pnpd.Notification, error)) (*notificationView, error) {
	n, err := find(ctx)
	if err != nil {
		return nil, err
	}

	v := viewOf(n)
	if v.Webhook, err = a.webhookOf(ctx, n); err != nil {
		return nil, err
	}

	return v, nil
}

func viewOf(n *pnpd.Notification) *notificationView {
	v := &notificationView{
		RequestID:   n.ID,
		ChannelID:   n.ChannelID,
		Kind:        n.Kind,
		State:       n.State,
		Final:       !n.State.Held(),
		DeliveryTag: n.DeliveryTag,
		To:          n.To,
		AcceptedAt:  n.AcceptedAt.UTC(),
		ExpiresAt:   n.ExpiresAt.UTC(),
	}
	if !n.DeliveredAt.IsZero() {
		v.DeliveredAt = utc(n.DeliveredAt)
	}

	return v
}

func utc(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}

// webhookOf builds the view of a notification's delivery event, nil when
// it has none: it was not delivered, or its channel's webhook was off.
func (a *API) webhookOf(ctx context.Context, n *pnpd.Notification) (*webhookView, error) {
	e, err := a.Store.WebhookEventByNotification(ctx, n.ID)
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}

	attempts, err := a.Store.WebhookAttempts(ctx, e.ID)
	if err != nil {
		return nil, err
	}

	ch, err := a.Store.Channel(ctx, e.ChannelID)
	if err != nil && pnpd.ErrorCode(err) != pnpd.ENotFound {
		return nil, err
	}

	return webhookViewOf(e, attempts, webhook.Track(e, ch, attempts, a.Clock.Now())), nil
}

func webhookViewOf(e *pnpd.WebhookEvent, attempts []pnpd.WebhookAttempt,
	p webhook.Progress) *webhookView {
	v := &webhookView{EventID: e.ID, Settled: p.Settled, Delivered: p.Delivered,
		Attempts: make([]attemptView, 0, len(attempts))}
	if !p.NextAttemptAt.IsZero() {
		v.NextAttemptAt = utc(p.NextAttemptAt)
	}

	for _, at := range attempts {
		v.Attempts = append(v.Attempts, attemptView{
			Attempt: at.Attempt, At: at.At.UTC(), StatusCode: at.StatusCode,
			Reason: at.Reason, Detail: at.Detail, LatencyMs: at.Latency.Milliseconds(),
			Redelivery: at.Redelivery, Injected: at.Injected,
		})
	}

	return v
}
