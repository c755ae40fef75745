// Command report turns the raw results of bench/run.sh into bench/RESULTS.md
// and the chart bench/results.png (drawn with the standard library).
//
//	report -results DIR -md bench/RESULTS.md -png bench/results.png
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// wrkResult is what push.lua's done() writes.
type wrkResult struct {
	DurationS    float64 `json:"durationS"`
	Requests     int     `json:"requests"`
	RPS          float64 `json:"rps"`
	AcceptedPerS float64 `json:"acceptedPerS"`
	RateTarget   float64 `json:"rateTarget"`
	LatencyUS    struct {
		P50, P90, P99, P999, Max, Mean, Stdev float64
	} `json:"latencyUs"`
	Status map[string]int `json:"status"`
	Sent   map[string]int `json:"sent"`
	Errors map[string]int `json:"errors"`
}

// hookResult is what the receiver's /stats answers.
type hookResult struct {
	Count  int     `json:"count"`
	P50MS  float64 `json:"p50Ms"`
	P90MS  float64 `json:"p90Ms"`
	P99MS  float64 `json:"p99Ms"`
	P999MS float64 `json:"p999Ms"`
	MaxMS  float64 `json:"maxMs"`
	MeanMS float64 `json:"meanMs"`
}

// seedResult is what bench/seed writes.
type seedResult struct {
	Recipients    int     `json:"recipients"`
	SeedSeconds   float64 `json:"seedSeconds"`
	RowsPerSecond float64 `json:"rowsPerSecond"`
	DBBytes       int64   `json:"dbBytes"`
	Lookups       int     `json:"lookups"`
	LookupMeanUS  float64 `json:"lookupMeanUs"`
	LookupP50US   float64 `json:"lookupP50Us"`
	LookupP99US   float64 `json:"lookupP99Us"`
}

// phase is one wrk run with what was measured around it.
type phase struct {
	wrk     *wrkResult
	proc    map[string]float64
	hook    *hookResult
	seed    *seedResult
	wrkUser float64 // wrk's own CPU seconds
	wrkSys  float64
}

func (p *phase) ok() bool { return p != nil && p.wrk != nil }

// cores is the server's CPU time over the run's wall time.
func (p *phase) cores() float64 {
	return p.proc["cpu_ms"] / math.Max(p.proc["wall_ms"], 1)
}

func (p *phase) cpuPerRequestUS() float64 {
	return p.proc["cpu_ms"] * 1000 / math.Max(float64(p.wrk.Requests), 1)
}

func (p *phase) wrkCores() float64 {
	return (p.wrkUser + p.wrkSys) * 1000 / math.Max(p.proc["wall_ms"], 1)
}

func main() {
	dir := flag.String("results", "", "the raw results folder of run.sh")
	md := flag.String("md", "bench/RESULTS.md", "the Markdown report to write")
	pngPath := flag.String("png", "bench/results.png", "the chart to write")
	flag.Parse()
	if *dir == "" {
		flag.Usage()
		os.Exit(2)
	}

	meta, err := readEnv(filepath.Join(*dir, "meta.env"))
	if err != nil {
		fail(err)
	}
	phases := map[string]*phase{}
	for _, name := range []string{"max-small", "max-baseline", "steady-small",
		"steady-baseline", "steady-low", "max-large"} {
		phases[name] = readPhase(*dir, name)
	}

	r := &report{meta: meta, p: phases, chart: filepath.Base(*pngPath)}
	if err := os.WriteFile(*md, []byte(r.markdown()), 0o644); err != nil {
		fail(err)
	}
	if err := writeChart(*pngPath, r.heading(), r.subheading(), r.panels()); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}

