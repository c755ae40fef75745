package cluster

import "time"

// SetHeartbeat makes n count every d, so that tests need not wait 5 s.
func SetHeartbeat(n *Nodes, d time.Duration) {
	n.every = d
}

// SetPings makes b ping its listener every d and take it for stalled when
// a ping goes unheard for stall, so that tests need not wait 10 s.
func SetPings(b *Bus, every, stall time.Duration) {
	b.pingEvery, b.stallAfter = every, stall
}

// ListenVia makes b's listener connect to host and port instead of the
// pool's database server, such as a proxy in front of it.
func ListenVia(b *Bus, host string, port uint16) {
	b.listenHost, b.listenPort = host, port
}
