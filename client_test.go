package pnpd_test

import (
	"testing"

	"github.com/pnpd/pnpd"
)

// TestClientAddress checks that IPv4 clients count by address and IPv6
// clients by their /64.
func TestClientAddress(t *testing.T) {
	t.Parallel()

	tests := []struct{ name, remote, want string }{
		{"IPv4", "192.0.2.7:4000", "192.0.2.7"},
		{"IPv4 in IPv6", "[::ffff:192.0.2.7]:4000", "192.0.2.7"},
		{"IPv6", "[2001:db8:1:2:3:4:5:6]:4000", "2001:db8:1:2::/64"},
		{"IPv6 with a zone", "[fe80::1%eth0]:4000", "fe80::/64"},
		{"no port", "192.0.2.7", "192.0.2.7"},
	}
	for _, tt := range tests {
		if got := pnpd.ClientAddress(tt.remote); got != tt.want {
			t.Errorf("%s: ClientAddress(%q) = %q, want %q", tt.name, tt.remote, got, tt.want)
		}
	}
}
