package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pnpd/pnpd"
)

// stateLabels say what each state means to an operator.
var stateLabels = map[pnpd.NotificationState]string{
	pnpd.StateHeldForConsent: "Held for consent",
	pnpd.StateHeldForSMS:     "Held for SMS verification",
	pnpd.StateDelivered:      "Delivered",
	pnpd.StateExpired:        "Expired: not deliverable within 24 hours",
	pnpd.StateBlocked:        "Dropped: the recipient blocked the channel",
	pnpd.StateRejected:       "Dropped: the recipient refused notifications",
	pnpd.StateNumberChanged:  "Dropped: the recipient's number changed",
}

// searchStates are the states the search offers, in the flow's order.
var searchStates = []pnpd.NotificationState{pnpd.StateHeldForConsent,
	pnpd.StateHeldForSMS, pnpd.StateDelivered, pnpd.StateExpired, pnpd.StateBlocked,
	pnpd.StateRejected, pnpd.StateNumberChanged}

// notificationsData is the search page's: the query, the channels to pick
// from and one page of results.
type notificationsData struct {
	Query    string
	Channel  string
	State    pnpd.NotificationState
	Channels []*pnpd.Channel
	States   []pnpd.NotificationState
	Rows     []notificationRow
	// Next is the address of the following page, "" on the last.
	Next string
}

// notificationRow is one notification in the list.
type notificationRow struct {
	N       *pnpd.Notification
	Channel string // its name, or its ID when gone
}

// notificationsPage lists sent notifications, newest first. The search
// box takes a request ID (x-line-request-id) or a delivery tag. With the
// trace page it is the operator's view: the business's API keeps LINE's
// silence about what became of a notification.
func (c *Console) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := notificationsData{Query: strings.TrimSpace(q.Get("q")), Channel: q.Get("channel"),
		State: pnpd.NotificationState(q.Get("state")), States: searchStates}
	f := pnpd.NotificationFilter{ChannelID: d.Channel, State: d.State,
		Before: parseCursor(q.Get("before")), Limit: pageSize}

	names, err := c.channelNames(r, &d)
	if err != nil {
		return err
	}
	if !knownChannel(d.Channels, d.Channel) ||
		d.State != "" && !slices.Contains(searchStates, d.State) {
		return pnpd.Errorf(pnpd.EInvalid, "Choose a channel and a state from the lists.")
	}

	found, err := c.search(r, f, d.Query)
	if err != nil {
		return err
	}

	for _, n := range found {
		d.Rows = append(d.Rows, notificationRow{N: n, Channel: names[n.ChannelID]})
	}
	if len(found) == pageSize {
		d.Next = nextPage(q, found[len(found)-1].Cursor())
	}
	c.render(w, r, http.StatusOK, "notifications.html",
		&page{Title: "Notifications", Data: d})

	return nil
}

// pageSize is how many notifications one page of the search lists.
const pageSize = 50

// search finds what the query names: the notification with that request
// ID, else those sent with that delivery tag, else, with no query, all.
func (c *Console) search(r *http.Request, f pnpd.NotificationFilter,
	query string) ([]*pnpd.Notification, error) {
	if query == "" {
		return c.searchStore(r, f)
	}

	f.RequestID = query
	found, err := c.searchStore(r, f)
	if err != nil || len(found) > 0 {
		return found, err
	}

	f.RequestID, f.DeliveryTag = "", query

	return c.searchStore(r, f)
}

func (c *Console) searchStore(r *http.Request,
	f pnpd.NotificationFilter) ([]*pnpd.Notification, error) {
	found, err := c.Store.SearchNotifications(r.Context(), f)
	if err != nil {
		return nil, fmt.Errorf("search notifications: %w", err)
	}

	return found, nil
}

// channelNames loads the channels for the filter and maps IDs to names.
func (c *Console) channelNames(r *http.Request, d *notificationsData) (map[string]string,
	error) {
	channels, err := c.Store.Channels(r.Context())
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}

	d.Channels = channels
	names := map[string]string{}
	for _, ch := range channels {
		names[ch.ID] = ch.Name
	}

	return names, nil
}

