package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pnpd/pnpd/cluster"
	"github.com/pnpd/pnpd/sandbox"
)

// peers is what a node on PostgreSQL shares with the other nodes there:
// the bus that carries their news, and the count of live nodes that the
// per-channel rate limits are divided by.
type peers struct {
	pool  *pgxpool.Pool // two connections: the bus's sends and pings, and the heartbeat
	bus   *cluster.Bus
	nodes *cluster.Nodes
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// newPeers connects to the database for s's news to and from the other
// nodes. Its handlers use the server's parts, which must be in place
// before start.
func newPeers(ctx context.Context, s *Server) (*peers, error) {
	cfg, err := pgxpool.ParseConfig(s.cfg.DatabaseURL)
	if err != nil {
		return nil, errors.New("--database-url (PNPD_DATABASE_URL) is not a valid " +
			"PostgreSQL URL: check its form, its %-escapes and its sslmode")
	}
	cfg.MaxConns = 2
	cfg.ConnConfig.RuntimeParams["application_name"] = "pnpd-peers"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}

	node := cluster.NewNodeID()
	p := &peers{pool: pool, nodes: cluster.NewNodes(pool, node, s.quiet)}
	p.bus = cluster.NewBus(pool, node, cluster.Handlers{
		Changed:         func(ids ...string) { s.broker.Publish(ids...) },
		ChannelsChanged: func() { s.db.ChannelsCommitted() },
		ClockMoved:      func() { s.restoreClock(ctx) },
		// What the others said while this node was not listening is
		// lost: forget every channel, read the clock again and have every
		// page look.
		Resync: func() {
			s.db.TrustChannelCache(true)
			s.restoreClock(ctx)
			s.broker.PublishAll()
		},
		// Without news of the others' changes, a cached token they
		// revoked would still work here: read every channel from the
		// database until the listener is back.
		Lost: func() { s.db.TrustChannelCache(false) },
	}, s.quiet)

	return p, nil
}

// start runs the bus and the heartbeat until close.
func (p *peers) start() {
	ctx, stop := context.WithCancel(context.Background())
	p.stop = stop
	for _, run := range []func(context.Context) error{p.bus.Run, p.nodes.Run} {
		p.wg.Go(func() { _ = run(ctx) })
	}
}

// close stops the bus, sending what it holds, and the heartbeat, which
// says this node is gone, and closes the connections.
func (p *peers) close() {
	if p.stop != nil {
		p.stop()
		p.wg.Wait()
	}
	p.pool.Close()
}

// restoreClock reads the sandbox clock's offset another node moved.
func (s *Server) restoreClock(ctx context.Context) {
	if !s.cfg.Sandbox {
		return
	}

	if err := sandbox.RestoreClock(context.WithoutCancel(ctx), s.db, s.clock); err != nil {
		s.log.Error("Could not read the sandbox clock another node moved", "error", err)
	}
}
