// Command pnpd runs pnpd, a self-hosted platform for notification messages
// addressed by phone number, with LINE's API.
//
//	pnpd serve [--addr 127.0.0.1:8080] [--data ./pnpd-data] [--key-file FILE]
//	           [--demo] [--sandbox]
//	           [--templates catalogue.csv]
//	           [--log-format text|json] [--metrics=false] [--pprof]
//	           [--ip-code-rate N] [--ip-code-burst N]
//	           [--ip-try-rate N] [--ip-try-burst N]
//	           [--admin-password PASSWORD]
//	pnpd templates export
//	pnpd templates check FILE
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/console"
	"github.com/pnpd/pnpd/messenger"
	"github.com/pnpd/pnpd/pnptemplate"
	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pnpd:", err)
		os.Exit(1)
	}
}

const usage = `Usage: pnpd serve [flags]
       pnpd templates export       print the embedded template catalogue (CSV)
       pnpd templates check FILE   check a catalogue file for --templates
       pnpd admin-password [--data DIR] [--key-file FILE] [--database-url URL]
                                   give the console's operator admin the password
                                   in PNPD_ADMIN_PASSWORD, or a generated one it
                                   prints; run it while pnpd is stopped

Runs pnpd: the LINE-compatible notification API, the recipient API and,
with --sandbox, the sandbox API. Every flag can also be set from the
environment variable named beside it.

Flags:
`

// options are the command line and environment, merged.
type options struct {
	addr, data, logLevel, logFormat, sandboxToken, countries, defaultCountry string
	templates, adminPassword, keyFile, smsGateway, smsGatewayToken           string
	databaseURL                                                              string
	databaseMaxConns                                                         int
	demo, sandbox, sandboxPublic, webhookPrivate, metrics, pprof             bool
	rateLimit                                                                float64
	rescueAfter                                                              time.Duration
	clientLimits                                                             messenger.ClientLimits
}

