// Command receiver is the benchmark's webhook receiver: it answers every
// delivery webhook with 200 at once and records, for each delivery whose
// delivery.data is a benchmark tag, how long after the tag's time the
// webhook arrived.
//
// The wrk script writes the tag "b-<unix nanoseconds>-<thread>-<sequence>"
// in request(), which wrk calls immediately before it writes the request
// and starts its latency clock; both clocks are this machine's
// CLOCK_REALTIME.
//
//	receiver -addr 127.0.0.1:0 -addr-file FILE
//	POST /callback   the webhook
//	GET  /stats      counts and latency percentiles as JSON (?reset=1 clears after)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type callback struct {
	Events []struct {
		Type     string `json:"type"`
		Delivery struct {
			Data string `json:"data"`
		} `json:"delivery"`
		DeliveryContext struct {
			IsRedelivery bool `json:"isRedelivery"`
		} `json:"deliveryContext"`
	} `json:"events"`
}

type recorder struct {
	mu         sync.Mutex
	latencies  []time.Duration // receive time − tag time
	other      int             // deliveries without a benchmark tag
	redelivery int
	bad        int // bodies that were not a callback
	first      time.Time
	last       time.Time
}

// stats is what GET /stats answers.
type stats struct {
	Count       int     `json:"count"`
	Other       int     `json:"other"`
	Redelivery  int     `json:"redelivery"`
	Bad         int     `json:"bad"`
	P50MS       float64 `json:"p50Ms"`
	P90MS       float64 `json:"p90Ms"`
	P99MS       float64 `json:"p99Ms"`
	P999MS      float64 `json:"p999Ms"`
	MaxMS       float64 `json:"maxMs"`
	MeanMS      float64 `json:"meanMs"`
	FirstUnixMS int64   `json:"firstUnixMs"`
	LastUnixMS  int64   `json:"lastUnixMs"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	addrFile := flag.String("addr-file", "", "write the bound address here")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "receiver:", err)
			os.Exit(1)
		}
	}

	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /callback", rec.callback)
	mux.HandleFunc("GET /stats", rec.stats)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
}

func (rec *recorder) callback(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var cb callback
	if err == nil {
		err = json.Unmarshal(body, &cb)
	}

	rec.mu.Lock()
	switch {
	case err != nil:
		rec.bad++
	default:
		for _, e := range cb.Events {
			if e.DeliveryContext.IsRedelivery {
				rec.redelivery++
			}
			sent, ok := tagTime(e.Delivery.Data)
			if !ok {
				rec.other++
				continue
			}
			if rec.first.IsZero() {
				rec.first = now
			}
			rec.last = now
			rec.latencies = append(rec.latencies, now.Sub(sent))
		}
	}
	rec.mu.Unlock()

	w.WriteHeader(http.StatusOK)
}

// tagTime reads the send time out of "b-<unix nanoseconds>-…".
func tagTime(tag string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(tag, "b-")
	if !ok {
		return time.Time{}, false
	}
	digits, _, _ := strings.Cut(rest, "-")
	ns, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return time.Time{}, false
	}

	return time.Unix(0, ns), true
}

func (rec *recorder) stats(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	l := slices.Clone(rec.latencies)
	s := stats{Count: len(l), Other: rec.other, Redelivery: rec.redelivery, Bad: rec.bad}
	if !rec.first.IsZero() {
		s.FirstUnixMS, s.LastUnixMS = rec.first.UnixMilli(), rec.last.UnixMilli()
	}
	if r.URL.Query().Get("reset") == "1" {
		rec.latencies, rec.other, rec.redelivery, rec.bad = nil, 0, 0, 0
		rec.first, rec.last = time.Time{}, time.Time{}
	}
	rec.mu.Unlock()

	if len(l) > 0 {
		slices.Sort(l)
		var sum time.Duration
		for _, d := range l {
			sum += d
		}
		s.P50MS, s.P90MS = ms(rank(l, 50)), ms(rank(l, 90))
		s.P99MS, s.P999MS = ms(rank(l, 99)), ms(rank(l, 99.9))
		s.MaxMS, s.MeanMS = ms(l[len(l)-1]), ms(sum/time.Duration(len(l)))
	}

	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// rank is the nearest-rank percentile of sorted durations.
func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(p/100*float64(len(sorted))+0.999999) - 1

	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