func readPhase(dir, name string) *phase {
	p := &phase{proc: map[string]float64{}}
	var w wrkResult
	if readJSON(filepath.Join(dir, name+".wrk.json"), &w) == nil {
		p.wrk = &w
	}
	var h hookResult
	if readJSON(filepath.Join(dir, name+".hook.json"), &h) == nil {
		p.hook = &h
	}
	var s seedResult
	if readJSON(filepath.Join(dir, name+".seed.json"), &s) == nil {
		p.seed = &s
	}
	if env, err := readEnv(filepath.Join(dir, name+".proc.env")); err == nil {
		for k, v := range env {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				p.proc[k] = f
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, name+".wrk.cpu")); err == nil {
		_, _ = fmt.Sscan(string(b), &p.wrkUser, &p.wrkSys)
	}

	return p
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}

	return json.Unmarshal(b, v)
}

// readEnv reads KEY=VALUE lines.
func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = strings.TrimSpace(v)
		}
	}

	return env, sc.Err()
}

type report struct {
	meta  map[string]string
	p     map[string]*phase
	chart string
}

func (r *report) num(key string) float64 {
	f, _ := strconv.ParseFloat(r.meta[key], 64)
	return f
}

func (r *report) heading() string {
	return "PNPD POST /BOT/PNP/PUSH VS BASELINE"
}

func (r *report) subheading() string {
	s := fmt.Sprintf("%s, %s CORES (%s), COMMIT %s", r.meta["date"], r.meta["nproc"], r.meta["cpu"],
		r.meta["commit"])
	if strings.TrimSpace(r.meta["dirty"]) != "" {
		s += " + UNCOMMITTED CHANGES"
	}
	if r.meta["mode"] == "quick" {
		s += ", QUICK MODE"
	}

	return s + ". WRK AND THE WEBHOOK RECEIVER RUN ON THE SAME CORES."
}

