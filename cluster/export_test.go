package cluster

import "time"

// SetHeartbeat makes n count every d, so that tests need not wait 5 s.
func SetHeartbeat(n *Nodes, d time.Duration) {
	n.every = d
}
