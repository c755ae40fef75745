// Package metrics counts what pnpd does for Prometheus: requests to the
// LINE-compatible API, how fast notifications are accepted, what became of
// them, webhook attempts, the SMS sent and the job queue's depth by kind.
// Its registry is its own, so two servers in one process count apart.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
)

// Metrics holds pnpd's metrics. A nil *Metrics counts nothing.
type Metrics struct {
	registry        *prometheus.Registry
	requests        *prometheus.CounterVec
	accept          prometheus.Histogram
	notifications   *prometheus.CounterVec
	webhookAttempts *prometheus.CounterVec
	webhookSeconds  prometheus.Histogram
	smsSent         prometheus.Counter
}

// outcomes are the label values of pnpd_notifications_total, by the flow
// outcome each counts.
var outcomes = map[flow.Outcome]string{
	flow.Deliver:           "delivered",
	flow.HoldForConsent:    "held_consent",
	flow.HoldForSMS:        "held_sms",
	flow.DropBlocked:       "blocked",
	flow.Refuse:            "refused",
	flow.Expire:            "expired",
	flow.DropRejected:      "rejected",
	flow.DropNumberChanged: "number_changed",
}

// webhookReasons are the reasons an attempt can end with; "ok" is a 2xx.
var webhookReasons = []string{"ok", pnpd.ReasonCouldNotConnect, pnpd.ReasonRequestTimeout,
	pnpd.ReasonErrorStatusCode, pnpd.ReasonUnclassified, pnpd.ReasonWebhookDisabled,
	pnpd.ReasonNoRedeliveryLeft}

// New returns pnpd's metrics in a fresh registry, with the Go runtime's and
// the process's.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pnpd_http_requests_total",
			Help: "Requests to the LINE-compatible API, by endpoint and HTTP status.",
		}, []string{"endpoint", "status"}),
		accept: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "pnpd_accept_seconds",
			Help: "Time from a push request's arrival to its answer.",
			// A push answers after one commit: well under a millisecond
			// alone, longer when it waits for a group commit or a busy disk.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pnpd_notifications_total",
			Help: "Notifications by each outcome they reached, at the push " +
				"(delivered, held_consent, held_sms, blocked, refused) or later, " +
				"when a held one is released (delivered), moves on to wait for " +
				"an SMS verification (held_sms), is dropped (blocked, rejected, " +
				"number_changed) or expires (expired).",
		}, []string{"outcome"}),
		webhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pnpd_webhook_attempts_total",
			Help: "Webhook attempts by reason: ok for a 2xx, else why it failed.",
		}, []string{"reason"}),
		webhookSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "pnpd_webhook_seconds",
			Help:    "Time a webhook receiver took to answer, up to the 2 s timeout.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 2.5},
		}),
		smsSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pnpd_sms_sent_total",
			Help: "Text messages sent with a verification code.",
		}),
	}
	m.registry.MustRegister(m.requests, m.accept, m.notifications, m.webhookAttempts,
		m.webhookSeconds, m.smsSent,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.zero()

	return m
}

// zero creates the series whose labels are known in advance, so a rate
// over them starts at the first scrape rather than at the first event.
func (m *Metrics) zero() {
	for _, label := range outcomes {
		m.notifications.WithLabelValues(label)
	}

	for _, reason := range webhookReasons {
		m.webhookAttempts.WithLabelValues(reason)
	}
}

// Request counts a request to an endpoint of the LINE-compatible API.
func (m *Metrics) Request(endpoint string, status int) {
	if m == nil {
		return
	}

	m.requests.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
}

// Accepted records how long a push request took to answer.
func (m *Metrics) Accepted(took time.Duration) {
	if m == nil {
		return
	}

	m.accept.Observe(took.Seconds())
}

// Notification counts a pushed notification by its outcome; Refuse counts
// a refused one.
func (m *Metrics) Notification(o flow.Outcome) {
	m.Notifications(o, 1)
}

// Notifications counts n notifications that reached an outcome: held ones
// that were released, dropped or expired after the push.
func (m *Metrics) Notifications(o flow.Outcome, n int) {
	if m == nil || n <= 0 {
		return
	}

	label, ok := outcomes[o]
	if !ok {
		label = o.String()
	}
	m.notifications.WithLabelValues(label).Add(float64(n))
}

// WebhookAttempt counts a recorded webhook attempt and, when a request was
// sent, how long the receiver took.
func (m *Metrics) WebhookAttempt(a *pnpd.WebhookAttempt) {
	if m == nil {
		return
	}

	reason := a.Reason
	if reason == "" {
		reason = "ok"
	}
	m.webhookAttempts.WithLabelValues(reason).Inc()

	// A skipped attempt sent nothing, so it has no time to record.
	if a.Reason != pnpd.ReasonWebhookDisabled {
		m.webhookSeconds.Observe(a.Latency.Seconds())
	}
}

// SMSSent counts a text message sent.
func (m *Metrics) SMSSent() {
	if m == nil {
		return
	}

	m.smsSent.Inc()
}

// CountRetries adds the counter pnpd_database_retries_total{reason}, with
// each of reasons at zero, and returns what counts a transaction that ran
// again for a reason; nil on a nil *Metrics.
func (m *Metrics) CountRetries(reasons []string) func(reason string) {
	if m == nil {
		return nil
	}

	retries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pnpd_database_retries_total",
		Help: "Transactions run again, by reason: serialization_failure or deadlock " +
			"when nodes changed the same rows at once, session_ended or " +
			"connection_lost when the database went away before the commit.",
	}, []string{"reason"})
	for _, r := range reasons {
		retries.WithLabelValues(r)
	}
	m.registry.MustRegister(retries)

	return func(reason string) { retries.WithLabelValues(reason).Inc() }
}

// QueueDepth counts the jobs waiting to run by job kind, then by River job
// state.
type QueueDepth func(ctx context.Context) (map[string]map[string]int, error)

// WatchQueue adds the gauge pnpd_queue_depth{kind,state}, read from depth at
// each scrape.
func (m *Metrics) WatchQueue(depth QueueDepth) {
	m.registry.MustRegister(&queueCollector{depth: depth, desc: prometheus.NewDesc(
		"pnpd_queue_depth",
		"Jobs waiting to run, by kind (webhook_delivery: webhooks to send; "+
			"expire_held: expiry sweeps) and state (available, scheduled or retryable).",
		[]string{"kind", "state"}, nil)})
}

// Handler serves the metrics in Prometheus's text format. A metric that
// cannot be read is left out and logged; the rest are still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.registry,
	})
}

// queueCollector reads the queue's depth when scraped, so the gauge is
// never stale and costs nothing between scrapes.
type queueCollector struct {
	depth QueueDepth
	desc  *prometheus.Desc
}

// queueReadTimeout bounds the count at a scrape; Prometheus's own scrape
// timeout is 10 s by default.
const queueReadTimeout = 2 * time.Second

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueReadTimeout)
	defer cancel()

	counts, err := c.depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}

	for kind, states := range counts {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n),
				kind, state)
		}
	}
}