// --- Markdown -------------------------------------------------------------------

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# pnpd benchmark results\n\n")
	w("Written by `bench/run.sh`%s on %s; do not edit by hand, run it again.\n\n",
		map[bool]string{true: " --quick", false: ""}[r.meta["mode"] == "quick"], r.meta["date"])
	w("| | |\n|---|---|\n")
	w("| Machine | %s cores (%s), %s, Linux %s |\n", r.meta["nproc"], r.meta["cpu"],
		r.meta["memory"], r.meta["kernel"])
	commit := r.meta["commit"]
	if d := strings.TrimSpace(r.meta["dirty"]); d != "" {
		commit += fmt.Sprintf(" plus uncommitted changes to %s", strings.ReplaceAll(d, " ", ", "))
	}
	w("| pnpd | `%s`, built with %s |\n", commit, r.meta["go"])
	w("| Load tool | wrk %s, `-t%s -c%s --latency --timeout 10s`, Lua script `bench/push.lua`, on the same machine |\n",
		r.meta["wrk"], r.meta["threads"], r.meta["connections"])
	w("| Mix | %s %% delivered at once (consent agreed) / held (consent not set) / refused (rejected or no account, 422) / bad requests (400) |\n",
		strings.ReplaceAll(r.meta["mix"], ",", " / "))
	w("| Load average | %s before, %s after (1, 5, 15 min) |\n", r.meta["load_before"],
		r.meta["load_after"])
	w("| Run time | %s s in all |\n", r.meta["total_seconds"])
	w("| Reproduce | `bench/run.sh` (about 5 minutes; writes this file and the chart). `bench/run.sh --quick` (about 1 minute) and `--profile` write their reports into bench/.out. Needs Go and `apt-get install -y wrk` |\n\n")

	if l, _ := strconv.ParseFloat(strings.Fields(r.meta["load_before"] + " 0")[0], 64); l > 1 {
		w("> Other work was running on this machine when the run started (load average %s):\n"+
			"> the numbers are lower and noisier than on an idle machine.\n\n", r.meta["load_before"])
	}
	w("![pnpd against the baseline: requests per second and latency](%s)\n\n", r.chart)

	w("## Targets\n\n")
	w("| Target | Measured | Met |\n|---|---|---|\n")
	for _, t := range r.targets() {
		w("| %s | %s | %s |\n", t.what, t.measured, yesNo(t.met))
	}

	w("\n## Maximum load\n\n")
	w("wrk as fast as %s connections go, %s s each, the rate limit off (`--rate-limit 0`).\n\n",
		r.meta["connections"], r.meta["max_seconds"])
	ms, ml, mb := r.p["max-small"], r.p["max-large"], r.p["max-baseline"]
	w("| | pnpd, %s recipients | pnpd, %s recipients | baseline |\n|---|--:|--:|--:|\n",
		thousands(r.num("small")), thousands(r.num("large")))
	r.loadRows(&b, ms, ml, mb)

	w("\n## Steady rate\n\n")
	w("A constant %s requests/s for %s s (pnpd) and %s s (baseline); see below for how the rate is held.\n\n",
		thousands(r.num("rate")), r.meta["steady_seconds"], r.meta["baseline_steady_seconds"])
	ss, sb, sl := r.p["steady-small"], r.p["steady-baseline"], r.p["steady-low"]
	w("| | pnpd, %s/s | pnpd, %s/s for %s s | baseline, %s/s |\n|---|--:|--:|--:|\n",
		thousands(r.num("rate")), thousands(r.num("low_rate")), r.meta["low_seconds"],
		thousands(r.num("rate")))
	r.loadRows(&b, ss, sl, sb)
	w("\nAll three with %s recipients. The middle column is a quarter of the target rate, to\n"+
		"show pnpd's latency below saturation; no target applies to it.", thousands(r.num("small")))
	if sl.ok() && sl.wrk.RPS < 0.98*sl.wrk.RateTarget {
		w(" pnpd did not hold even this rate in this run (%s of %s requests/s).",
			thousands(sl.wrk.RPS), thousands(sl.wrk.RateTarget))
	}
	w("\n")

	if obs := r.observations(); len(obs) > 0 {
		w("\n## What the numbers say\n\n")
		for _, o := range obs {
			w("- %s\n", o)
		}
	}

	w("\n## Seeding and start-up\n\n")
	w("| | %s recipients | %s recipients |\n|---|--:|--:|\n",
		thousands(r.num("small")), thousands(r.num("large")))
	sd, ld := ms.seed, ml.seed
	row := func(name string, f func(*phase) string) {
		w("| %s | %s | %s |\n", name, f(ms), f(ml))
	}
	if sd != nil && ld != nil {
		row("Seeding (CreateRecipient, 50,000 per transaction)", func(p *phase) string {
			return fmt.Sprintf("%.1f s (%s rows/s)", p.seed.SeedSeconds, thousands(p.seed.RowsPerSecond))
		})
		row("Database size after seeding", func(p *phase) string {
			return fmt.Sprintf("%.0f MB", float64(p.seed.DBBytes)/1e6)
		})
		row("Lookup by hash (RecipientByPhoneHash), mean / p50 / p99", func(p *phase) string {
			return fmt.Sprintf("%.0f / %.0f / %.0f µs", p.seed.LookupMeanUS, p.seed.LookupP50US,
				p.seed.LookupP99US)
		})
	}
	row("Start-up: exec → \"listening\" line", func(p *phase) string {
		return fmt.Sprintf("%.0f ms", p.proc["listen_ms"])
	})
	row("Start-up: exec → first 200 (GET /login)", func(p *phase) string {
		return fmt.Sprintf("%.0f ms", p.proc["ready_ms"])
	})
	row("Shut-down (SIGTERM → exit)", func(p *phase) string {
		return fmt.Sprintf("%.0f ms", p.proc["shutdown_ms"])
	})

	w("\n## How it is measured\n\n")
	w(`- Everything runs on this one machine, on 127.0.0.1: pnpd (or the baseline), wrk, and
  the webhook receiver (bench/receiver). wrk and the receiver take CPU from the
  server under test, so the numbers are lower bounds of what the server alone
  would do; "wrk CPU" in the tables shows how much.
- Each pnpd run starts on a fresh data folder: bench/seed opens its pnpd.db with
  the repository's sqlite package before pnpd starts and writes the recipients with
  CreateRecipient (70 %% agreed and verified 30 days ago, 20 %% consent not set,
  10 %% rejected), then the hash lists push.lua sends to (up to 50,000 per kind,
  drawn at random from the whole table). pnpd then runs as
  `+"`pnpd serve --demo --addr 127.0.0.1:0 --data DIR --rate-limit 0 --log-level warn`"+`,
  and a channel whose webhook is the receiver is created through the sandbox API.
- The baseline (bench/baseline) is a bare net/http server: it reads the body as
  pnpd does (2 MB limit), decodes the same JSON into a struct and answers 200 `+"`{}`"+`
  (400 when the JSON does not parse). No authentication, validation or storage.
- Accept latency: wrk's own latency histogram (`+"`--latency`"+`; p99.9 from
  `+"`latency:percentile(99.9)`"+` in push.lua's done()), over every answer of the mix.
- Accept → webhook: push.lua puts the wall-clock time into the delivery tag
  (`+"`X-Line-Delivery-Tag: b-<unix ns>-<thread>-<seq>`"+`) in request(), which wrk
  calls just before it writes the request and starts its latency clock; pnpd echoes
  the tag in delivery.data and the receiver subtracts it from its receive time.
  So the figure runs from send to webhook received: it includes the accept
  latency and overstates accept → webhook by at most that. wrk's response()
  callback cannot tell which request an answer belongs to, so the exact 200 time
  of each request cannot be joined with its webhook.
- The steady rate: Debian's wrk has no `+"`-R`"+` (that is wrk2). push.lua defines
  delay(): each wrk thread hands out send slots 1/(rate/threads) apart on the
  wall clock, and a connection ready to send waits for the next free slot.
  Missed slots are not made up, so a server that cannot keep up shows as an
  achieved rate below the target (both are in the table), and its latency then
  is closed-loop latency, not the latency at the target rate.
- CPU: utime + stime of the server from /proc/PID/stat before and after the run;
  "cores" is CPU time over wall time (2.0 = both cores). Peak RSS: VmHWM from
  /proc/PID/status after the run (the peak since the process started, start-up
  and seeding of the demo included).
- Start-up: from exec to the "pnpd listening on" line, and to the first 200 on
  GET /login, polled every 2 ms.
- Webhooks still queued when wrk stops are waited for (at most %s s) before
  the receiver's figures are read.
`, r.meta["drain_seconds"])

	return b.String()
}

