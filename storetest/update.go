package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pnpd/pnpd"
)

var updateTests = []test{
	{"Commits", testUpdateCommits},
	{"RollsBack", testUpdateRollsBack},
	{"Enqueue", testEnqueue},
	{"ConcurrentUpdatesStandAlone", testConcurrentUpdates},
}

// testUpdateCommits checks that writes inside Update are visible inside at
// once, outside only after the commit.
func testUpdateCommits(t *testing.T, f *fixture) {
	c := f.newChannel()
	err := f.store.Update(f.ctx, func(q pnpd.Queries) error {
		ok(t, "create channel", q.CreateChannel(f.ctx, c))
		ok(t, "set setting", q.SetSetting(f.ctx, "demo_seeded", "true"))

		got, err := q.Channel(f.ctx, c.ID)
		ok(t, "channel inside", err)
		equal(t, "channel inside", got, c)
		wantSetting(t, q, f, "true")

		_, err = f.store.Channel(f.ctx, c.ID)
		wantCode(t, "channel outside, before commit", err, pnpd.ENotFound)

		return nil
	})
	ok(t, "update", err)

	got, err := f.store.Channel(f.ctx, c.ID)
	ok(t, "channel after commit", err)
	equal(t, "channel after commit", got, c)
	wantSetting(t, f.store, f, "true")
}

func wantSetting(t *testing.T, q pnpd.Queries, f *fixture, want string) {
	t.Helper()

	got, err := q.Setting(f.ctx, "demo_seeded")
	ok(t, "setting", err)
	equal(t, "setting", got, want)
}

// testUpdateRollsBack checks that when fn fails nothing it wrote is kept,
// and Update returns fn's error.
func testUpdateRollsBack(t *testing.T, f *fixture) {
	c, r := f.newChannel(), f.newRecipient()
	n := f.newNotification(c, r, 0)
	err := f.store.Update(f.ctx, func(q pnpd.Queries) error {
		ok(t, "create channel", q.CreateChannel(f.ctx, c))
		ok(t, "create recipient", q.CreateRecipient(f.ctx, r))
		ok(t, "create notification", q.CreateNotification(f.ctx, n))
		ok(t, "set setting", q.SetSetting(f.ctx, "demo_seeded", "true"))
		ok(t, "enqueue", q.Enqueue(f.ctx, pnpd.ExpiryJob{}))

		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Fatalf("Update = %v, want fn's error %v", err, errTest)
	}

	_, err = f.store.Channel(f.ctx, c.ID)
	wantCode(t, "channel rolled back", err, pnpd.ENotFound)
	_, err = f.store.Recipient(f.ctx, r.ID)
	wantCode(t, "recipient rolled back", err, pnpd.ENotFound)
	_, err = f.store.Notification(f.ctx, n.ID)
	wantCode(t, "notification rolled back", err, pnpd.ENotFound)
	wantSetting(t, f.store, f, "")
}

// testEnqueue checks that the jobs pnpd queues are accepted in a
// transaction and on their own, whatever workers the store runs.
func testEnqueue(t *testing.T, f *fixture) {
	jobs := []struct {
		name string
		job  pnpd.Job
	}{
		{"webhook", pnpd.WebhookJob{EventID: "01JQ0000000000000000000001"}},
		{"expiry", pnpd.ExpiryJob{}},
	}

	for _, j := range jobs {
		t.Run(j.name, func(t *testing.T) {
			t.Parallel()

			ok(t, "update", f.store.Update(f.ctx, func(q pnpd.Queries) error {
				return q.Enqueue(f.ctx, j.job)
			}))
			ok(t, "enqueue on its own", f.store.Enqueue(f.ctx, j.job))
		})
	}
}

// testConcurrentUpdates checks that updates made at the same time stand
// alone, however the store groups them: each one's writes are kept or
// undone with it, whatever the others do, and a caller gone before its
// update ran finds nothing written.
func testConcurrentUpdates(t *testing.T, f *fixture) {
	const n = 60
	channels := make([]*pnpd.Channel, n)
	for i := range channels {
		channels[i] = f.newChannel()
	}
	gone, cancel := context.WithCancel(f.ctx)
	cancel()

	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range channels {
		wg.Go(func() {
			ctx := f.ctx
			if i%5 == 4 {
				ctx = gone
			}
			errs[i] = f.store.Update(ctx, func(q pnpd.Queries) error {
				if err := q.CreateChannel(ctx, c); err != nil {
					return err
				}
				if err := q.Enqueue(ctx, pnpd.WebhookJob{EventID: c.ID}); err != nil {
					return err
				}
				if i%3 == 0 {
					return errTest
				}

				return nil
			})
			if i%2 == 0 {
				// Writes outside Update go through on their own.
				errs[i] = errors.Join(errs[i], f.store.SetSetting(f.ctx, "demo_seeded", "true"))
			}
		})
	}
	wg.Wait()

	for i, c := range channels {
		_, err := f.store.Channel(f.ctx, c.ID)
		switch {
		case i%5 == 4:
			if !errors.Is(errs[i], context.Canceled) {
				t.Errorf("update %d with a canceled context = %v, want %v", i, errs[i], context.Canceled)
			}
			wantCode(t, "channel of a canceled update", err, pnpd.ENotFound)
		case i%3 == 0:
			if !errors.Is(errs[i], errTest) {
				t.Errorf("failing update %d = %v, want %v", i, errs[i], errTest)
			}
			wantCode(t, "channel of a failed update", err, pnpd.ENotFound)
		default:
			ok(t, "update", errs[i])
			ok(t, "channel of a committed update", err)
		}
	}
	wantSetting(t, f.store, f, "true")
}
