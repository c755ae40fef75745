package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/riverqueue/river"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/internal/sqlstore"
)

// Group commit: SQLite writes one transaction at a time, and each commit
// waits for the disk. Updates that arrive together — pushes, webhook
// attempts, SMS codes, sessions — run one after another in one transaction,
// each in a savepoint of its own, so that one update's failure undoes only
// its own writes; the transaction commits once for all, and every caller
// hears of its update only after that commit. The jobs the updates queue
// go into River in one insert before the commit.

// maxGroup bounds the updates in one transaction, and so the wait of the
// first for the last.
const maxGroup = 256

var errClosed = errors.New("sqlite: the database is closed")

// update is one caller's Update, waiting for the writer.
type update struct {
	ctx  context.Context
	fn   func(pnpd.Queries) error
	ch   sqlstore.Changes
	err  error
	done chan struct{}
}

// writer runs every Update on the one write connection.
type writer struct {
	db   *DB
	in   chan *update
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func startWriter(db *DB) *writer {
	w := &writer{db: db, in: make(chan *update), quit: make(chan struct{}),
		done: make(chan struct{})}
	go w.run()

	return w
}

// stop lets the group under way commit, then refuses further updates.
func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
}

// update runs fn in a write transaction, jobs included, shared with other
// updates that arrive meanwhile. fn may run twice: if a group fails as a
// whole, each of its updates runs again on its own.
func (db *DB) update(ctx context.Context, fn func(pnpd.Queries) error) error {
	u := &update{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case db.writer.in <- u:
	case <-db.writer.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}

	// Once the writer has it, the update commits or not whatever the
	// caller does meanwhile: wait for the outcome.
	<-u.done

	return u.err
}

func (w *writer) run() {
	defer close(w.done)

	for {
		select {
		case u := <-w.in:
			group := w.collect(u)
			w.commit(group)
			for _, u := range group {
				close(u.done)
			}
		case <-w.quit:
			return
		}
	}
}

// collect takes the updates waiting behind the first, without waiting.
func (w *writer) collect(first *update) []*update {
	group := []*update{first}
	for len(group) < maxGroup {
		select {
		case u := <-w.in:
			group = append(group, u)
		default:
			return group
		}
	}

	return group
}

func (w *writer) commit(group []*update) {
	if len(group) > 1 {
		err := w.commitGroup(group)
		if err == nil {
			return
		}
		w.db.log.Warn("Group commit failed; committing each update on its own",
			"updates", len(group), "err", err)
	}

	for _, u := range group {
		u.err = w.commitAlone(u)
	}
}

// commitGroup runs the group in one transaction. An error means nothing
// was committed, and says why the group as a whole failed; each update's
// own failure is in its err.
func (w *writer) commitGroup(group []*update) error {
	ctx := context.Background()
	tx, err := w.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var jobs []river.InsertManyParams
	for _, u := range group {
		if err := u.ctx.Err(); err != nil {
			u.err = err
			continue
		}

		if _, err := tx.ExecContext(ctx, "SAVEPOINT pnpd_update"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}

		u.ch = sqlstore.Changes{}
		u.err = u.fn(w.db.InTx(tx, &u.ch))
		if u.err != nil {
			// If the failure ended the whole transaction (an interrupted
			// statement does), the savepoint is gone with it: the group
			// fails and each update runs again alone.
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO pnpd_update"); err != nil {
				return fmt.Errorf("roll back to savepoint: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE pnpd_update"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}

		if u.err == nil {
			jobs = append(jobs, u.ch.Jobs...)
		}
	}

	if err := w.db.InsertJobs(ctx, tx, jobs); err != nil {
		return err
	}

	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, u := range group {
		if u.err == nil && u.ch.Channels {
			w.db.ChannelsCommitted()
			break
		}
	}

	return nil
}

// commitAlone runs one update in a transaction of its own.
func (w *writer) commitAlone(u *update) error {
	tx, err := w.db.write.BeginTx(u.ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	u.ch = sqlstore.Changes{}
	if err := u.fn(w.db.InTx(tx, &u.ch)); err != nil {
		return err
	}

	if err := w.db.InsertJobs(u.ctx, tx, u.ch.Jobs); err != nil {
		return err
	}

	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if u.ch.Channels {
		w.db.ChannelsCommitted()
	}

	return nil
}