// loadRows writes the rows of a load table for up to three runs (the middle
// one may be nil).
func (r *report) loadRows(b *strings.Builder, a, m, base *phase) {
	cols := []*phase{a, m, base}
	if m == nil {
		cols = []*phase{a, base}
	}
	row := func(name string, f func(p *phase, isBase bool) string) {
		fmt.Fprintf(b, "| %s |", name)
		for i, p := range cols {
			v := "—"
			if p.ok() {
				v = f(p, i == len(cols)-1)
			}
			fmt.Fprintf(b, " %s |", v)
		}
		b.WriteString("\n")
	}

	if a.ok() && a.wrk.RateTarget > 0 {
		row("Target rate", func(p *phase, _ bool) string {
			return thousands(p.wrk.RateTarget) + "/s"
		})
	}
	row("Requests/s (all answers)", func(p *phase, _ bool) string { return thousands(p.wrk.RPS) })
	row("Accepted/s (200)", func(p *phase, _ bool) string { return thousands(p.wrk.AcceptedPerS) })
	row("Requests in the run", func(p *phase, _ bool) string { return thousands(float64(p.wrk.Requests)) })
	row("Answers 200 / 400 / 422 / other", func(p *phase, _ bool) string {
		s := p.wrk.Status
		other := p.wrk.Requests - s["200"] - s["400"] - s["422"]
		return fmt.Sprintf("%s / %s / %s / %s", thousands(float64(s["200"])),
			thousands(float64(s["400"])), thousands(float64(s["422"])), thousands(float64(other)))
	})
	row("Socket errors (connect, read, write, timeout)", func(p *phase, _ bool) string {
		e := p.wrk.Errors
		return fmt.Sprintf("%d, %d, %d, %d", e["connect"], e["read"], e["write"], e["timeout"])
	})
	row("Accept latency p50", func(p *phase, _ bool) string { return msText(p.wrk.LatencyUS.P50 / 1000) })
	row("Accept latency p90", func(p *phase, _ bool) string { return msText(p.wrk.LatencyUS.P90 / 1000) })
	row("Accept latency p99", func(p *phase, _ bool) string { return msText(p.wrk.LatencyUS.P99 / 1000) })
	row("Accept latency p99.9", func(p *phase, _ bool) string { return msText(p.wrk.LatencyUS.P999 / 1000) })
	row("Accept latency max", func(p *phase, _ bool) string { return msText(p.wrk.LatencyUS.Max / 1000) })
	row("Send → webhook received p50 / p99 / p99.9", func(p *phase, isBase bool) string {
		if isBase || p.hook == nil || p.hook.Count == 0 {
			return "—"
		}
		return fmt.Sprintf("%s / %s / %s", msText(p.hook.P50MS), msText(p.hook.P99MS), msText(p.hook.P999MS))
	})
	row("Webhooks received / pushes to consented sent", func(p *phase, isBase bool) string {
		if isBase {
			return "—"
		}
		return fmt.Sprintf("%s / %s (waited %.1f s after wrk)", thousands(p.proc["webhooks_received"]),
			thousands(p.proc["webhooks_expected"]), p.proc["drain_ms"]/1000)
	})
	row("Peak RSS (VmHWM)", func(p *phase, _ bool) string { return fmt.Sprintf("%.0f MB", p.proc["hwm_kb"]/1024) })
	row("Server CPU (cores busy)", func(p *phase, _ bool) string {
		return fmt.Sprintf("%.2f (%.0f µs per request)", p.cores(), p.cpuPerRequestUS())
	})
	row("wrk's own CPU (cores busy)", func(p *phase, _ bool) string {
		if p.wrkUser+p.wrkSys == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f", p.wrkCores())
	})
	row("Everything else on the machine (cores busy; the receiver included)", func(p *phase, _ bool) string {
		if p.proc["machine_busy_ms"] == 0 {
			return "—"
		}
		other := (p.proc["machine_busy_ms"]-p.proc["cpu_ms"])/math.Max(p.proc["wall_ms"], 1) - p.wrkCores()
		return fmt.Sprintf("%.2f (load average %.1f before)", math.Max(other, 0), p.proc["load_before"])
	})
}

