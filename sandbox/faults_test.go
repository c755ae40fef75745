package sandbox_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// followed is how soon a redelivery must come after the clock moved: well
// before the real 5 s the first one would otherwise take.
const followed = 2500 * time.Millisecond

// TestStatusFaultsThenTheClock checks that status faults send nothing and
// fail the attempts, and that each redelivery comes as soon as the clock
// is moved past its delay: 5 s, then 15 s.
func TestStatusFaultsThenTheClock(t *testing.T) {
	t.Parallel()

	w := setupHook(t, true, pnpd.ConsentAgreed)
	w.faults(t, `{"kind":"status","statusCode":503,"count":2}`)
	path := "/sandbox/v1/notifications/" + w.push(t, "")

	v := w.awaitAttempts(t, path, 1, 5*time.Second)
	checkFailed(t, v, 1, 5*time.Second)

	for i, move := range []time.Duration{5 * time.Second, 15 * time.Second} {
		moved := time.Now()
		w.moveClock(t, move)
		v = w.awaitAttempts(t, path, i+2, followed)
		if took := time.Since(moved); took > followed {
			t.Fatalf("redelivery %d came %v after the clock moved", i+1, took)
		}
		if i == 0 {
			checkFailed(t, v, 2, 15*time.Second)
		}
	}

	if n := len(w.recv.requests()); n != 1 {
		t.Fatalf("receiver got %d requests, want only the last", n)
	}
	ev := w.recv.requests()[0].event(t, w.creds.ChannelSecret)
	last := v.attempts()[2]
	if !ev.DeliveryContext.IsRedelivery || ev.WebhookEventId != v.Webhook.EventID ||
		last.Reason != "" || last.Injected != "" || !last.Redelivery ||
		!v.Webhook.Settled || !v.Webhook.Delivered {
		t.Errorf("event %+v, view %+v: want the redelivery delivered", ev, v.Webhook)
	}
}

// checkFailed checks the n-th attempt, failed by a status fault, and that
// the next is due after delay on the sandbox clock.
func checkFailed(t *testing.T, v view, n int, delay time.Duration) {
	t.Helper()

	a := v.attempts()[n-1]
	if a.Attempt != n || a.StatusCode != 503 || a.Reason != "error_status_code" ||
		a.Detail != "503" || a.Injected != "status" || a.Redelivery != (n > 1) {
		t.Errorf("attempt %d = %+v, want 503 injected by a status fault", n, a)
	}
	next := v.Webhook.NextAttemptAt
	if v.Webhook.Settled || next == nil || !next.Equal(a.At.Add(delay)) {
		t.Errorf("webhook = %+v, want the next attempt %v after attempt %d", v.Webhook,
			delay, n)
	}
}

// TestDropFault checks that a dropped request reaches the receiver and is
// redelivered, with the same event ID, once the clock passes 5 s.
func TestDropFault(t *testing.T) {
	t.Parallel()

	w := setupHook(t, true, pnpd.ConsentAgreed)
	w.faults(t, `{"kind":"drop"}`)
	path := "/sandbox/v1/notifications/" + w.push(t, "")

	v := w.awaitAttempts(t, path, 1, 5*time.Second)
	a := v.attempts()[0]
	if a.StatusCode != 0 || a.Reason != "unclassified" ||
		a.Detail != "Session closed unexpectedly" || a.Injected != "drop" {
		t.Errorf("attempt = %+v, want a dropped session", a)
	}
	if got := w.recv.await(1, 5*time.Second); len(got) != 1 {
		t.Fatalf("receiver got %d requests, want the dropped one", len(got))
	}

	w.moveClock(t, 5*time.Second)
	got := w.recv.await(2, followed)
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests after the clock moved, want 2", len(got))
	}

	first, again := got[0].event(t, w.creds.ChannelSecret), got[1].event(t,
		w.creds.ChannelSecret)
	if first.WebhookEventId != again.WebhookEventId || first.DeliveryContext.IsRedelivery ||
		!again.DeliveryContext.IsRedelivery {
		t.Errorf("events %+v then %+v, want the same event, then redelivered", first, again)
	}
}

// TestDuplicateFault checks that the receiver gets the identical request
// twice, and both are recorded.
func TestDuplicateFault(t *testing.T) {
	t.Parallel()

	w := setupHook(t, false, pnpd.ConsentAgreed)
	w.faults(t, `{"kind":"duplicate","count":1}`)
	id := w.push(t, "")

	v := w.view(t, "/sandbox/v1/notifications/"+id+"?wait=10&until=webhook")
	got := w.recv.requests()
	if len(got) != 2 || !bytes.Equal(got[0].body, got[1].body) ||
		got[0].signature != got[1].signature || got[0].signature == "" {
		t.Fatalf("receiver got %d requests, want two identical ones", len(got))
	}
	got[0].event(t, w.creds.ChannelSecret)

	a := v.attempts()
	if len(a) != 2 || a[0].Injected != "duplicate" || a[1].Injected != "duplicate" ||
		a[0].Reason != "" || a[1].Reason != "" || a[1].Attempt != 2 || !v.Webhook.Settled {
		t.Errorf("webhook = %+v, want two delivered attempts of a duplicate", v.Webhook)
	}
}

// TestDelayFault checks that a delayed webhook arrives after the delay.
func TestDelayFault(t *testing.T) {
	t.Parallel()

	w := setupHook(t, false, pnpd.ConsentAgreed)
	w.faults(t, `{"kind":"delay","delayMs":1500}`)
	pushed := time.Now()
	id := w.push(t, "")

	v := w.view(t, "/sandbox/v1/notifications/"+id+"?wait=10&until=webhook")
	got := w.recv.requests()
	if len(got) != 1 || got[0].at.Sub(pushed) < 1500*time.Millisecond {
		t.Fatalf("receiver got %d requests, want one after 1.5 s", len(got))
	}
	if a := v.attempts(); len(a) != 1 || a[0].Injected != "delay" || a[0].Reason != "" {
		t.Errorf("webhook = %+v, want one delayed attempt", v.Webhook)
	}
}

