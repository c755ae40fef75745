package console_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

const adminPassword = "console-test-password-7c1d"

// env is a pnpd platform server with the console's first operator.
type env struct {
	t   *testing.T
	srv *server.Server
	url string
}

func setup(t *testing.T) *env {
	t.Helper()

	srv := servertest.Start(t, server.Config{AdminPassword: adminPassword,
		// The tests' webhook receivers are on loopback.
		WebhookPrivate: true})

	return &env{t: t, srv: srv, url: srv.URL()}
}

// browser is a client with its own cookies that does not follow
// redirects, so that tests see where a page sends it.
type browser struct {
	e    *env
	http *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}

	return &browser{e: e, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
}

// browserFrom is a browser whose connections come from ip, a loopback
// address other than 127.0.0.1: Linux routes all of 127/8 to loopback, so
// one test can be many clients.
func (e *env) browserFrom(ip string) *browser {
	b := e.browser()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.http.Transport = &http.Transport{DialContext: dialer.DialContext}
	e.t.Cleanup(b.http.CloseIdleConnections)

	return b
}

// page is an answer with its body read.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) page {
	b.e.t.Helper()

	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.e.url+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}

	return b.send(req)
}

func (b *browser) send(req *http.Request) page {
	b.e.t.Helper()

	resp, err := b.http.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}

	return page{status: resp.StatusCode, location: resp.Header.Get("Location"),
		header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()

	return b.do(http.MethodGet, path, nil, nil)
}

// post sends a form as a page of the console would, with the form token.
func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()

	form.Set("csrf", b.csrf())

	return b.do(http.MethodPost, path, form, nil)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf reads the form token from the home page.
func (b *browser) csrf() string {
	b.e.t.Helper()

	m := csrfInput.FindStringSubmatch(b.get("/console/").body)
	if m == nil {
		b.e.t.Fatal("the home page has no form token")
	}

	return m[1]
}

func (b *browser) logIn(username, password string) page {
	b.e.t.Helper()

	return b.do(http.MethodPost, "/console/login",
		url.Values{"username": {username}, "password": {password}}, nil)
}

// loggedIn returns a browser logged in as admin.
func (e *env) loggedIn() *browser {
	e.t.Helper()

	b := e.browser()
	if p := b.logIn("admin", adminPassword); p.status != http.StatusSeeOther {
		e.t.Fatalf("log in: status %d, want 303", p.status)
	}

	return b
}

func want(t *testing.T, what string, p page, status int, text string) {
	t.Helper()

	if p.status != status {
		t.Errorf("%s: status %d, want %d", what, p.status, status)
	}
	if !strings.Contains(p.body, text) {
		t.Errorf("%s: the page lacks %q:\n%s", what, text, p.body)
	}
}

// upload posts a multipart form, as the channel forms are, with the form
// token and, when icon is not nil, an icon file.
func (b *browser) upload(path string, form url.Values, icon []byte) page {
	b.e.t.Helper()

	form.Set("csrf", b.csrf())
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if icon != nil {
		fw, err := mw.CreateFormFile("icon", "icon.png")
		if err != nil {
			b.e.t.Fatal(err)
		}
		_, _ = fw.Write(icon)
	}
	if err := mw.Close(); err != nil {
		b.e.t.Fatal(err)
	}

	return b.doBody(http.MethodPost, path, mw.FormDataContentType(), &buf)
}

func (b *browser) doBody(method, path, contentType string, body io.Reader) page {
	b.e.t.Helper()

	req, err := http.NewRequestWithContext(context.Background(), method, b.e.url+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)

	return b.send(req)
}