// observations are conclusions the numbers support on their own.
func (r *report) observations() []string {
	var obs []string
	ms, ss, sl, ml := r.p["max-small"], r.p["steady-small"], r.p["steady-low"], r.p["max-large"]
	cores := r.num("nproc")

	if ms.ok() && cores > 0 {
		idle := cores - ms.cores() - ms.wrkCores()
		if idle > 0.3 {
			obs = append(obs, fmt.Sprintf("At maximum load pnpd kept %.2f of %.0f cores busy and wrk "+
				"%.2f, so about %.1f cores stood idle: pnpd's throughput is bounded by work done "+
				"one request after another, not by CPU. `bench/run.sh --profile` shows where.",
				ms.cores(), cores, ms.wrkCores(), idle))
		}
	}
	if ss.ok() && ss.hook != nil && sl.ok() && sl.hook != nil && ss.hook.P50MS > 1000 {
		obs = append(obs, fmt.Sprintf("Webhooks fall behind once pushes saturate pnpd: in the %s s "+
			"run at %s requests/s, send → webhook grew to %s at p50, and %s of %s webhooks "+
			"had arrived %.0f s after wrk stopped. At %s requests/s they keep up: p50 %s, p99 %s.",
			r.meta["steady_seconds"], thousands(ss.wrk.RPS), msText(ss.hook.P50MS),
			thousands(ss.proc["webhooks_received"]), thousands(ss.proc["webhooks_expected"]),
			ss.proc["drain_ms"]/1000, thousands(sl.wrk.RPS), msText(sl.hook.P50MS),
			msText(sl.hook.P99MS)))
	}
	if sl.ok() && ms.ok() && sl.wrk.Requests > 0 {
		why := "when commits, and River's polling for jobs, are shared by more requests"
		if ms.proc["drain_ms"] > 5000 {
			why = "when most webhooks are sent after wrk stops"
		}
		obs = append(obs, fmt.Sprintf("pnpd spends %.1f ms of CPU per request at %s requests/s, "+
			"webhooks included, against %.1f ms during maximum load, %s.",
			sl.cpuPerRequestUS()/1000, thousands(sl.wrk.RPS), ms.cpuPerRequestUS()/1000, why))
	}
	if ms.ok() && ml.ok() && ms.seed != nil && ml.seed != nil {
		perReq := 1e6 / ms.wrk.RPS
		obs = append(obs, fmt.Sprintf("A lookup by hash costs %.0f µs more with %s recipients "+
			"than with %s; pnpd handles a request every %s µs at maximum load, so the lookup "+
			"adds about %.1f %% to the push path.", ml.seed.LookupMeanUS-ms.seed.LookupMeanUS,
			thousands(r.num("large")), thousands(r.num("small")), thousands(perReq),
			100*(ml.seed.LookupMeanUS-ms.seed.LookupMeanUS)/perReq))
	}

	return obs
}

