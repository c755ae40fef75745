// Package cluster lets several pnpd nodes on one PostgreSQL database act as
// one: a Bus carries signals between the nodes with LISTEN and NOTIFY, and
// Nodes counts the live nodes so that each can take its share of a
// channel's rate limit.
//
// The package knows nothing of the store: it needs a pgx pool on the same
// database and the node table the postgres migrations create.
package cluster

import "crypto/rand"

// NewNodeID returns a random name for this node, new at every start, for
// both the Bus and Nodes.
func NewNodeID() string {
	return rand.Text()
}