func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "templates":
		return templates(args[1:], stdout)
	case len(args) > 0 && args[0] == "admin-password":
		return adminPassword(ctx, args[1:], getenv, stdout, stderr)
	case len(args) == 1 && slices.Contains([]string{"help", "-h", "-help", "--help"}, args[0]):
		fmt.Fprint(stdout, usage)
		return nil
	case len(args) == 0 || args[0] != "serve":
		fmt.Fprint(stderr, usage)
		return errors.New("the commands are 'serve', 'templates' and 'admin-password'")
	}

	opts, err := parse(args[1:], getenv, stderr)
	if err != nil {
		return err
	}

	return serve(ctx, opts, stdout, stderr)
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}

	var o options
	fs := flag.NewFlagSet("pnpd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&o.addr, "addr", env("PNPD_ADDR", "127.0.0.1:8080"), "listen address (PNPD_ADDR)")
	fs.StringVar(&o.data, "data", env("PNPD_DATA", "./pnpd-data"), "data folder (PNPD_DATA)")
	fs.StringVar(&o.databaseURL, "database-url", env("PNPD_DATABASE_URL", ""),
		"a postgres:// URL: keep the data in PostgreSQL, which several pnpd nodes may "+
			"share, rather than in the data folder's SQLite file (PNPD_DATABASE_URL)")
	if err := intFlag(fs, env, &o.databaseMaxConns, "database-max-conns",
		"PNPD_DATABASE_MAX_CONNS", "20", "connections to PostgreSQL a node may hold "+
			"for its requests and jobs, besides three for the other nodes' news"); err != nil {
		return o, err
	}
	fs.StringVar(&o.keyFile, "key-file", env("PNPD_KEY_FILE", ""),
		"the key that encrypts the channel secrets; <data folder>/pnpd.key when empty, "+
			"created on the first start; back it up apart from the data (PNPD_KEY_FILE)")
	fs.BoolVar(&o.demo, "demo", env("PNPD_DEMO", "") == "true",
		"seed a demo channel and recipients; implies --sandbox (PNPD_DEMO=true)")
	fs.BoolVar(&o.sandbox, "sandbox", env("PNPD_SANDBOX", "") == "true",
		"serve the sandbox test API (PNPD_SANDBOX=true)")
	fs.StringVar(&o.sandboxToken, "sandbox-token", env("PNPD_SANDBOX_TOKEN", ""),
		"the sandbox API's token; random when empty (PNPD_SANDBOX_TOKEN)")
	fs.BoolVar(&o.sandboxPublic, "sandbox-public", env("PNPD_SANDBOX_PUBLIC", "") == "true",
		"allow sandbox mode on an address other machines reach (PNPD_SANDBOX_PUBLIC=true)")
	fs.StringVar(&o.smsGateway, "sms-gateway", env("PNPD_SMS_GATEWAY", ""),
		"URL of the SMS service verification codes are posted to as JSON "+
			"{\"to\",\"text\"} (PNPD_SMS_GATEWAY)")
	fs.StringVar(&o.smsGatewayToken, "sms-gateway-token", env("PNPD_SMS_GATEWAY_TOKEN", ""),
		"Bearer token for the SMS gateway (PNPD_SMS_GATEWAY_TOKEN)")
	fs.BoolVar(&o.webhookPrivate, "webhook-allow-private",
		env("PNPD_WEBHOOK_ALLOW_PRIVATE", "") == "true",
		"let webhooks reach loopback and private addresses; always on in sandbox mode "+
			"(PNPD_WEBHOOK_ALLOW_PRIVATE=true)")
	rate, err := strconv.ParseFloat(env("PNPD_RATE_LIMIT", "2000"), 64)
	if err != nil {
		return o, fmt.Errorf("PNPD_RATE_LIMIT: %w", err)
	}
	fs.Float64Var(&o.rateLimit, "rate-limit", rate,
		"requests per second per channel and endpoint; 0 for none (PNPD_RATE_LIMIT)")
	fs.StringVar(&o.countries, "service-countries", env("PNPD_SERVICE_COUNTRIES", "JP,TH,TW"),
		"countries whose numbers may receive notifications (PNPD_SERVICE_COUNTRIES)")
	fs.StringVar(&o.defaultCountry, "default-country", env("PNPD_DEFAULT_COUNTRY", "JP"),
		"country for phone numbers typed without +country code (PNPD_DEFAULT_COUNTRY)")
	rescue, err := time.ParseDuration(env("PNPD_JOB_RESCUE_AFTER", "30s"))
	if err != nil {
		return o, fmt.Errorf("PNPD_JOB_RESCUE_AFTER: %w", err)
	}
	fs.DurationVar(&o.rescueAfter, "job-rescue-after", rescue,
		"how long after a crash a running job is taken up again (PNPD_JOB_RESCUE_AFTER)")
	fs.StringVar(&o.templates, "templates", env("PNPD_TEMPLATES", ""),
		"a template catalogue file (CSV) that replaces the embedded one; "+
			"'pnpd templates export' prints that (PNPD_TEMPLATES)")
	fs.StringVar(&o.adminPassword, "admin-password", env("PNPD_ADMIN_PASSWORD", ""),
		"the password of the console's first operator, admin, 12 to 256 characters, set "+
			"on the first start and ignored later ('pnpd admin-password' changes it); "+
			"generated and printed once when empty (PNPD_ADMIN_PASSWORD)")
	fs.StringVar(&o.logLevel, "log-level", env("PNPD_LOG_LEVEL", "info"),
		"debug, info, warn or error (PNPD_LOG_LEVEL)")
	fs.StringVar(&o.logFormat, "log-format", env("PNPD_LOG_FORMAT", "text"),
		"text, for people, or json, for log collectors (PNPD_LOG_FORMAT)")
	if err := operationFlags(fs, &o, env); err != nil {
		return o, err
	}
	if err := clientLimitFlags(fs, &o, env); err != nil {
		return o, err
	}

	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q; flags start with --", fs.Arg(0))
	}

	return o, o.validate()
}