type target struct {
	what, measured string
	met            bool
}

func (r *report) targets() []target {
	var ts []target
	ms, mb, ss, ml := r.p["max-small"], r.p["max-baseline"], r.p["steady-small"], r.p["max-large"]

	if ms.ok() && mb.ok() {
		ratio := ms.wrk.RPS / mb.wrk.RPS
		ts = append(ts, target{"Accept throughput ≥ 0.5 × the baseline's",
			fmt.Sprintf("%s requests/s against %s/s: %.3f ×", thousands(ms.wrk.RPS),
				thousands(mb.wrk.RPS), ratio), ratio >= 0.5})
	}
	if ms.ok() {
		ts = append(ts, target{"≥ 20,000 accepted/s (rate limit off)",
			fmt.Sprintf("%s accepted/s (%s requests/s)", thousands(ms.wrk.AcceptedPerS),
				thousands(ms.wrk.RPS)), ms.wrk.AcceptedPerS >= 20000})
	}
	if ss.ok() {
		rate := ss.wrk.RateTarget
		held := ss.wrk.RPS >= 0.98*rate
		heldNote := ""
		if !held {
			heldNote = fmt.Sprintf("; the rate was not held: %s of %s requests/s",
				thousands(ss.wrk.RPS), thousands(rate))
		}
		p99 := ss.wrk.LatencyUS.P99 / 1000
		ts = append(ts, target{fmt.Sprintf("At a steady %s requests/s for %s s: p99 accept ≤ 10 ms",
			thousands(rate), r.meta["steady_seconds"]),
			fmt.Sprintf("p99 %s%s", msText(p99), heldNote), held && p99 <= 10})
		if ss.hook != nil {
			// Up to one request per connection may be cut off when wrk stops.
			all := ss.proc["webhooks_received"] >= ss.proc["webhooks_expected"]-r.num("connections")
			note := ""
			if !all {
				note = fmt.Sprintf("; only %s of %s webhooks arrived within %s s after wrk",
					thousands(ss.proc["webhooks_received"]), thousands(ss.proc["webhooks_expected"]),
					r.meta["drain_seconds"])
			}
			ts = append(ts, target{"… and accept → webhook received p99 ≤ 100 ms (consented)",
				fmt.Sprintf("p99 %s (send → received)%s%s", msText(ss.hook.P99MS), heldNote, note),
				held && all && ss.hook.P99MS <= 100})
		}
	}
	if ms.ok() && ml.ok() {
		drop := 1 - ml.wrk.RPS/ms.wrk.RPS
		lat := ml.wrk.LatencyUS.P50/ms.wrk.LatencyUS.P50 - 1
		m := fmt.Sprintf("%s requests/s with %s recipients against %s/s with %s: %s; p50 %s against %s",
			thousands(ml.wrk.RPS), thousands(r.num("large")), thousands(ms.wrk.RPS),
			thousands(r.num("small")), signedPct(-drop), msText(ml.wrk.LatencyUS.P50/1000),
			msText(ms.wrk.LatencyUS.P50/1000))
		if ms.seed != nil && ml.seed != nil {
			m += fmt.Sprintf("; lookup by hash %.0f µs against %.0f µs (mean)", ml.seed.LookupMeanUS,
				ms.seed.LookupMeanUS)
		}
		what := fmt.Sprintf("%s seeded recipients: push path ≤ 10 %% slower", thousands(r.num("large")))
		if r.num("large") < 1e6 {
			what += " (quick mode: fewer than the target's 1,000,000)"
		}
		ts = append(ts, target{what, m, drop <= 0.10 && lat <= 0.10})
	}

	var worstReady, worstHWM float64
	starts := 0
	for _, name := range []string{"max-small", "steady-small", "steady-low", "max-large"} {
		p := r.p[name]
		if p == nil || p.proc["ready_ms"] == 0 {
			continue
		}
		starts++
		worstReady = math.Max(worstReady, p.proc["ready_ms"])
		worstHWM = math.Max(worstHWM, p.proc["hwm_kb"])
	}
	ready := fmt.Sprintf("slowest of %d starts %.0f ms", starts, worstReady)
	if ml := r.p["max-large"]; ml != nil && ml.proc["ready_ms"] > 0 {
		ready += fmt.Sprintf("; %.0f ms with %s recipients", ml.proc["ready_ms"],
			thousands(r.num("large")))
	}
	ts = append(ts, target{"Start-up < 1 s (exec → first 200)", ready,
		worstReady > 0 && worstReady < 1000})
	ts = append(ts, target{"RSS < 300 MB", fmt.Sprintf("peak VmHWM %.0f MB over all pnpd runs",
		worstHWM/1024), worstHWM > 0 && worstHWM < 300*1024})

	return ts
}

