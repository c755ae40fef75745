package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestOperationOptions reads the switches for logs, metrics and the
// profiler from flags and the environment.
func TestOperationOptions(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    options // only logFormat, metrics and pprof are compared
		wantErr string
	}{
		{name: "defaults", want: options{logFormat: "text", metrics: true}},
		{name: "flags", args: []string{"--log-format", "json", "--metrics=false", "--pprof"},
			want: options{logFormat: "json", pprof: true}},
		{name: "environment", env: map[string]string{"PNPD_LOG_FORMAT": "json",
			"PNPD_METRICS": "false", "PNPD_PPROF": "true"},
			want: options{logFormat: "json", pprof: true}},
		{name: "a flag wins over the environment", args: []string{"--log-format", "text"},
			env: map[string]string{"PNPD_LOG_FORMAT": "json"}, want: options{logFormat: "text",
				metrics: true}},
		{name: "unknown log format", args: []string{"--log-format", "xml"},
			wantErr: "--log-format"},
		{name: "not a boolean", env: map[string]string{"PNPD_METRICS": "maybe"},
			wantErr: "PNPD_METRICS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			o, err := parse(tt.args, func(name string) string { return tt.env[name] }, io.Discard)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one about %s", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("parse: %v", err)
			case o.logFormat != tt.want.logFormat || o.metrics != tt.want.metrics ||
				o.pprof != tt.want.pprof:
				t.Errorf("log format %q, metrics %v, pprof %v; want %q, %v, %v", o.logFormat,
					o.metrics, o.pprof, tt.want.logFormat, tt.want.metrics, tt.want.pprof)
			}
		})
	}
}

// TestLogFormats writes a line in each format as a person or a log
// collector would read it.
func TestLogFormats(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		format string
		valid  func(line []byte) bool
	}{
		{"json", "json", json.Valid},
		{"text", "text", func(line []byte) bool {
			return bytes.Contains(line, []byte(`level=INFO msg="Shutting down" addr=a`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			var out bytes.Buffer
			log, err := options{logLevel: "info", logFormat: tt.format}.logger(&out)
			if err != nil {
				t.Fatal(err)
			}
			log.Info("Shutting down", "addr", "a")

			if line := bytes.TrimSpace(out.Bytes()); !tt.valid(line) {
				t.Errorf("%s log line: %s", tt.format, line)
			}
		})
	}
}

// TestSandboxStaysOnLoopback starts sandbox mode on addresses other
// machines may reach: only --sandbox-public lets it.
func TestSandboxStaysOnLoopback(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr bool
	}{
		{name: "loopback", args: []string{"--demo", "--addr", "127.0.0.1:8080"}},
		{name: "IPv6 loopback", args: []string{"--sandbox", "--addr", "[::1]:8080"}},
		{name: "localhost", args: []string{"--sandbox", "--addr", "localhost:8080"}},
		{name: "every address", args: []string{"--demo", "--addr", ":8080"}, wantErr: true},
		{name: "every IPv4 address", args: []string{"--sandbox", "--addr", "0.0.0.0:8080"},
			wantErr: true},
		{name: "a LAN address", env: map[string]string{"PNPD_SANDBOX": "true",
			"PNPD_ADDR": "192.168.1.20:8080"}, wantErr: true},
		{name: "public on purpose", args: []string{"--demo", "--addr", ":8080",
			"--sandbox-public"}},
		{name: "public on purpose, from the environment", args: []string{"--demo",
			"--addr", "0.0.0.0:8080"}, env: map[string]string{"PNPD_SANDBOX_PUBLIC": "true"}},
		{name: "a platform anywhere", args: []string{"--addr", ":8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			o, err := parse(tt.args, func(name string) string { return tt.env[name] }, io.Discard)
			if err == nil {
				err = o.validate()
			}
			const want = "which other machines may reach: its /sms page shows every SMS code"
			switch {
			case tt.wantErr && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("error = %v, want one saying %q", err, want)
			case !tt.wantErr && err != nil:
				t.Errorf("error = %v, want none", err)
			}
		})
	}
}

// TestAdminPasswordOption refuses an admin password an operator could not
// choose in the console, from a flag or the environment, and says which
// and how long it must be.
func TestAdminPasswordOption(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr bool
	}{
		{name: "none"},
		{name: "12 characters", args: []string{"--admin-password", "twelve-chars"}},
		{name: "11 characters", args: []string{"--admin-password", "eleven-char"},
			wantErr: true},
		{name: "short, from the environment",
			env: map[string]string{"PNPD_ADMIN_PASSWORD": "admin"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := parse(tt.args, func(name string) string { return tt.env[name] }, io.Discard)
			const want = "--admin-password (PNPD_ADMIN_PASSWORD): a password needs 12 to 256"
			switch {
			case tt.wantErr && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("error = %v, want one saying %q", err, want)
			case !tt.wantErr && err != nil:
				t.Errorf("error = %v, want none", err)
			}
		})
	}
}
