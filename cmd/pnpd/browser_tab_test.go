package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium, headless, through the DevTools
// protocol. Every page they load comes from a pnpd they started on loopback.

// Phone and desktop viewports, in CSS pixels.
const (
	phoneWidth, phoneHeight     = 360, 740
	desktopWidth, desktopHeight = 1280, 800
)

// stepTimeout bounds each wait in the browser: a page load, an element
// showing up, a live update.
const stepTimeout = 15 * time.Second

// findChromium returns the chromium binary, or skips the test: without a
// browser there is nothing to drive.
func findChromium(t *testing.T) string {
	t.Helper()

	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("browser tests need a chromium binary on PATH (Debian's "+
			"package chromium): %v", err)
	}

	return path
}

// tab is one browser tab on one pnpd, with the screenshots it takes.
type tab struct {
	t      *testing.T
	ctx    context.Context
	cancel context.CancelFunc
	base   string // pnpd's URL
	shots  *artifacts
	// console holds what the first tab's pages report as errors.
	console *consoleErrors

	// The viewport, in CSS pixels, and the device scale.
	width, height int64
	scale         float64
}

// newTab starts a headless chromium with a fresh profile and opens a tab at
// phone size. The browser closes when the test ends.
func newTab(t *testing.T, chromium, base string) *tab {
	t.Helper()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true))
	ctx, cancelTab := chromedp.NewContext(alloc)
	b := &tab{t: t, ctx: ctx, cancel: cancelTab, base: base,
		shots: &artifacts{dir: artifactsDir(t)}}
	var console *consoleErrors
	t.Cleanup(func() {
		if t.Failed() {
			b.shot("failed")
			t.Logf("the browser was at %s", b.location())
		}
		cancelTab()
		cancelAlloc()
		console.report(t)
	})

	// The first action starts the browser; it must run without a deadline,
	// which would end the browser with it.
	if err := chromedp.Do(ctx, chromedp.Func(watchStreams)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	console = watchConsole(ctx)
	b.console = console
	b.resize(phoneWidth, phoneHeight, 2)

	return b
}

// consoleErrors collects what the pages report as errors: uncaught
// exceptions, console.error calls and the browser's own error log, such as
// a script or a stylesheet the page's security policy blocked.
type consoleErrors struct {
	mu       sync.Mutex
	got      []string
	expected []string // URLs whose failures the test causes on purpose
	done     chan struct{}
}

func watchConsole(ctx context.Context) *consoleErrors {
	c := &consoleErrors{done: make(chan struct{})}
	messages := chromedp.Console(ctx)
	// The browser's own log, where failed loads and blocked scripts go,
	// speaks only once enabled; without it the rest is still watched.
	_, _ = chromedp.Call(ctx, log.Enable, cdp.Empty{})

	go func() {
		defer close(c.done)
		for m, err := range messages {
			if err != nil {
				return
			}
			c.note(m)
		}
	}()

	return c
}

// note keeps an error. A page that answers 4xx on purpose, such as a wrong
// code, is the test's to check, not an error of the page.
func (c *consoleErrors) note(m chromedp.ConsoleMessage) {
	if m.Type != chromedp.ConsoleError && !m.IsException() {
		return
	}
	if m.Source == "network" && strings.Contains(m.Text, "status of 400") {
		return
	}

	c.mu.Lock()
	defer c.mu.Unlock()

	if m.Source == "network" && slices.Contains(c.expected, m.URL) {
		return
	}
	c.got = append(c.got, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line))
}

// expectFailures tells the tab that loading pnpd's path may fail, as a test
// of an outage makes it: what the page does then is the test's to check.
func (b *tab) expectFailures(path string) {
	b.console.mu.Lock()
	defer b.console.mu.Unlock()

	b.console.expected = append(b.console.expected, b.base+path)
}

// report fails the test for each error, once the tab has closed.
func (c *consoleErrors) report(t *testing.T) {
	if c == nil {
		return
	}
	<-c.done

	c.mu.Lock()
	defer c.mu.Unlock()

	for _, e := range c.got {
		t.Errorf("the browser reported an error: %s", e)
	}
}

