package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/pnptemplate"
)

// override is an operator's own catalogue: one Japanese template of a
// clinic, which replaces the embedded catalogue whole.
const override = "# A clinic's own templates\n" +
	"country,kind,key,label,description,sample,note\n" +
	"JP,template,clinic_reminder_ja,ご予約のお知らせ,明日のご予約をお知らせします。," +
	"*date_001_ja name_001_ja open_ja,Clinic reminder\n" +
	"JP,item,date_001_ja,ご予約日,,12月6日,Date\n" +
	"JP,item,name_001_ja,診療科,,歯科,Department\n" +
	"JP,button,open_ja,予約を確認,,https://clinic.example/r,Open\n"

// TestTemplatesFile checks that --templates replaces the embedded
// catalogue: the file's template is sent, the embedded one is unknown.
func TestTemplatesFile(t *testing.T) {
	t.Parallel()

	file := filepath.Join(t.TempDir(), "templates.csv")
	if err := os.WriteFile(file, []byte(override), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startPnpd(t, t.TempDir(), "--templates", file)
	sb := sandboxAPI{t: t, url: srv.url}
	creds := sb.createChannel("Sakura Clinic", "", false)

	to := pnpd.HashPhone("+819011119999")
	tests := []struct {
		key  string
		want int
	}{
		// Nobody has the number: a known template gets as far as the 422.
		{"clinic_reminder_ja", http.StatusUnprocessableEntity},
		{"shipment_completed_ja", http.StatusBadRequest},
	}
	for _, tc := range tests {
		var answer map[string]any
		code := call(t, http.DefaultClient, "POST", srv.url+
			"/v2/bot/message/pnp/templated/push", creds.AccessToken,
			map[string]any{"to": to, "templateKey": tc.key}, &answer)
		if code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.key, code, answer, tc.want)
		}
	}

	resp, err := http.Get(srv.url + "/templates?country=JP")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if !bytes.Contains(page, []byte("clinic_reminder_ja")) ||
		bytes.Contains(page, []byte("shipment_completed_ja")) {
		t.Error("the catalogue page does not show the file's catalogue alone")
	}
}

// TestBadTemplatesFileStopsStartUp checks that pnpd refuses to start with
// a catalogue file it cannot use, naming the file and the line at fault,
// before it opens its data folder.
func TestBadTemplatesFileStopsStartUp(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	file := filepath.Join(dir, "templates.csv")
	bad := strings.Replace(override, "JP,item,name_001_ja", "JP,item,date_001_ja", 1)
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, how := range []struct {
		name string
		args []string
		env  string
	}{
		{"flag", []string{"--templates", file}, ""},
		{"environment", nil, "PNPD_TEMPLATES=" + file},
	} {
		t.Run(how.name, func(t *testing.T) {
			t.Parallel()

			data := filepath.Join(t.TempDir(), "data")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"serve",
				"--addr", "127.0.0.1:0", "--data", data}, how.args...)...)
			cmd.Env = append(os.Environ(), childEnv+"=1", how.env)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr

			err := cmd.Run()
			want := "pnpd: --templates: " + file + ":5: the key date_001_ja is defined for " +
				"JP on line 4 already\n"
			if err == nil || stderr.String() != want {
				t.Errorf("pnpd ended with %v, printing %q; want exit 1 and %q", err,
					stderr.String(), want)
			}
			if strings.Contains(stdout.String(), "listening") {
				t.Error("pnpd listened with a bad catalogue")
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("the data folder was made: %v", err)
			}
		})
	}
}

// TestTemplatesCommand checks 'pnpd templates': export prints the embedded
// catalogue, which check then reads; check names the line of a bad file.
func TestTemplatesCommand(t *testing.T) {
	t.Parallel()

	var out bytes.Buffer
	if err := run(context.Background(), []string{"templates", "export"}, noEnv, &out,
		io.Discard); err != nil || !bytes.Equal(out.Bytes(), pnptemplate.DefaultCSV) {
		t.Fatalf("export: %v, %d bytes", err, out.Len())
	}

	file := filepath.Join(t.TempDir(), "exported.csv")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(context.Background(), []string{"templates", "check", file}, noEnv, &out,
		io.Discard)
	if err != nil || !strings.HasPrefix(out.String(), "JP: ") || strings.Count(out.String(),
		"templates,") != 3 {
		t.Errorf("check: %v, %q", err, out.String())
	}

	if err := os.WriteFile(file, []byte(override+"TH,item,x_th,L,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"templates", "check", file}, noEnv, io.Discard,
		io.Discard)
	if want := file + ": TH has items or buttons but no template"; err == nil ||
		err.Error() != want {
		t.Errorf("check of a bad file: %v, want %q", err, want)
	}

	err = run(context.Background(), []string{"templates"}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("templates without a subcommand: %v", err)
	}

	if err := os.WriteFile(file, []byte(override), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"templates", "check", file}, noEnv, &out,
		io.Discard)
	if want := "JP: 1 template, 2 items, 1 button\n"; err != nil || out.String() != want {
		t.Errorf("check: %v, %q; want %q", err, out.String(), want)
	}

	for _, args := range [][]string{{"help"}, {"--help"}, {"templates", "-h"}} {
		out.Reset()
		err := run(context.Background(), args, noEnv, &out, io.Discard)
		if err != nil || !strings.Contains(out.String(), "pnpd templates check FILE") {
			t.Errorf("%v: %v, %q", args, err, out.String())
		}
	}
}

func noEnv(string) string { return "" }