func yesNo(b bool) string {
	if b {
		return "met"
	}

	return "**not met**"
}

func msText(ms float64) string {
	switch {
	case ms <= 0:
		return "—"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.1f ms", ms)
	}

	return fmt.Sprintf("%s ms", thousands(ms))
}

func signedPct(f float64) string {
	return fmt.Sprintf("%+.1f %%", f*100)
}

// thousands writes a number rounded to an integer with commas.
func thousands(f float64) string {
	n := int64(math.Round(f))
	s := strconv.FormatInt(max(n, -n), 10)
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if n < 0 {
		return "-" + string(out)
	}

	return string(out)
}

// --- the chart ---------------------------------------------------------------------

func (r *report) panels() []panel {
	ms, mb, ss, sb, sl, ml := r.p["max-small"], r.p["max-baseline"], r.p["steady-small"],
		r.p["steady-baseline"], r.p["steady-low"], r.p["max-large"]
	small, large := shortCount(r.num("small")), shortCount(r.num("large"))

	var ps []panel
	tput := panel{title: fmt.Sprintf("REQUESTS/S AT MAXIMUM LOAD (WRK -T%s -C%s, %s S)",
		r.meta["threads"], r.meta["connections"], r.meta["max_seconds"]), axis: "REQUESTS/S"}
	if mb.ok() {
		tput.bars = append(tput.bars, bar{"BASELINE", mb.wrk.RPS, baseOrng, thousands(mb.wrk.RPS)})
		tput.lines = append(tput.lines, refLine{mb.wrk.RPS / 2, "0.5 X BASELINE"})
	}
	if ms.ok() {
		tput.bars = append(tput.bars,
			bar{"PNPD " + small + " ALL", ms.wrk.RPS, pnpdBlue, thousands(ms.wrk.RPS)},
			bar{"PNPD " + small + " 200 ONLY", ms.wrk.AcceptedPerS, pnpdLight, thousands(ms.wrk.AcceptedPerS)})
	}
	if ml.ok() {
		tput.bars = append(tput.bars,
			bar{"PNPD " + large + " ALL", ml.wrk.RPS, pnpdBlue, thousands(ml.wrk.RPS)})
	}
	tput.lines = append(tput.lines, refLine{20000, "20,000 ACCEPTED/S"})
	ps = append(ps, tput)

	lat := panel{title: "ACCEPT LATENCY AT MAXIMUM LOAD", axis: "MILLISECONDS, LOG SCALE",
		log: true, gapBefore: map[int]bool{}}
	percentiles(&lat, mb, "", ms, small, ml, large)
	ps = append(ps, lat)

	rate, low := shortCount(r.num("rate"))+"/S", shortCount(r.num("low_rate"))+"/S"
	st := panel{title: fmt.Sprintf("STEADY RATE, %s S: LATENCY", r.meta["steady_seconds"]),
		axis: "MILLISECONDS, LOG SCALE", log: true, gapBefore: map[int]bool{}}
	if ss.ok() && ss.wrk.RPS < 0.98*ss.wrk.RateTarget {
		st.title += fmt.Sprintf(" (PNPD HELD ONLY %s OF %s REQUESTS/S)", thousands(ss.wrk.RPS),
			thousands(ss.wrk.RateTarget))
	}
	percentiles(&st, sb, rate, ss, rate, sl, low)
	st.lines = []refLine{{10, "10 MS: P99 ACCEPT"}, {100, "100 MS: P99 WEBHOOK"}}
	for _, h := range []struct {
		p     *phase
		label string
	}{{ss, rate}, {sl, low}} {
		if h.p.ok() && h.p.hook != nil && h.p.hook.Count > 0 {
			st.gapBefore[len(st.bars)] = true
			st.bars = append(st.bars,
				bar{"PNPD " + h.label + " WEBHOOK P50", h.p.hook.P50MS, pnpdLight, msText(h.p.hook.P50MS)},
				bar{"PNPD " + h.label + " WEBHOOK P99", h.p.hook.P99MS, pnpdLight, msText(h.p.hook.P99MS)})
		}
	}
	ps = append(ps, st)

	return ps
}

