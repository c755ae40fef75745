// Package server assembles a pnpd server from its parts: the store, the job
// queue and its workers, the LINE-compatible API, the recipient API and,
// in sandbox mode, the sandbox API. cmd/pnpd and tests start it.
package server

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/console"
	"github.com/pnpd/pnpd/flow"
	"github.com/pnpd/pnpd/internal/quietlog"
	"github.com/pnpd/pnpd/keyring"
	"github.com/pnpd/pnpd/lineapi"
	"github.com/pnpd/pnpd/messenger"
	"github.com/pnpd/pnpd/metrics"
	"github.com/pnpd/pnpd/pnptemplate"
	"github.com/pnpd/pnpd/postgres"
	"github.com/pnpd/pnpd/receiving"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/sms"
	"github.com/pnpd/pnpd/sqlite"
	"github.com/pnpd/pnpd/webhook"
)

// Config is a validated server configuration.
type Config struct {
	Addr    string // listen address, e.g. 127.0.0.1:8080
	DataDir string // holds pnpd.db, and pnpd.key unless KeyFile says
	// DatabaseURL, a postgres:// URL, keeps the data in PostgreSQL, where
	// several nodes may share it, rather than in DataDir's SQLite file.
	DatabaseURL string
	// DatabaseMaxConns bounds the node's connections to PostgreSQL, besides
	// the one that listens for other nodes' news; 20 when zero.
	DatabaseMaxConns int
	// KeyFile holds the key that encrypts the channel secrets at rest;
	// DataDir/pnpd.key when empty. It is created on the first start, and
	// a database with encrypted secrets never starts without it.
	KeyFile string
	// Sandbox serves the test API under /sandbox/v1 behind SandboxToken.
	Sandbox      bool
	SandboxToken string
	// RateLimit is each channel's requests per second per endpoint.
	RateLimit float64
	// ClientLimits bound how often one client address asks for and enters
	// SMS codes; the zero value limits nothing.
	ClientLimits messenger.ClientLimits
	// ReadTimeout and WriteTimeout bound reading a request and writing its
	// answer; 30 s each when zero.
	ReadTimeout, WriteTimeout time.Duration
	ServiceCountries          []string
	DefaultCountry            string
	// Templates is the template catalogue; the embedded one when nil.
	Templates *pnptemplate.Catalogue
	// APITimeout bounds each wait of a request to the LINE-compatible API
	// for the database (receiving.DefaultTimeout when zero): past it, the
	// request fails, and a push is not stored.
	APITimeout time.Duration
	// JobRescueAfter is how long a job may run before it counts as lost in
	// a crash and runs again.
	JobRescueAfter time.Duration
	// JobPollInterval is how often idle job workers look for new jobs; it
	// bounds how soon a webhook leaves after its delivery (default 50 ms).
	JobPollInterval time.Duration
	// WebhookPrivate lets webhooks and the webhook test reach loopback,
	// private and link-local addresses. Off, a platform's webhooks reach
	// only the public internet, so a business cannot aim them at the
	// operator's own network; the sandbox always allows them, for
	// receivers on the developer's machine.
	WebhookPrivate bool
	// SMSGateway, when set, is the URL of the SMS service verification codes
	// are sent to (see sms.Gateway), with SMSGatewayToken as its Bearer
	// token; the outbox keeps a record too. Without it codes reach only the
	// outbox: the sandbox's test phone, or, on a platform, nowhere.
	SMSGateway, SMSGatewayToken string
	// Metrics serves Prometheus's metrics at /metrics.
	Metrics bool
	// Pprof serves Go's profiler at /debug/pprof/; anyone who reaches the
	// server can then profile it.
	Pprof bool
	// AdminPassword is the password of the console's first operator,
	// "admin", created on the first start; a generated one, which
	// AdminPasswordGenerated returns, when empty.
	AdminPassword string
	// PasswordHasher hashes operators' passwords; RFC 9106's recommended
	// argon2id parameters when zero. Tests use cheaper ones.
	PasswordHasher console.Hasher
	Logger         *slog.Logger
}

