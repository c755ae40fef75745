package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errNotPublic refuses a connection to an address outside the public
// internet.
var errNotPublic = errors.New("not a public address")

// detailNotPublic is pnpd's own detail for a refused address: the operator
// keeps webhooks off its own network.
const detailNotPublic = "Not a public address"

// nonPublic are the ranges a platform's webhooks never reach unless the
// operator allows them: the operator's own network and machine, and the
// link-local range where clouds serve instance metadata.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64, which reaches IPv4 inside
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
}

// Public reports whether addr is on the public internet: not loopback,
// private, link-local, multicast, unspecified or one of the special
// ranges above.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}

	return true
}

// refuseNonPublic is a dialer's Control: it runs after the name is
// resolved, on the very address about to be dialled, so a name that
// resolves to a public address for the check and a private one for the
// connection cannot slip through.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", address, errNotPublic)
	}

	return nil
}

// publicTransport is http.DefaultTransport's setup with a dialer that
// connects to public addresses only.
func publicTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	dialer := &net.Dialer{Timeout: DefaultTimeout, KeepAlive: 30 * time.Second,
		Control: refuseNonPublic}
	t.DialContext = dialer.DialContext
	// A proxy would make the address checked the proxy's, not the
	// receiver's.
	t.Proxy = nil

	return t
}
