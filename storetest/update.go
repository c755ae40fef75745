package storetest

import (
	"errors"
	"testing"

	"github.com/pnpd/pnpd"
)

var updateTests = []test{
	{"Commits", testUpdateCommits},
	{"RollsBack", testUpdateRollsBack},
	{"Enqueue", testEnqueue},
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