// database is what the server needs of a store: the SQLite or the
// PostgreSQL one.
type database interface {
	pnpd.Store
	Jobs() *river.Client[*sql.Tx]
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Ping(ctx context.Context) error
	QueueDepth(ctx context.Context) (map[string]map[string]int, error)
	Keyring() *keyring.Keyring
	MakeDue(ctx context.Context, until time.Time) (int, error)
	// ChannelsCommitted forgets the channels and tokens the store
	// remembers, when another node changed them.
	ChannelsCommitted()
	// TrustChannelCache stops the store remembering channels and tokens
	// while this node may not hear of other nodes' changes, and resumes.
	TrustChannelCache(trusted bool)
}

// Server is a running pnpd.
type Server struct {
	cfg   Config
	db    database
	clock *pnpd.OffsetClock
	http  *http.Server
	ln    net.Listener
	log   *slog.Logger
	// quiet logs a warning that may repeat for as long as the database is
	// away (readiness probes, scrapes, the other nodes' signals) once in a
	// while.
	quiet  *slog.Logger
	broker *messenger.Broker
	// peers are the other nodes on the same PostgreSQL; nil on SQLite.
	peers   *peers
	recv    *receiving.Service
	metrics *metrics.Metrics
	// webhooks sends the webhooks and the webhook test.
	webhooks *webhook.Sender
	// adminPassword is the first operator's generated password, shown once.
	adminPassword string

	started  atomic.Bool // the job workers run
	stopping atomic.Bool // Shutdown has begun

	shutdown    sync.Once
	shutdownErr error
}

// New opens the data folder and wires the server; Start runs it.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Logger = slog.New(requestIDHandler{cfg.Logger.Handler()})
	if cfg.DefaultCountry == "" {
		cfg.DefaultCountry = "JP"
	}
	if cfg.Templates == nil {
		cfg.Templates = pnptemplate.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}

	s := &Server{cfg: cfg, clock: &pnpd.OffsetClock{}, log: cfg.Logger,
		quiet:   slog.New(quietlog.New(cfg.Logger.Handler(), 10*time.Second)),
		metrics: metrics.New(), broker: messenger.NewBroker()}
	if cfg.DatabaseURL != "" {
		p, err := newPeers(ctx, s)
		if err != nil {
			return nil, err
		}
		s.peers = p
	}

	workers := river.NewWorkers()
	db, err := openDatabase(ctx, cfg, workers, s.peers, s.metrics)
	if err != nil {
		s.closePeers()
		return nil, err
	}
	s.db = db
	if s.peers != nil {
		// Until the node listens for the others' news, its cache cannot
		// be trusted.
		db.TrustChannelCache(false)
	}

	if err := s.wire(ctx, workers); err != nil {
		db.Close()
		s.closePeers()
		return nil, err
	}

	return s, nil
}

func (s *Server) closePeers() {
	if s.peers != nil {
		s.peers.close()
	}
}

// openDatabase opens the store cfg names, with the job workers; m counts
// PostgreSQL's retried transactions.
// On PostgreSQL, with peers, it remembers channels and tokens, as the
// peers tell it what the other nodes changed, and tells them its changes.
func openDatabase(ctx context.Context, cfg Config, workers *river.Workers,
	p *peers, m *metrics.Metrics) (database, error) {
	keyFile := cmp.Or(cfg.KeyFile, filepath.Join(cfg.DataDir, keyring.FileName))
	if cfg.DatabaseURL != "" {
		opts := postgres.Options{Workers: workers, Logger: cfg.Logger,
			RescueAfter: cfg.JobRescueAfter, PollInterval: cfg.JobPollInterval,
			KeyFile: keyFile, MaxConns: cfg.DatabaseMaxConns,
			Retried: m.CountRetries(postgres.RetryReasons)}
		if p != nil {
			channel, payload := p.bus.ChannelsNotify()
			opts.CacheChannels = true
			opts.ChannelsNotify = postgres.Notification{Channel: channel, Payload: payload}
		}

		return postgres.Open(ctx, cfg.DatabaseURL, opts)
	}

	return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "pnpd.db"), sqlite.Options{
		Workers: workers, Logger: cfg.Logger, RescueAfter: cfg.JobRescueAfter,
		PollInterval: cfg.JobPollInterval, KeyFile: keyFile})
}

