package receiving

import (
	"context"
	"errors"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/flow"
)

// Group commit: SQLite commits, and syncs to disk, one transaction at a
// time. Pushes that arrive together are accepted in one transaction, so a
// burst costs one commit instead of one each; every caller still gets its
// answer only after the commit that holds its notification.

// errStopped answers pushes that arrive after the batcher stopped.
var errStopped = errors.New("accept: pnpd is shutting down")

type pendingAccept struct {
	ctx  context.Context
	push Push
	done chan acceptResult
}

type acceptResult struct {
	outcome     flow.Outcome
	recipientID string
	err         error
}

type batcher struct {
	s    *Service
	max  int
	in   chan *pendingAccept
	quit chan struct{}
	done chan struct{}
}

// StartBatching makes Accept group concurrent notifications, up to max in
// one transaction, until StopBatching.
func (s *Service) StartBatching(max int) {
	b := &batcher{s: s, max: max, in: make(chan *pendingAccept),
		quit: make(chan struct{}), done: make(chan struct{})}
	s.batch = b
	go b.run()
}

// StopBatching stops taking notifications once the batch under way is
// committed. Call it after the HTTP server has drained.
func (s *Service) StopBatching() {
	if s.batch == nil {
		return
	}

	close(s.batch.quit)
	<-s.batch.done
}

// submit hands a push to the batcher and waits for its commit.
func (b *batcher) submit(ctx context.Context, p Push) (flow.Outcome, error) {
	pa := &pendingAccept{ctx: context.WithoutCancel(ctx), push: p,
		done: make(chan acceptResult, 1)}
	select {
	case b.in <- pa:
	case <-b.quit:
		return flow.Refuse, errStopped
	}

	// Once handed over, the push is committed or not whatever the caller
	// does meanwhile; wait for the answer.
	r := <-pa.done

	return r.outcome, r.err
}

func (b *batcher) run() {
	defer close(b.done)

	for {
		select {
		case first := <-b.in:
			b.commit(b.collect(first))
		case <-b.quit:
			return
		}
	}
}

// collect takes what has queued up behind the first push, without waiting.
func (b *batcher) collect(first *pendingAccept) []*pendingAccept {
	batch := []*pendingAccept{first}
	for len(batch) < b.max {
		select {
		case pa := <-b.in:
			batch = append(batch, pa)
		default:
			return batch
		}
	}

	return batch
}

func (b *batcher) commit(batch []*pendingAccept) {
	results := make([]acceptResult, len(batch))
	err := b.s.Store.Update(context.Background(), func(q pnpd.Queries) error {
		for i, pa := range batch {
			r := &results[i]
			r.outcome, r.recipientID, r.err = b.s.accept(pa.ctx, q, pa.push)
			// A refusal writes nothing; any other error spoils the
			// transaction for all.
			if r.err != nil && pnpd.ErrorCode(r.err) != pnpd.ERefused {
				return r.err
			}
		}

		return nil
	})
	if err != nil {
		// One notification's failure must not fail the others: each goes
		// again on its own.
		for i, pa := range batch {
			results[i] = b.s.acceptAlone(pa.ctx, pa.push)
		}
	}

	var changed []string
	for i, pa := range batch {
		pa.done <- results[i]
		if results[i].err == nil {
			changed = append(changed, results[i].recipientID)
		}
	}
	b.s.Notify(changed...)
}
