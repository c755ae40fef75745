package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/pnpd/pnpd/lineapi"
	"github.com/pnpd/pnpd/metrics"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sms"
)

// operations adds what operators and their tools read: health, readiness
// and, as configured, metrics and the profiler.
func (s *Server) operations(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", s.ready)

	if s.cfg.Metrics {
		mux.Handle("GET /metrics", s.metrics.Handler(s.quiet))
	}

	if s.cfg.Pprof {
		// The command line is left out: it may hold --sandbox-token.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
}

// readyTimeout bounds the database check of a readiness probe.
const readyTimeout = 2 * time.Second

// ready answers 200 while the server can take work: the database answers
// and the job workers run. It answers 503 from the start of Shutdown.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.stopping.Load():
		writeText(w, http.StatusServiceUnavailable, "shutting down")
		return
	case !s.jobsRunning():
		writeText(w, http.StatusServiceUnavailable, "job workers not running")
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()

	if err := s.db.Ping(ctx); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.quiet.WarnContext(ctx, "Database not ready", "error", err)
		}
		writeText(w, http.StatusServiceUnavailable, "database not answering")

		return
	}

	writeText(w, http.StatusOK, "ok")
}

// jobsRunning reports whether the job workers started and have not stopped.
func (s *Server) jobsRunning() bool {
	if !s.started.Load() {
		return false
	}

	select {
	case <-s.db.Jobs().Stopped():
		return false
	default:
		return true
	}
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text + "\n"))
}

// expire runs the expiry sweep for the sandbox after its clock moved; the
// service counts what expired.
func expire(recv *receiving.Service) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := recv.Expire(ctx)
		return err
	}
}

// countedSender counts the text messages its Sender sent.
type countedSender struct {
	sms.Sender
	metrics *metrics.Metrics
}

func (c countedSender) Send(ctx context.Context, e164, text string) error {
	if err := c.Sender.Send(ctx, e164, text); err != nil {
		return err
	}
	c.metrics.SMSSent()

	return nil
}

// requestIDHandler adds the LINE request ID to every line logged in the
// course of a LINE API request, whichever package logs it, so one
// request's lines can be found together.
type requestIDHandler struct {
	slog.Handler
}

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := lineapi.RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}

	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