// follow clicks a link that opens a page in a new tab and returns that tab,
// which shares the first one's cookies and screenshot folder.
func (b *tab) follow(sel string) *tab {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	opened := chromedp.WaitNewTarget(ctx, func(*target.Info) bool { return true })
	b.click(sel)
	id, ok := <-opened
	if !ok {
		b.t.Fatalf("browser: %s opened no tab", sel)
	}

	tabCtx, closeTab := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	o := &tab{t: b.t, ctx: tabCtx, cancel: closeTab, base: b.base, shots: b.shots,
		console: b.console}
	// As the browser's, the tab's life is bound to its first action's
	// context: that one runs with no deadline.
	if err := chromedp.Do(tabCtx); err != nil {
		b.t.Fatalf("browser: attach to the tab %s opened: %v", sel, err)
	}
	o.resize(b.width, b.height, b.scale)

	return o
}

// closeFor closes a tab that follow opened and brings the first one back:
// a tab in the background paints no frames, so it could not be captured.
func (b *tab) closeFor(first *tab) {
	b.cancel()
	first.do("bring the tab to the front", chromedp.Func(
		func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.BringToFront, cdp.Empty{})
			return err
		}))
	first.waitUntil("the tab shows", `document.visibilityState === "visible"`)
}

// watchStreams makes every page list its EventSource objects and count the
// "changed" events they get, so that a test can wait until a page listens
// for live updates before it sends the message the page should show, and
// until a page heard of a change.
func watchStreams(ctx context.Context, t *chromedp.Target) error {
	_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
  const Native = window.EventSource;
  if (!Native) return;
  window.__streams = [];
  window.__changes = 0;
  window.EventSource = class extends Native {
    constructor(...args) {
      super(...args);
      window.__streams.push(this);
      this.addEventListener("changed", () => window.__changes++);
    }
  };
})();`})

	return err
}

// artifactsDir is the folder for the test's screenshots, emptied of an
// earlier run's: under $PNPD_TEST_ARTIFACTS if set, else under the system's
// temporary folder.
func artifactsDir(t *testing.T) string {
	t.Helper()

	root := os.Getenv("PNPD_TEST_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "pnpd-artifacts")
	}
	dir := filepath.Join(root, unsafeChars.ReplaceAllString(t.Name(), "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots go to %s", dir)

	return dir
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// artifacts is a test's screenshot folder, which all its tabs share: the
// screenshots are numbered in the order they were taken.
type artifacts struct {
	dir  string
	step int
}

// resize sets the viewport, in CSS pixels, and the device scale.
func (b *tab) resize(width, height int64, scale float64) {
	b.t.Helper()

	b.do("resize", emulate(width, height, scale))
	b.width, b.height, b.scale = width, height, scale
}

func emulate(width, height int64, scale float64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(width, height, chromedp.EmulateScale(scale),
		chromedp.EmulatePortrait, chromedp.EmulateMobile)
}

// do runs actions with the step timeout and fails the test on an error.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s at %s: %v", what, b.location(), err)
	}
}

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](b *tab, js string) T {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: evaluate %.60q at %s: %v", js, b.location(), err)
	}

	return v
}

// waitUntil polls a JavaScript condition in the page until it holds.
func (b *tab) waitUntil(what, js string) {
	b.t.Helper()

	b.do(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(
			20*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))(ctx, t)
		return err
	}))
}

// listening waits until the page listens for live updates.
func (b *tab) listening() {
	b.t.Helper()

	b.waitUntil("live updates", `window.__streams?.some((s) => s.readyState === 1)`)
}

// location is the page's URL, or why it cannot be had.
func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(unknown: %v)", err)
	}

	return loc
}

// path is the path and query of the page, the part a test asserts on.
func (b *tab) path() string {
	b.t.Helper()

	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatalf("page URL: %v", err)
	}

	return u.RequestURI()
}

// open loads a page of pnpd and checks that it answered 200.
func (b *tab) open(path string) {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("browser: open %s: %v", path, err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("browser: open %s: status %d", path, resp.Status)
	}
}

// press clicks a button or link that loads a page and waits for that page;
// it returns the status of the page that finally loaded.
func (b *tab) press(sel string) int64 {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: press %s at %s: %v", sel, b.location(), err)
	}

	return resp.Status
}

// pressTo presses and checks that the page it leads to loaded fine at path.
func (b *tab) pressTo(sel, path string) {
	b.t.Helper()

	if status := b.press(sel); status != 200 {
		b.t.Fatalf("browser: press %s: status %d at %s; page error: %q", sel, status,
			b.location(), b.errorText())
	}
	if got := b.path(); got != path {
		b.t.Fatalf("browser: press %s led to %s, want %s; page error: %q", sel, got, path,
			b.errorText())
	}
}

// click clicks an element that changes the page without loading another.
func (b *tab) click(sel string) {
	b.t.Helper()

	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// typeInto types text into a field, key by key.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()

	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// choose picks the option with the value in a select element.
func (b *tab) choose(sel, value string) {
	b.t.Helper()

	b.do("choose in "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
	if got := eval[string](b, fmt.Sprintf("document.querySelector(%q).value", sel)); got !=
		value {
		b.t.Fatalf("browser: %s has no option %q", sel, value)
	}
}

// waitVisible waits until an element shows.
func (b *tab) waitVisible(sel string) {
	b.t.Helper()

	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text is the visible text of the first element matching sel.
// count is how many elements on the page match sel.
func (b *tab) count(sel string) int {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		"document.querySelectorAll("+strconv.Quote(sel)+").length"))
	if err != nil {
		b.t.Fatalf("browser: count %s at %s: %v", sel, b.location(), err)
	}

	return n
}

func (b *tab) text(sel string) string {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s at %s: %v", sel, b.location(), err)
	}

	return s
}

// errorText is the text of the page's error message, if it shows one.
func (b *tab) errorText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`document.querySelector(".error")?.innerText ?? ""`))

	return s
}

// shot saves a screenshot of the whole page as the test's next step.
func (b *tab) shot(name string) {
	b.t.Helper()

	b.save(name, "", b.capture(b.fullPage()))
}

// docShot is shot that, with PNPD_UPDATE_DOCS=1, also saves the picture for
// the documentation under a stable name.
func (b *tab) docShot(name, docName string) {
	b.t.Helper()

	b.save(name, docName, b.capture(b.fullPage()))
}

// viewShot is docShot of what the viewport shows, not the whole page.
func (b *tab) viewShot(name, docName string) {
	b.t.Helper()

	b.save(name, docName, b.capture(chromedp.CaptureScreenshot()))
}

// fullPage captures the whole page. A page taller than the viewport is
// captured in a viewport as tall as the page, as a phone with a long screen
// would show it: the page's sticky bar and tabs stay at its top and bottom,
// where a capture beyond the viewport would paint them mid-page.
func (b *tab) fullPage() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		h, err := chromedp.Evaluate[int64](`document.documentElement.scrollHeight`)(ctx, t)
		if err != nil || h <= b.height {
			return chromedp.CaptureScreenshot()(ctx, t)
		}

		if _, err := emulate(b.width, h, b.scale)(ctx, t); err != nil {
			return nil, err
		}
		png, err := chromedp.CaptureScreenshot()(ctx, t)
		if _, rerr := emulate(b.width, b.height, b.scale)(ctx, t); err == nil {
			err = rerr
		}

		return png, err
	}
}

func (b *tab) capture(screenshot chromedp.Action[[]byte]) []byte {
	b.t.Helper()

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, screenshot)
	if err != nil {
		b.t.Errorf("screenshot at %s: %v", b.location(), err)
	}

	return png
}

// docShots is where PNPD_UPDATE_DOCS=1 writes the screenshots that the
// documentation shows, relative to this package's folder.
const docShots = "../../docs/screenshots"

// save writes a screenshot as the test's next step and, when docName is set
// and PNPD_UPDATE_DOCS=1, for the documentation.
func (b *tab) save(name, docName string, png []byte) {
	b.t.Helper()

	if png == nil {
		return
	}
	b.shots.step++
	file := filepath.Join(b.shots.dir, fmt.Sprintf("%02d-%s.png", b.shots.step, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
	if docName == "" || os.Getenv("PNPD_UPDATE_DOCS") != "1" {
		return
	}

	if len(png) > 300<<10 {
		b.t.Errorf("screenshot %s for the docs: %d KB, want under 300 KB", docName,
			len(png)>>10)
		return
	}
	if err := os.MkdirAll(docShots, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docShots, docName+".png"), png, 0o644); err != nil {
		b.t.Errorf("screenshot %s for the docs: %v", docName, err)
	}
}
