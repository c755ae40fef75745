package pnpd

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddress is the client a request from remoteAddr (host:port) counts
// against in the limits on clients: the peer's IPv4 address, or the /64 of
// its IPv6 address, which one home or host usually holds whole.
//
// TODO(#4): behind a reverse proxy every client shares the proxy's address
// and so one budget; a trusted-proxy option would fix it.
func ClientAddress(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}

	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}

	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	prefix, _ := addr.Prefix(64)

	return prefix.String()
}

// OverTLS reports whether the browser reached pnpd over TLS: pnpd's own,
// or a proxy's in front of it that says so in X-Forwarded-Proto. A forged
// header can only make a cookie Secure, which takes nothing from whoever
// forged it.
func OverTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
