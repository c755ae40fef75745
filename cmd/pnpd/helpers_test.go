package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/pnpd/pnpd"
)

// The end-to-end tests run pnpd as its own process: the test binary runs
// main when this variable is set, so no separate build is needed.
const childEnv = "PNPD_TEST_RUN_MAIN"

const sandboxToken = "e2e-sandbox-token"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		return
	}

	os.Exit(m.Run())
}

// process is a pnpd server process on a loopback port.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startPnpd starts pnpd on a free loopback port with the given data folder,
// in sandbox mode, and waits until it listens. Extra flags come last, so
// they override the defaults here.
func startPnpd(t *testing.T, dataDir string, extra ...string) *process {
	t.Helper()

	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir,
		"--sandbox", "--job-rescue-after", "12s", "--log-level", "debug"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1", "PNPD_SANDBOX_TOKEN="+sandboxToken)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	cmd.Stderr = logs

	if err := cmd.Start(); err != nil {
		t.Fatalf("start pnpd: %v", err)
	}

	p := &process{t: t, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("pnpd log:\n%s", logs.String())
		}
	})

	p.url = waitForAddress(t, stdout, p.done)

	return p
}

var listening = regexp.MustCompile(`pnpd listening on (http://\S+)`)

func waitForAddress(t *testing.T, stdout io.Reader, done chan struct{}) string {
	t.Helper()

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()

	select {
	case url := <-found:
		return url
	case <-done:
		t.Fatal("pnpd exited before it listened")
	case <-time.After(20 * time.Second):
		t.Fatal("pnpd did not start within 20 s")
	}

	return ""
}

// kill ends the process with SIGKILL, as a crash would.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the process with SIGTERM and expects a clean exit.
func (p *process) stop() {
	p.t.Helper()

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Fatal("pnpd did not stop within 15 s of SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Fatalf("pnpd exit code after SIGTERM = %d, want 0", code)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

// call sends a JSON request and decodes a JSON answer into out (when not
// nil), returning the status.
func call(t *testing.T, c *http.Client, method, url, auth string, in, out any) int {
	t.Helper()

	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}

	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}

	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()

	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, raw, err)
		}
	}

	return resp.StatusCode
}

// sandbox is the test API of one pnpd process.
type sandboxAPI struct {
	t   *testing.T
	url string
}

func (s sandboxAPI) do(method, path string, in, out any) {
	s.t.Helper()

	if code := call(s.t, http.DefaultClient, method, s.url+path, sandboxToken, in, out); code >= 300 {
		s.t.Fatalf("sandbox %s %s: status %d", method, path, code)
	}
}

type credentials struct {
	ChannelID     string `json:"channelId"`
	ChannelSecret string `json:"channelSecret"`
	AccessToken   string `json:"accessToken"`
	BotUserID     string `json:"botUserId"`
}

func (s sandboxAPI) createChannel(name, webhookURL string, redelivery bool) credentials {
	var c credentials
	s.do("POST", "/sandbox/v1/channels", map[string]any{"name": name,
		"webhookUrl": webhookURL, "redelivery": redelivery}, &c)

	return c
}

// now is the server's (movable) clock.
func (s sandboxAPI) now() time.Time {
	var c struct {
		Now time.Time `json:"now"`
	}
	s.do("GET", "/sandbox/v1/clock", nil, &c)

	return c.Now
}

func (s sandboxAPI) advance(d time.Duration) {
	s.do("POST", "/sandbox/v1/clock", map[string]any{"advanceSeconds": int64(d.Seconds())}, nil)
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// latestCode reads the newest code the phone received from the outbox.
func (s sandboxAPI) latestCode(phone string) string {
	var out struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	s.do("GET", "/sandbox/v1/sms?phoneNumber="+strings.ReplaceAll(phone, "+", "%2B"), nil, &out)
	if len(out.Messages) == 0 {
		s.t.Fatal("no SMS in the outbox for the number")
	}

	code := sixDigits.FindString(out.Messages[0].Text)
	if code == "" {
		s.t.Fatalf("no code in the SMS %q", out.Messages[0].Text)
	}

	return code
}

// person is a recipient using the recipient API with their own cookies.
type person struct {
	t      *testing.T
	url    string
	phone  string
	client *http.Client
	sb     sandboxAPI
}

func newPerson(t *testing.T, url string, sb sandboxAPI, phone string) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, url: url, phone: phone, sb: sb, client: &http.Client{Jar: jar}}
}

func (p *person) do(method, path string, in, out any) int {
	p.t.Helper()
	return call(p.t, p.client, method, p.url+path, "", in, out)
}

func (p *person) must(method, path string, in, out any) {
	p.t.Helper()

	if code := p.do(method, path, in, out); code >= 300 {
		p.t.Fatalf("%s %s: status %d", method, path, code)
	}
}