// TestFaultList checks that faults are listed oldest first with what they
// have left, and cleared.
func TestFaultList(t *testing.T) {
	t.Parallel()

	w := setupHook(t, false, pnpd.ConsentAgreed)
	w.faults(t, `{"kind":"status","statusCode":503,"count":2}`)
	r := w.call(t, "POST", w.faultsPath(), "Bearer "+token, `{"kind":"delay","delayMs":20}`)

	want := `{"faults":[` +
		`{"id":1,"kind":"status","statusCode":503,"delayMs":0,"remaining":2},` +
		`{"id":2,"kind":"delay","statusCode":0,"delayMs":20,"remaining":1}]}`
	wantError(t, "added", r, http.StatusCreated, want)
	wantError(t, "listed", w.call(t, "GET", w.faultsPath(), "Bearer "+token, ""),
		http.StatusOK, want)

	wantError(t, "cleared", w.call(t, "DELETE", w.faultsPath(), "Bearer "+token, ""),
		http.StatusNoContent, "")
	wantError(t, "listed after clearing", w.call(t, "GET", w.faultsPath(),
		"Bearer "+token, ""), http.StatusOK, `{"faults":[]}`)

	// The faults were cleared: the webhook goes through at once.
	v := w.view(t, "/sandbox/v1/notifications/"+w.push(t, "")+"?wait=10&until=webhook")
	if a := v.attempts(); len(a) != 1 || a[0].Injected != "" || !v.Webhook.Delivered {
		t.Errorf("webhook after clearing = %+v, want delivered", v.Webhook)
	}
}

// TestFaultErrors checks the answers to bad faults and unknown channels,
// byte for byte, and that none of them added a fault.
func TestFaultErrors(t *testing.T) {
	t.Parallel()

	w := setupHook(t, false, pnpd.ConsentAgreed)
	invalid := func(msg string) string { return errorBody("invalid", msg) }
	statusNeeded := invalid("A status fault needs statusCode from 300 to 599.")
	delayNeeded := invalid("A delay fault needs delayMs from 1 to 18000.")
	tests := []struct {
		name, body string
		want       string
	}{
		{"no kind", `{}`, invalid("Give kind: status, delay, drop or duplicate.")},
		{"unknown kind", `{"kind":"timeout"}`,
			invalid("Give kind: status, delay, drop or duplicate.")},
		{"status without code", `{"kind":"status"}`, statusNeeded},
		{"status 200", `{"kind":"status","statusCode":200}`, statusNeeded},
		{"status 600", `{"kind":"status","statusCode":600}`, statusNeeded},
		{"delay without time", `{"kind":"delay"}`, delayNeeded},
		{"delay of 0", `{"kind":"delay","delayMs":0}`, delayNeeded},
		{"delay too long", `{"kind":"delay","delayMs":18001}`, delayNeeded},
		{"code on a drop", `{"kind":"drop","statusCode":500}`,
			invalid("Only a status fault takes statusCode.")},
		{"delay on a duplicate", `{"kind":"duplicate","delayMs":5}`,
			invalid("Only a delay fault takes delayMs.")},
		{"count 0", `{"kind":"drop","count":0}`, invalid("Give count from 1 to 100.")},
		{"count 101", `{"kind":"drop","count":101}`, invalid("Give count from 1 to 100.")},
		{"count a fraction", `{"kind":"drop","count":1.5}`,
			invalid(`The property "count" in the request body must be a whole number.`)},
		{"code a string", `{"kind":"status","statusCode":"500"}`,
			invalid(`The property "statusCode" in the request body must be a whole number.`)},
		{"not JSON", `kind=drop`, invalid("The request body is not valid JSON.")},
	}
	for _, tt := range tests {
		r := w.call(t, "POST", w.faultsPath(), "Bearer "+token, tt.body)
		wantError(t, tt.name, r, http.StatusBadRequest, tt.want)
	}

	unknown := errorBody("not_found", "No channel has this ID.")
	for _, method := range []string{"POST", "GET", "DELETE"} {
		r := w.call(t, method, "/sandbox/v1/channels/1999999999/webhook-faults",
			"Bearer "+token, `{"kind":"drop"}`)
		wantError(t, method+" for an unknown channel", r, http.StatusNotFound, unknown)
	}
	wantError(t, "after the errors", w.call(t, "GET", w.faultsPath(), "Bearer "+token, ""),
		http.StatusOK, `{"faults":[]}`)
}

// TestNoDelayFaultsWithQuickRescue checks that a server whose jobs count as
// lost after 12 s refuses delay faults, which would have a webhook sent
// twice, and says what to change.
func TestNoDelayFaultsWithQuickRescue(t *testing.T) {
	t.Parallel()

	srv := servertest.Start(t, server.Config{Sandbox: true, SandboxToken: token,
		JobRescueAfter: 12 * time.Second})
	in := &instance{srv: srv, url: srv.URL()}
	var ch credentials
	in.sandbox(t, "POST", "/sandbox/v1/channels", `{"name":"Quick"}`, &ch)

	r := in.call(t, "POST", "/sandbox/v1/channels/"+ch.ChannelID+"/webhook-faults",
		"Bearer "+token, `{"kind":"delay","delayMs":1}`)
	wantError(t, "delay fault", r, http.StatusBadRequest, errorBody("invalid",
		"This pnpd takes no delay faults: its --job-rescue-after leaves a delayed "+
			"webhook no time; start it with --job-rescue-after 13s or more."))
}