// operationFlags adds the flags for metrics and the profiler.
func operationFlags(fs *flag.FlagSet, o *options, env func(name, def string) string) error {
	metrics, err := strconv.ParseBool(env("PNPD_METRICS", "true"))
	if err != nil {
		return fmt.Errorf("PNPD_METRICS: %w", err)
	}
	fs.BoolVar(&o.metrics, "metrics", metrics,
		"serve Prometheus metrics at /metrics; --metrics=false to stop (PNPD_METRICS)")

	pprof, err := strconv.ParseBool(env("PNPD_PPROF", "false"))
	if err != nil {
		return fmt.Errorf("PNPD_PPROF: %w", err)
	}
	fs.BoolVar(&o.pprof, "pprof", pprof, "serve Go's profiler at /debug/pprof/, "+
		"to anyone who reaches the address: keep it off a public network (PNPD_PPROF=true)")

	return nil
}

// clientLimitFlags adds the flags for the per-client limits on the SMS code
// endpoints. The defaults let a household or an office behind one address
// sign up and log in without noticing, and hold one client to 5 text
// messages a minute once it has spent its first 20.
func clientLimitFlags(fs *flag.FlagSet, o *options,
	env func(name, def string) string) error {
	l := &o.clientLimits

	return errors.Join(
		floatFlag(fs, env, &l.Codes.PerMinute, "ip-code-rate", "PNPD_IP_CODE_RATE", "5",
			"SMS code requests a minute per client address (IPv6: per /64); 0 for no limit"),
		intFlag(fs, env, &l.Codes.Burst, "ip-code-burst", "PNPD_IP_CODE_BURST", "20",
			"SMS code requests a client address may make at once"),
		floatFlag(fs, env, &l.Tries.PerMinute, "ip-try-rate", "PNPD_IP_TRY_RATE", "20",
			"SMS codes entered a minute per client address (IPv6: per /64); 0 for no limit"),
		intFlag(fs, env, &l.Tries.Burst, "ip-try-burst", "PNPD_IP_TRY_BURST", "40",
			"SMS codes a client address may enter at once"),
	)
}

// floatFlag adds a number flag whose default comes from the environment.
func floatFlag(fs *flag.FlagSet, env func(name, def string) string, p *float64,
	name, envName, def, usage string) error {
	v, err := strconv.ParseFloat(env(envName, def), 64)
	if err != nil {
		return fmt.Errorf("%s: %w", envName, err)
	}
	fs.Float64Var(p, name, v, fmt.Sprintf("%s (%s)", usage, envName))

	return nil
}

// intFlag adds a whole-number flag whose default comes from the environment.
func intFlag(fs *flag.FlagSet, env func(name, def string) string, p *int,
	name, envName, def, usage string) error {
	v, err := strconv.Atoi(env(envName, def))
	if err != nil {
		return fmt.Errorf("%s: %w", envName, err)
	}
	fs.IntVar(p, name, v, fmt.Sprintf("%s (%s)", usage, envName))

	return nil
}

func (o *options) validate() error {
	if o.demo {
		o.sandbox = true
	}
	if o.sandbox && o.sandboxToken == "" {
		o.sandboxToken = pnpd.RandomHex(16)
	}
	if o.sandbox && !o.sandboxPublic && !loopback(o.addr) {
		return fmt.Errorf("sandbox mode listens on %s, which other machines may reach: "+
			"its /sms page shows every SMS code to anyone who asks, and the sandbox "+
			"token moves the clock and wipes the data; listen on 127.0.0.1, or, for a "+
			"test network of your own (a container, CI), add --sandbox-public", o.addr)
	}
	if err := validAdminPassword(o.adminPassword); err != nil {
		return err
	}
	if err := validDatabaseURL(o.databaseURL); err != nil {
		return err
	}
	if o.databaseMaxConns < 2 {
		return errors.New("--database-max-conns (PNPD_DATABASE_MAX_CONNS) must be 2 or more")
	}
	if u, err := url.Parse(o.smsGateway); o.smsGateway != "" &&
		(err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("--sms-gateway must be an http or https URL, not %q", o.smsGateway)
	}
	if o.rateLimit < 0 {
		return errors.New("--rate-limit must not be negative")
	}
	if err := validateClientLimits(o.clientLimits); err != nil {
		return err
	}
	for _, c := range splitList(o.countries) {
		if !pnpd.KnownCountry(c) {
			return fmt.Errorf("--service-countries: unknown country %q", c)
		}
	}
	if !pnpd.NationalFormatCountry(strings.ToUpper(o.defaultCountry)) {
		return fmt.Errorf("--default-country: national formats are read for JP, TH and TW "+
			"only, not %q", o.defaultCountry)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", o.logFormat)
	}
	if o.rescueAfter < 12*time.Second {
		return errors.New("--job-rescue-after must be at least 12s: a webhook job runs up to 10s")
	}

	return nil
}

