package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/pnpd/pnpd"
)

func TestPublic(t *testing.T) {
	t.Parallel()

	tests := []struct {
		addr string
		want bool
	}{
		{"203.0.113.7", true},
		{"8.8.8.8", true},
		{"2001:4860:4860::8888", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud instance metadata
		{"fe80::1", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"::ffff:169.254.169.254", false},
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of the metadata address
	}
	for _, tt := range tests {
		if got := Public(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Public(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestSenderPublicOnlyRefusesLoopback(t *testing.T) {
	t.Parallel()

	var reached atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		reached.Add(1)
	}))
	t.Cleanup(srv.Close)

	for _, url := range []string{srv.URL, "http://localhost:" + srv.URL[len("http://127.0.0.1:"):]} {
		res := (&Sender{PublicOnly: true}).Send(context.Background(), url, "s", []byte("{}"))
		if res.Reason != pnpd.ReasonCouldNotConnect || res.Detail != detailNotPublic {
			t.Errorf("send to %s: %+v, want could_not_connect, %q", url, res, detailNotPublic)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the receiver got %d requests, want none", n)
	}

	if res := (&Sender{}).Send(context.Background(), srv.URL, "s", []byte("{}")); !res.OK() {
		t.Errorf("without PublicOnly: %+v, want a 2xx", res)
	}
}
