package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/pnpd/pnpd/messenger/render"
)

// TestBrowserRendersRichMessages pushes the renderer's sample messages (a
// Flex bubble with nested boxes, a Flex carousel, the templates and the
// rest) with the official SDK to a person who agreed, and checks their
// layout in the channel chat at phone and at desktop width: no two sibling
// items of a box overlap, the page never scrolls sideways, and the
// carousel scrolls within itself.
func TestBrowserRendersRichMessages(t *testing.T) {
	t.Parallel()

	w := setupBrowser(t)
	hana := phoneUser{"Hana", "090-1234-0006"}
	w.signUp(hana)
	w.agreeInSettings()

	pushed := w.pushSamples(hana)
	w.openChat(w.creds.ChannelID)
	if got := len(w.messages()); got != pushed {
		t.Fatalf("the chat shows %d messages, want the %d samples pushed", got, pushed)
	}
	for _, sel := range []string{".m-flex .m-bubble .m-box .m-box", ".m-flex-carousel",
		".m-buttons"} {
		w.waitVisible(".bubble.message .body " + sel)
	}

	w.checkLayout("phone")
	w.shot("samples-phone")
	w.docView(".m-flex:not(.m-flex-carousel)", "rendered-flex-bubble", "render-flex-360")
	w.docView(".m-flex-carousel", "rendered-carousel", "render-carousel-360")
	w.docView(".m-buttons", "rendered-buttons", "render-buttons-360")

	w.resize(desktopWidth, desktopHeight, 1)
	w.checkLayout("desktop")
	w.shot("samples-desktop")
	w.docView(".m-flex-carousel", "rendered-carousel-desktop", "render-carousel-1280")
}

// pushSamples pushes each sample as one notification and waits for its
// webhook. The samples are meant to pass the API's checks; one that does not
// fails the test and is left out.
func (w *browserWorld) pushSamples(u phoneUser) int {
	w.t.Helper()

	pushed := 0
	for i, m := range pushableSamples(w.t) {
		tag := fmt.Sprintf("rich-sample-tag-%02d", i)
		_, err := w.api.PushMessagesByPhone(&messaging_api.PnpMessagesRequest{
			To: u.hash(), Messages: []messaging_api.MessageInterface{m}}, tag)
		if err != nil {
			w.t.Errorf("render.Samples()[%d] (%s): the API refuses it: %v", i,
				m.GetType(), err)
			continue
		}
		w.hook.waitFor(w.t, tag, 10*time.Second)
		pushed++
	}

	return pushed
}