// validAdminPassword refuses a password for admin that an operator could
// not choose in the console; "" asks for a generated one.
// validDatabaseURL accepts "" (SQLite) or a PostgreSQL URL; the error never
// repeats the URL, which may hold a password.
func validDatabaseURL(u string) error {
	if u == "" || strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return nil
	}

	return errors.New("--database-url (PNPD_DATABASE_URL) must be a postgres:// URL")
}

func validAdminPassword(password string) error {
	if password == "" {
		return nil
	}

	if err := console.ValidatePassword(password); err != nil {
		return fmt.Errorf("--admin-password (PNPD_ADMIN_PASSWORD): %w", err)
	}

	return nil
}

// loopback reports whether addr (host:port) listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)

	return ip != nil && ip.IsLoopback()
}

func validateClientLimits(l messenger.ClientLimits) error {
	switch {
	case l.Codes.PerMinute < 0 || l.Tries.PerMinute < 0:
		return errors.New("--ip-code-rate and --ip-try-rate must not be negative")
	case l.Codes.PerMinute > 0 && l.Codes.Burst < 1:
		return errors.New("--ip-code-burst must be at least 1")
	case l.Tries.PerMinute > 0 && l.Tries.Burst < 1:
		return errors.New("--ip-try-burst must be at least 1")
	}

	return nil
}

func (o options) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}

	opts := &slog.HandlerOptions{Level: level}
	if o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}

	return slog.New(slog.NewTextHandler(stderr, opts)), nil
}

func serve(ctx context.Context, o options, stdout, stderr io.Writer) error {
	log, err := o.logger(stderr)
	if err != nil {
		return err
	}

	catalogue := pnptemplate.Default()
	if o.templates != "" {
		if catalogue, err = pnptemplate.Load(o.templates); err != nil {
			return fmt.Errorf("--templates: %w", err)
		}
	}

	srv, err := server.New(ctx, server.Config{
		Templates: catalogue,
		Addr:      o.addr, DataDir: o.data, DatabaseURL: o.databaseURL,
		DatabaseMaxConns: o.databaseMaxConns,
		Sandbox:          o.sandbox, SandboxToken: o.sandboxToken,
		KeyFile: o.keyFile, RateLimit: o.rateLimit, ServiceCountries: splitList(o.countries),
		DefaultCountry: strings.ToUpper(o.defaultCountry), Logger: log,
		JobRescueAfter: o.rescueAfter, Metrics: o.metrics, Pprof: o.pprof,
		ClientLimits: o.clientLimits, WebhookPrivate: o.webhookPrivate,
		AdminPassword: o.adminPassword, SMSGateway: o.smsGateway,
		SMSGatewayToken: o.smsGatewayToken,
	})
	if err != nil {
		return err
	}

	if err := srv.Start(ctx); err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}

	if !o.sandbox && o.smsGateway == "" {
		log.Warn("No SMS gateway (--sms-gateway): verification codes reach no phone, " +
			"so recipients cannot sign up or log in")
	}
	if o.sandbox {
		log.Warn("Sandbox mode: for tests only; whoever has the sandbox token can move "+
			"the clock, read SMS codes and wipe the data", "addr", srv.Addr())
	}
	if err := announce(ctx, srv, o, stdout); err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}

	<-ctx.Done()
	log.Info("Shutting down")

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	return srv.Shutdown(shutdownCtx)
}