// percentiles adds p50, p99 and p99.9 bars of the baseline, pnpd and,
// when given, a second pnpd run, grouped by percentile; the strings name them.
func percentiles(p *panel, base *phase, baseLabel string, pnpd *phase, small string,
	pnpdLarge *phase, large string) {
	for _, pc := range []struct {
		name string
		get  func(*wrkResult) float64
	}{
		{"P50", func(w *wrkResult) float64 { return w.LatencyUS.P50 / 1000 }},
		{"P99", func(w *wrkResult) float64 { return w.LatencyUS.P99 / 1000 }},
		{"P99.9", func(w *wrkResult) float64 { return w.LatencyUS.P999 / 1000 }},
	} {
		if len(p.bars) > 0 {
			p.gapBefore[len(p.bars)] = true
		}
		for _, s := range []struct {
			label string
			ph    *phase
			c     color.Color
		}{{strings.TrimSpace("BASELINE " + baseLabel), base, baseOrng}, {"PNPD " + small, pnpd, pnpdBlue}, {"PNPD " + large, pnpdLarge, pnpdBlue}} {
			if !s.ph.ok() {
				continue
			}
			v := pc.get(s.ph.wrk)
			p.bars = append(p.bars, bar{s.label + " " + pc.name, v, s.c, msText(v)})
		}
	}
}

func shortCount(n float64) string {
	switch {
	case n >= 1e6 && math.Mod(n, 1e6) == 0:
		return fmt.Sprintf("%.0fM", n/1e6)
	case n >= 1e3 && math.Mod(n, 1e3) == 0:
		return fmt.Sprintf("%.0fK", n/1e3)
	}

	return thousands(n)
}