// pushableSamples are render.Samples as the business's SDK sends them. The
// samples' Flex carousel mixes bubble sizes to show every width, which the
// API refuses as LINE does; here all its bubbles are kilo.
func pushableSamples(t *testing.T) []messaging_api.MessageInterface {
	t.Helper()

	var out []messaging_api.MessageInterface
	for _, raw := range render.Samples() {
		var probe struct {
			Type     string `json:"type"`
			Contents struct {
				Type string `json:"type"`
			} `json:"contents"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			t.Fatal(err)
		}
		if probe.Type == "flex" && probe.Contents.Type == "carousel" {
			raw = oneBubbleSize(t, raw, "kilo")
		}
		out = append(out, sdkMessage(raw))
	}

	return out
}

// sdkMessage is a message the SDK sends as written. The SDK's own Flex
// types would not do: they write "flex": 0 for every component that sets
// no flex, which turns LINE's default of 1 in a horizontal box into 0 and
// so changes the layout the sample asks for.
type sdkMessage json.RawMessage

func (m sdkMessage) GetType() string {
	var probe struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(m, &probe)

	return probe.Type
}

func (m sdkMessage) MarshalJSON() ([]byte, error) { return m, nil }

// oneBubbleSize sets the size of every bubble of a Flex carousel.
func oneBubbleSize(t *testing.T, raw json.RawMessage, size string) json.RawMessage {
	t.Helper()

	var msg map[string]any
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	for _, b := range msg["contents"].(map[string]any)["contents"].([]any) {
		b.(map[string]any)["size"] = size
	}

	out, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}

	return out
}

// layout is what the page's layout check finds.
type layout struct {
	Containers int      `json:"containers"` // flex and grid containers checked
	Boxes      int      `json:"boxes"`      // Flex boxes among them
	Overlaps   []string `json:"overlaps"`
	Unreadable []string `json:"unreadable"`
	Unlike     []string `json:"unlike"` // links and buttons of one kind that differ
	PageWidth  int      `json:"pageWidth"`
	// A phone widens its layout viewport to a page that is too wide, so
	// innerWidth alone would hide the overflow; clientWidth would not.
	Viewport    int `json:"viewport"`
	ClientWidth int `json:"clientWidth"`
	Carousels   []struct {
		ScrollWidth int    `json:"scrollWidth"`
		ClientWidth int    `json:"clientWidth"`
		OverflowX   string `json:"overflowX"`
	} `json:"carousels"`
}

// layoutCheck runs in the page. In every flex or grid container inside a
// message bubble (Flex boxes, carousels, template cards) it compares the
// rectangles of each pair of children that take part in the layout: an
// absolutely positioned child may overlap by design, an empty one is not
// seen. It also measures the page's and the Flex carousels' widths.
const layoutCheck = `(() => {
  const inFlow = (el) => {
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    return s.position !== "absolute" && s.position !== "fixed" &&
      r.width >= 1 && r.height >= 1;
  };
  const name = (el) => el.tagName.toLowerCase() + "." + [...el.classList].join(".") +
    " " + JSON.stringify(el.innerText.trim().slice(0, 30));
  const containers = [...document.querySelectorAll(".bubble.message .body *")]
    .filter((el) => /flex|grid/.test(getComputedStyle(el).display));
  const overlaps = [];
  for (const box of containers) {
    const items = [...box.children].filter(inFlow);
    items.forEach((a, i) => items.slice(i + 1).forEach((b) => {
      const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 0.5 && h > 0.5) overlaps.push(name(a) + " overlaps " + name(b) + " in " + name(box));
    }));
  }
  const carousels = [...document.querySelectorAll(".bubble.message .m-flex-carousel .m-scroller")]
    .map((s) => ({scrollWidth: s.scrollWidth, clientWidth: s.clientWidth,
      overflowX: getComputedStyle(s).overflowX}));
  // A link and a button of the same kind must look the same: the page's own
  // styles for its buttons must not reach the message's.
  const looks = {};
  const unlike = [];
  for (const el of document.querySelectorAll(".bubble.message .body :is(a, button)")) {
    const s = getComputedStyle(el), kind = [...el.classList].sort().join(".");
    const look = [s.borderTopLeftRadius, s.borderTopRightRadius, s.paddingLeft,
      s.paddingTop, s.fontSize, s.fontWeight, s.lineHeight, s.opacity].join(" ");
    if (looks[kind] === undefined) looks[kind] = [el, look];
    else if (looks[kind][1] !== look) unlike.push(name(looks[kind][0]) + " looks like " +
      looks[kind][1] + " but " + name(el) + " like " + look);
  }
  const unreadable = [...document.querySelectorAll(".bubble.message .m-ph-invalid, " +
    ".bubble.message .m-ph-unsupported")].map(name);
  return {containers: containers.length, overlaps, carousels, unreadable, unlike,
    boxes: document.querySelectorAll(".bubble.message .m-box").length,
    pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
    clientWidth: document.documentElement.clientWidth};
})()`

// checkLayout runs the layout check and reports what it finds.
func (w *browserWorld) checkLayout(size string) {
	w.t.Helper()

	got := eval[layout](w.tab, layoutCheck)
	w.t.Logf("%s: %d containers, %d Flex boxes, page %d px in a %d px viewport", size,
		got.Containers, got.Boxes, got.PageWidth, got.Viewport)
	if got.Boxes < 10 {
		w.t.Errorf("%s: %d Flex boxes on the page; the samples have more", size, got.Boxes)
	}
	for _, o := range got.Overlaps {
		w.t.Errorf("%s: %s", size, o)
	}
	for _, u := range got.Unlike {
		w.t.Errorf("%s: %s", size, u)
	}
	for _, u := range got.Unreadable {
		w.t.Errorf("%s: a sample shows as unreadable: %s", size, u)
	}
	if got.PageWidth > int(w.width) || got.Viewport != int(w.width) ||
		got.ClientWidth != int(w.width) {
		w.t.Errorf("%s: the page is %d px wide (viewport %d px, layout %d px) on a %d px "+
			"screen: it scrolls sideways", size, got.PageWidth, got.Viewport,
			got.ClientWidth, w.width)
	}
	if len(got.Carousels) != 1 {
		w.t.Fatalf("%s: %d Flex carousels on the page, want 1", size, len(got.Carousels))
	}
	if c := got.Carousels[0]; c.ScrollWidth <= c.ClientWidth ||
		(c.OverflowX != "auto" && c.OverflowX != "scroll") {
		w.t.Errorf("%s: carousel %+v does not scroll within itself", size, c)
	}
}

// docView scrolls the element's bubble to the top of the viewport, below the
// page's bar, and saves what the viewport shows, also for the documentation
// under PNPD_UPDATE_DOCS=1: a whole chat of rich messages is too long for
// one small picture.
func (w *browserWorld) docView(sel, name, docName string) {
	w.t.Helper()

	w.do("scroll to "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
  const top = document.querySelector(%q).closest(".bubble").getBoundingClientRect().top;
  const bar = document.querySelector(".bar").getBoundingClientRect().height;
  window.scrollBy(0, top - bar - 8);
})()`, sel)))
	w.viewShot(name, docName)
}
