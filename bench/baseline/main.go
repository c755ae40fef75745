// Command baseline is the benchmark's yardstick: a bare net/http server
// that reads POST /bot/pnp/push as pnpd does (body at most 2 MB, JSON
// decoded into the push request's fields) and answers 200 {} — or 400 when
// the JSON does not parse — with no authentication, validation or storage.
// What pnpd costs beyond it is what pnpd's own work costs.
//
//	baseline -addr 127.0.0.1:0 -addr-file FILE
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

type pushRequest struct {
	To       *string `json:"to"`
	Messages []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"messages"`
	NotificationDisabled   *bool    `json:"notificationDisabled"`
	CustomAggregationUnits []string `json:"customAggregationUnits"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	addrFile := flag.String("addr-file", "", "write the bound address here")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /bot/pnp/push", push)
	// With BENCH_KIND=template the same decoding answers the template
	// notification's path: its body decodes into the same fields, the
	// template's members ignored, as a yardstick should.
	mux.HandleFunc("POST /v2/bot/message/pnp/templated/push", push)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	// The same server timeouts as pnpd's.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func push(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2<<20))
	var req pushRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}

	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"The request body could not be parsed as JSON"}`))
		return
	}

	_, _ = w.Write([]byte("{}"))
}