func (s *Server) wire(ctx context.Context, workers *river.Workers) error {
	if err := s.checkMode(ctx); err != nil {
		return err
	}
	if s.cfg.Sandbox {
		if err := sandbox.RestoreClock(ctx, s.db, s.clock); err != nil {
			return err
		}

		err := s.db.Update(ctx, func(q pnpd.Queries) error {
			return sandbox.SeedMagicNumbers(ctx, q, s.clock)
		})
		if err != nil {
			return fmt.Errorf("seed the magic numbers: %w", err)
		}
	}

	if err := s.ensureAdmin(ctx); err != nil {
		return err
	}

	rules := flow.DefaultRules()
	if len(s.cfg.ServiceCountries) > 0 {
		rules.ServiceCountries = s.cfg.ServiceCountries
	}

	recv := &receiving.Service{Store: s.db, Rules: rules, Clock: s.clock, Log: s.log,
		Changed: s.changed, Outcomes: s.metrics.Notifications, Timeout: s.cfg.APITimeout}
	s.recv = recv
	if s.cfg.Sandbox {
		// The magic numbers always behave one way: nothing acts on them.
		recv.Reserved = sandbox.RefuseMagic
	}
	s.metrics.WatchQueue(s.db.QueueDepth)
	s.webhooks = &webhook.Sender{PublicOnly: !s.cfg.Sandbox && !s.cfg.WebhookPrivate}
	hooks := webhook.NewWorker(s.db, s.clock, s.webhooks, s.log)
	hooks.Metrics = s.metrics
	hooks.InjectFaults = s.cfg.Sandbox
	hooks.FaultDelayLimit = s.faultDelayLimit()
	webhook.Register(workers, hooks)
	river.AddWorker(workers, &receiving.ExpiryWorker{Service: recv})
	s.db.Jobs().PeriodicJobs().Add(receiving.ExpiryPeriodicJob())

	s.http = &http.Server{
		Handler:           s.routes(recv),
		ReadHeaderTimeout: 10 * time.Second,
		// A client that stops sending mid-body or idles forever gives up
		// its connection; a 2 MB push arrives well within these.
		ReadTimeout: cmp.Or(s.cfg.ReadTimeout, 30*time.Second),
		// An answer that cannot be written in this time goes to a client
		// that stopped reading. The live-update stream sets its own.
		WriteTimeout:   cmp.Or(s.cfg.WriteTimeout, 30*time.Second),
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	// The live-update streams would hold the shutdown up to its end.
	s.http.RegisterOnShutdown(s.broker.Close)

	return nil
}

// ensureAdmin creates the console's first operator on the first start.
// Later, a password given for admin changes nothing, which the log says,
// so that an operator who set it to get back in learns what does.
func (s *Server) ensureAdmin(ctx context.Context) error {
	generated, created, err := console.EnsureAdmin(ctx, s.db, s.cfg.PasswordHasher,
		s.clock.Now(), s.cfg.AdminPassword)
	if err != nil {
		return err
	}

	s.adminPassword = generated
	if !created && s.cfg.AdminPassword != "" {
		s.log.WarnContext(ctx, "Ignored the admin password given: the console has "+
			"operators already", "hint", "to change admin's password, stop pnpd and "+
			"run pnpd admin-password")
	}

	return nil
}

func (s *Server) routes(recv *receiving.Service) http.Handler {
	mux := http.NewServeMux()
	(&lineapi.API{Store: s.db, Receiving: recv, Clock: s.clock, Log: s.log,
		RateLimit: s.cfg.RateLimit, Metrics: s.metrics, Templates: s.cfg.Templates,
		Words: messenger.Words, Webhooks: s.webhooks,
		TokenKey: s.db.Keyring().TokenKey(), Nodes: s.liveNodes,
		Timeout: s.cfg.APITimeout}).Register(mux)

	outbox := &sms.Outbox{Store: s.db, Clock: s.clock, HideCodes: !s.cfg.Sandbox}
	codes := &sms.Codes{Store: s.db, Clock: s.clock, Limits: sms.DefaultLimits(), Log: s.log,
		Sender: countedSender{Sender: s.smsSender(outbox), metrics: s.metrics}}
	(&messenger.API{Store: s.db, Receiving: recv, Codes: codes, Clock: s.clock, Log: s.log,
		DefaultCountry: s.cfg.DefaultCountry, SessionFor: 30 * 24 * time.Hour,
		Sandbox: s.cfg.Sandbox, Broker: s.broker,
		ClientLimits: s.cfg.ClientLimits}).Register(mux)

	if s.cfg.Sandbox {
		(&sandbox.API{Store: s.db, Clock: s.clock, Receiving: recv, Token: s.cfg.SandboxToken,
			Log: s.log, Expire: expire(recv), JobsDue: s.db.MakeDue, ClockMoved: s.clockMoved,
			MaxFaultDelay: s.faultDelayLimit(),
			Templates:     s.cfg.Templates, Codes: codes,
			DefaultCountry: s.cfg.DefaultCountry}).Register(mux)
	}
	(&console.Console{Store: s.db, Receiving: recv, Clock: s.clock, Log: s.log,
		Hasher: s.cfg.PasswordHasher, Countries: recv.Rules.ServiceCountries,
		Sandbox: s.cfg.Sandbox, Webhooks: s.webhooks}).Register(mux)
	s.operations(mux)

	return mux
}

// modeSetting records whether a data folder holds a sandbox's test data or
// a platform's real data.
const modeSetting = "pnpd.mode"

// checkMode keeps sandbox mode off a platform's data and a platform off a
// sandbox's: the sandbox moves the clock, shows SMS codes and wipes data,
// and its test data and moved clock have no place in production. The first
// start decides the folder's mode.
func (s *Server) checkMode(ctx context.Context) error {
	mode := "platform"
	if s.cfg.Sandbox {
		mode = "sandbox"
	}

	stored, err := s.db.Setting(ctx, modeSetting)
	switch {
	case err != nil:
		return fmt.Errorf("read data folder mode: %w", err)
	case stored == "":
		return s.db.SetSetting(ctx, modeSetting, mode)
	case stored == mode:
		return nil
	case s.cfg.Sandbox:
		return fmt.Errorf("%s holds a platform's data: sandbox mode (--sandbox, "+
			"--demo) would let anyone with the sandbox token move its clock and wipe "+
			"it; give the sandbox %s of its own", s.where(), s.whatKind())
	default:
		return fmt.Errorf("%s holds a sandbox's test data and moved clock: start it "+
			"with --sandbox, or give the platform %s of its own", s.where(), s.whatKind())
	}
}

// where names the store in messages: the data folder, or the database,
// whose URL may hold a password.
func (s *Server) where() string {
	if s.cfg.DatabaseURL != "" {
		return "the database PNPD_DATABASE_URL names"
	}

	return "the data folder " + s.cfg.DataDir
}

func (s *Server) whatKind() string {
	if s.cfg.DatabaseURL != "" {
		return "a database"
	}

	return "a data folder"
}

// faultDelayLimit is the longest delay fault this server's job settings
// can hold.
func (s *Server) faultDelayLimit() time.Duration {
	return webhook.FaultDelayLimit(cmp.Or(s.cfg.JobRescueAfter, sqlite.DefaultRescueAfter))
}

// changed wakes the pages of recipients whose chats changed: here at once,
// and on the other nodes through the peers.
func (s *Server) changed(recipientIDs ...string) {
	s.broker.Publish(recipientIDs...)
	if s.peers != nil {
		s.peers.bus.Publish(recipientIDs...)
	}
}

// liveNodes is how many nodes share the per-channel rate limits.
func (s *Server) liveNodes() int {
	if s.peers == nil {
		return 1
	}

	return s.peers.nodes.Live()
}

// clockMoved tells the other nodes that the sandbox clock moved.
func (s *Server) clockMoved() {
	if s.peers != nil {
		s.peers.bus.ClockMoved()
	}
}

// Store is the server's store, for seeding and tests.
func (s *Server) Store() pnpd.Store { return s.db }

// AdminPasswordGenerated is the password generated for the console's first
// operator, "admin", on this start: to be shown once. It is empty when an
// operator existed already or Config.AdminPassword was set.
func (s *Server) AdminPasswordGenerated() string { return s.adminPassword }

// Clock is the server's clock.
func (s *Server) Clock() *pnpd.OffsetClock { return s.clock }

// Keyring holds the keys derived from the key file: the channel secrets'
// and, in TokenKey, the one that signs access tokens.
func (s *Server) Keyring() *keyring.Keyring { return s.db.Keyring() }

// Start listens and starts serving and working jobs. It returns once the
// listener is bound; Addr then tells where.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.ln = ln

	if err := s.db.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	if s.peers != nil {
		s.peers.start()
	}
	s.started.Store(true)

	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("HTTP server stopped", "error", err)
		}
	}()

	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string {
	return s.ln.Addr().String()
}