// parseCursor reads a page's place: milliseconds, a dot and the request
// ID. A malformed one starts from the newest.
func parseCursor(s string) pnpd.NotificationCursor {
	ms, id, ok := strings.Cut(s, ".")
	at, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return pnpd.NotificationCursor{}
	}

	return pnpd.NotificationCursor{AcceptedAt: time.UnixMilli(at), ID: id}
}

// nextPage is the address of the page after the one that ended at last.
func nextPage(q url.Values, last pnpd.NotificationCursor) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	next.Set("before", strconv.FormatInt(last.AcceptedAt.UnixMilli(), 10)+"."+last.ID)

	return "/console/notifications?" + next.Encode()
}

// traceData is one notification's delivery trace.
type traceData struct {
	N        *pnpd.Notification
	Channel  *pnpd.Channel // nil when the channel is gone
	Steps    []traceStep
	Event    *pnpd.WebhookEvent
	Attempts []pnpd.WebhookAttempt
	// Webhook says why no webhook event exists, when none does.
	Webhook string
}

// traceStep is a step with the time it took from acceptance.
type traceStep struct {
	pnpd.TraceStep
	Label string
	Since time.Duration
	Final bool
}

// tracePage shows a notification's path from acceptance to its end, and
// every attempt to send its delivery webhook.
func (c *Console) tracePage(w http.ResponseWriter, r *http.Request) error {
	n, err := c.Store.Notification(r.Context(), r.PathValue("requestID"))
	if pnpd.ErrorCode(err) == pnpd.ENotFound {
		return pnpd.Errorf(pnpd.ENotFound, "No notification has that request ID.")
	}
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}

	d := traceData{N: n}
	if err := c.loadTrace(r, &d); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "trace.html",
		&page{Title: "Notification " + n.ID, Data: d})

	return nil
}

func (c *Console) loadTrace(r *http.Request, d *traceData) error {
	ctx := r.Context()
	ch, err := c.Store.Channel(ctx, d.N.ChannelID)
	if err != nil && pnpd.ErrorCode(err) != pnpd.ENotFound {
		return fmt.Errorf("trace: %w", err)
	}
	d.Channel = ch

	steps, err := c.Store.NotificationTrace(ctx, d.N.ID)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	for i, s := range steps {
		d.Steps = append(d.Steps, traceStep{TraceStep: s, Label: stateLabels[s.State],
			Since: s.At.Sub(d.N.AcceptedAt), Final: i == len(steps)-1 && !s.State.Held()})
	}

	return c.loadWebhook(r, d)
}

// loadWebhook adds the delivery webhook's event and attempts, or says why
// there is none.
func (c *Console) loadWebhook(r *http.Request, d *traceData) error {
	e, err := c.Store.WebhookEventByNotification(r.Context(), d.N.ID)
	switch {
	case pnpd.ErrorCode(err) == pnpd.ENotFound:
		d.Webhook = noWebhook(d.N, d.Channel)
		return nil
	case err != nil:
		return fmt.Errorf("trace: %w", err)
	}

	d.Event = e
	d.Attempts, err = c.Store.WebhookAttempts(r.Context(), e.ID)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}

	return nil
}

// noWebhook says why a notification has no delivery webhook.
func noWebhook(n *pnpd.Notification, ch *pnpd.Channel) string {
	switch {
	case n.State != pnpd.StateDelivered:
		return "None: a webhook is sent only for a delivered notification."
	case ch == nil || !ch.WebhookEnabled || ch.WebhookURL == "":
		return "None: the channel's webhook was off when it was delivered."
	default:
		return "None recorded."
	}
}

// since writes how long after acceptance a step came, to the second, or
// to the millisecond under a second.
func since(d time.Duration) string {
	switch {
	case d <= 0:
		return "at once"
	case d < time.Second:
		return fmt.Sprintf("+%d ms", d.Milliseconds())
	default:
		return "+" + d.Truncate(time.Second).String()
	}
}