// signUp creates the account by SMS code; privacy says whether the person
// agrees to the privacy policy.
func (p *person) signUp(name string, privacy bool) {
	p.t.Helper()

	p.must("POST", "/api/v1/signup/code", map[string]string{"phoneNumber": p.phone}, nil)
	p.must("POST", "/api/v1/signup", map[string]any{"phoneNumber": p.phone,
		"code": p.sb.latestCode(p.phone), "displayName": name,
		"agreePrivacyPolicy": privacy}, nil)
}

func (p *person) logIn() {
	p.t.Helper()

	p.must("POST", "/api/v1/login/code", map[string]string{"phoneNumber": p.phone}, nil)
	p.must("POST", "/api/v1/login", map[string]string{"phoneNumber": p.phone,
		"code": p.sb.latestCode(p.phone)}, nil)
}

type actionResult struct {
	Delivered               int  `json:"delivered"`
	Dropped                 int  `json:"dropped"`
	SMSVerificationRequired bool `json:"smsVerificationRequired"`
}

func (p *person) consent(agree bool) actionResult {
	p.t.Helper()

	var res actionResult
	p.must("POST", "/api/v1/consent", map[string]bool{"agree": agree}, &res)

	return res
}

func (p *person) verifyBySMS() actionResult {
	p.t.Helper()

	var res actionResult
	p.must("POST", "/api/v1/verification/code", nil, nil)
	p.must("POST", "/api/v1/verification", map[string]string{
		"code": p.sb.latestCode(p.phone)}, &res)

	return res
}

type bubble struct {
	ID     int64 `json:"id"`
	Type   string
	Notice *struct {
		Kind   string `json:"kind"`
		Action *struct {
			Target string `json:"target"`
		} `json:"action"`
	} `json:"notice"`
	Message json.RawMessage `json:"message"`
	Label   string          `json:"label"`
}

func (p *person) chat(chatID string) []bubble {
	p.t.Helper()

	var out struct {
		Messages []bubble `json:"messages"`
	}
	p.must("GET", "/api/v1/chats/"+chatID+"/messages", nil, &out)

	return out.Messages
}

// notices lists the kinds of the system account's notices, in order.
func (p *person) notices() []string {
	var kinds []string
	for _, b := range p.chat(pnpd.SystemChatID) {
		kinds = append(kinds, b.Notice.Kind)
	}

	return kinds
}

// delivery is one webhook request the receiver accepted.
type delivery struct {
	Data, EventID string
	Redelivery    bool
	Timestamp     int64
	At            time.Time
}

// receiver is a business's webhook endpoint on loopback. It checks each
// request with the official SDK's parser and the channel secret.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []delivery
	bad    []string
	delay  time.Duration
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)

	return r
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()

	r.secret = s
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	secret, delay := r.secret, r.delay
	r.mu.Unlock()

	cb, err := webhook.ParseRequest(secret, req)
	if err != nil {
		r.record(nil, fmt.Sprintf("parse: %v", err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}

	for _, ev := range cb.Events {
		d, ok := ev.(webhook.PnpDeliveryCompletionEvent)
		if !ok {
			r.record(nil, fmt.Sprintf("unexpected event %T", ev))
			continue
		}
		r.record(&delivery{Data: d.Delivery.Data, EventID: d.WebhookEventId,
			Redelivery: d.DeliveryContext.IsRedelivery, Timestamp: d.Timestamp,
			At: time.Now()}, "")
	}

	time.Sleep(delay)
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) record(d *delivery, problem string) {
	r.mu.Lock()
	defer r.mu.Unlock()

	if d != nil {
		r.got = append(r.got, *d)
	}
	if problem != "" {
		r.bad = append(r.bad, problem)
	}
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()

	return append([]delivery(nil), r.got...)
}

func (r *receiver) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()

	return append([]string(nil), r.bad...)
}

// waitFor waits until the receiver holds a delivery with the given data.
func (r *receiver) waitFor(t *testing.T, data string, within time.Duration) delivery {
	t.Helper()

	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, d := range r.deliveries() {
			if d.Data == data {
				return d
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no webhook with data %q within %v; problems: %v", data, within, r.problems())

	return delivery{}
}

// countData counts deliveries with the given data.
func (r *receiver) countData(data string) int {
	n := 0
	for _, d := range r.deliveries() {
		if d.Data == data {
			n++
		}
	}

	return n
}

func lineClient(t *testing.T, url, token string) *messaging_api.MessagingApiAPI {
	t.Helper()

	c, err := messaging_api.NewMessagingApiAPI(token, messaging_api.WithEndpoint(url))
	if err != nil {
		t.Fatal(err)
	}

	return c
}

// push sends a text notification with the official SDK.
func push(c *messaging_api.MessagingApiAPI, phone, text, tag string) error {
	_, err := c.PushMessagesByPhone(&messaging_api.PnpMessagesRequest{
		To:       pnpd.HashPhone(phone),
		Messages: []messaging_api.MessageInterface{messaging_api.TextMessage{Text: text}},
	}, tag)

	return err
}