// URL is the server's base URL.
func (s *Server) URL() string {
	return "http://" + s.Addr()
}

// Shutdown stops taking requests, lets running ones finish until ctx is
// done and then closes the connections still open, stops the job workers
// (giving running jobs their own grace period) and closes the database.
// Calls after the first wait for it and return its result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdown.Do(func() { s.shutdownErr = s.stop(ctx) })

	return s.shutdownErr
}

func (s *Server) stop(ctx context.Context) error {
	// Readiness fails from here on, so a load balancer stops sending
	// requests while the running ones finish.
	s.stopping.Store(true)

	var errs []error
	if s.ln != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			s.log.Warn("Closed connections that did not finish in time", "error", err)
			errs = append(errs, ignoreDeadline(s.http.Close()))
		}

		jobsCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errs = append(errs, s.db.Stop(jobsCtx))
	}
	s.closePeers()
	errs = append(errs, s.db.Close())

	return errors.Join(errs...)
}

func ignoreDeadline(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}

	return err
}

// ResetAdminPassword opens cfg's data folder, while no pnpd runs on it, and
// gives the console's operator admin cfg.AdminPassword, or a generated
// password that it returns. The admin's sessions end.
func ResetAdminPassword(ctx context.Context, cfg Config) (string, error) {
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "pnpd.db")); err != nil {
			return "", fmt.Errorf("no pnpd data in %s: %w", cfg.DataDir, err)
		}
	}

	cfg.Logger = slog.New(slog.DiscardHandler)
	db, err := openDatabase(ctx, cfg, nil, nil, nil)
	if err != nil {
		return "", err
	}
	defer db.Close()

	return console.ResetAdminPassword(ctx, db, cfg.PasswordHasher, cfg.AdminPassword)
}

// smsSender is the gateway, with the outbox keeping a record, or the
// outbox alone.
func (s *Server) smsSender(outbox *sms.Outbox) sms.Sender {
	if s.cfg.SMSGateway == "" {
		return outbox
	}

	return sms.Both{First: &sms.Gateway{URL: s.cfg.SMSGateway, Token: s.cfg.SMSGatewayToken},
		Then: outbox}
}