// announce prints where pnpd listens and, for the demo, what to send to.
func announce(ctx context.Context, srv *server.Server, o options, stdout io.Writer) error {
	fmt.Fprintf(stdout, "pnpd listening on %s\n", srv.URL())
	fmt.Fprintf(stdout, "Messenger (web UI) at %s/\n", srv.URL())
	fmt.Fprintf(stdout, "Console (operators) at %s/console/\n", srv.URL())
	if pw := srv.AdminPasswordGenerated(); pw != "" {
		// Shown this once and never stored in clear: the operator notes it.
		fmt.Fprintf(stdout, "Console log-in: admin, password %s (shown this once)\n", pw)
	}
	if o.sandbox {
		fmt.Fprintf(stdout, "The phone (SMS outbox) at %s/sms\n", srv.URL())
		fmt.Fprintf(stdout, "Sandbox API at %s/sandbox/v1, token %s\n", srv.URL(), o.sandboxToken)
	}

	if !o.demo {
		return nil
	}

	demo, err := sandbox.SeedDemo(ctx, srv.Store(), srv.Clock())
	if err != nil {
		return err
	}
	demo.Print(stdout, srv.URL())

	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.ToUpper(strings.TrimSpace(part)); part != "" {
			out = append(out, part)
		}
	}

	return out
}

// templates is 'pnpd templates': export prints the embedded catalogue, the
// start of an operator's own; check reads a file as --templates would.
func templates(args []string, stdout io.Writer) error {
	switch {
	case len(args) == 1 && slices.Contains([]string{"help", "-h", "-help", "--help"}, args[0]):
		fmt.Fprint(stdout, usage)
		return nil
	case len(args) == 1 && args[0] == "export":
		_, err := stdout.Write(pnptemplate.DefaultCSV)
		return err
	case len(args) == 2 && args[0] == "check":
		c, err := pnptemplate.Load(args[1])
		if err != nil {
			return err
		}

		for _, country := range c.Countries() {
			set := c.Set(country)
			fmt.Fprintf(stdout, "%s: %s, %s, %s\n", country,
				count(len(set.Templates), "template"), count(len(set.Items), "item"),
				count(len(set.Buttons), "button"))
		}

		return nil
	}

	return errors.New("usage: pnpd templates export | pnpd templates check FILE")
}

// count writes n things, with the noun in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}

	return fmt.Sprintf("%d %ss", n, noun)
}

// adminPassword resets the console's first operator's password, for an
// operator who lost the one printed at the first start.
func adminPassword(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pnpd admin-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", cmp.Or(getenv("PNPD_DATA"), "./pnpd-data"),
		"data folder (PNPD_DATA)")
	keyFile := fs.String("key-file", getenv("PNPD_KEY_FILE"),
		"the key file, when not in the data folder (PNPD_KEY_FILE)")
	databaseURL := fs.String("database-url", getenv("PNPD_DATABASE_URL"),
		"the PostgreSQL database, when the data is there (PNPD_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validDatabaseURL(*databaseURL); err != nil {
		return err
	}

	generated, err := server.ResetAdminPassword(ctx, server.Config{DataDir: *data,
		DatabaseURL: *databaseURL,
		KeyFile:     *keyFile, AdminPassword: getenv("PNPD_ADMIN_PASSWORD")})
	if err != nil {
		return err
	}

	if generated == "" {
		fmt.Fprintln(stdout, "The operator admin's password is now PNPD_ADMIN_PASSWORD's; "+
			"its sessions ended.")
		return nil
	}
	fmt.Fprintf(stdout, "The operator admin's new password: %s (shown this once); "+
		"its sessions ended.\n", generated)

	return nil
}
