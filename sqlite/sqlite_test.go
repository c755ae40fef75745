package sqlite_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/keyring"
	"github.com/pnpd/pnpd/sqlite"
	"github.com/pnpd/pnpd/storetest"
)

// TestStore holds the SQLite store to the conformance suite, on a real
// database file per case.
func TestStore(t *testing.T) {
	t.Parallel()

	storetest.Run(t, func(t *testing.T) pnpd.Store {
		return setup(t, sqlite.Options{Keyring: keyring.Generate()})
	})
}

// setup opens a new, migrated database file that is closed when t ends.
func setup(t *testing.T, opts sqlite.Options) *sqlite.DB {
	t.Helper()

	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "pnpd.db"), opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})

	return db
}

// TestUpdateQueuesJobs checks that a job queued in Update is stored with
// the commit and dropped with a rollback, so no webhook is sent for a
// notification that was never saved.
func TestUpdateQueuesJobs(t *testing.T) {
	t.Parallel()

	db := setup(t, sqlite.Options{})
	errFail := errors.New("fail")
	steps := []struct {
		name string
		err  error
		want int
	}{
		{"commit", nil, 1},
		{"roll back", errFail, 1},
		{"commit again", nil, 2},
	}

	for _, s := range steps {
		err := db.Update(t.Context(), func(q pnpd.Queries) error {
			if err := q.Enqueue(t.Context(), pnpd.WebhookJob{EventID: s.name}); err != nil {
				t.Fatalf("%s: enqueue: %v", s.name, err)
			}

			return s.err
		})
		if !errors.Is(err, s.err) {
			t.Fatalf("%s: Update = %v, want %v", s.name, err, s.err)
		}

		if got := queuedWebhooks(t, db); got != s.want {
			t.Errorf("after %s: %d webhook jobs queued, want %d", s.name, got, s.want)
		}
	}
}

// queuedWebhooks counts the webhook jobs in the queue.
func queuedWebhooks(t *testing.T, db *sqlite.DB) int {
	t.Helper()

	params := river.NewJobListParams().Kinds(pnpd.WebhookJob{}.Kind())
	res, err := db.Jobs().JobList(t.Context(), params)
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}

	return len(res.Jobs)
}

// TestResetDeletesPendingJobs checks that a reset takes the jobs waiting
// to run with the data they would act on, whether due now or later.
func TestResetDeletesPendingJobs(t *testing.T) {
	t.Parallel()

	db := setup(t, sqlite.Options{})
	insertAt(t, db, "now", time.Now())
	insertAt(t, db, "later", time.Now().Add(time.Hour))

	if err := db.Reset(t.Context(), true); err != nil {
		t.Fatalf("reset: %v", err)
	}

	if got := queuedWebhooks(t, db); got != 0 {
		t.Errorf("%d webhook jobs left after the reset, want 0", got)
	}
}

// insertAt queues a webhook job for event id, scheduled at a wall-clock
// time, and returns the state River gave it.
func insertAt(t *testing.T, db *sqlite.DB, id string, at time.Time) rivertype.JobState {
	t.Helper()

	res, err := db.Jobs().Insert(t.Context(), pnpd.WebhookJob{EventID: id},
		&river.InsertOpts{ScheduledAt: at})
	if err != nil {
		t.Fatalf("insert job: %v", err)
	}

	return res.Job.State
}

// TestMakeDue checks that the jobs scheduled up to a time become
// available, those whose time passed while they were scheduled included,
// and the later ones keep waiting.
func TestMakeDue(t *testing.T) {
	t.Parallel()

	db := setup(t, sqlite.Options{})
	now := time.Now()
	jobs := []struct {
		id   string
		at   time.Time
		want rivertype.JobState
	}{
		{"in a second", now.Add(time.Second), rivertype.JobStateAvailable},
		{"in 15 s", now.Add(15 * time.Second), rivertype.JobStateAvailable},
		{"in 16 s", now.Add(16 * time.Second), rivertype.JobStateScheduled},
		{"in a day", now.Add(24 * time.Hour), rivertype.JobStateScheduled},
		// Its time passes below, while it is scheduled.
		{"passed while scheduled", now.Add(200 * time.Millisecond),
			rivertype.JobStateAvailable},
	}
	// River stores the times as text, a little off the times given.
	until := now.Add(15*time.Second + 100*time.Millisecond)
	want := 0
	for _, j := range jobs {
		// A job inserted late, past its time, is available, due already.
		if insertAt(t, db, j.id, j.at) != rivertype.JobStateAvailable && !j.at.After(until) {
			want++
		}
	}

	// A scheduled job whose time has passed is not due yet: it waits for
	// River's scheduler, which does not run here, and runs only every 5 s
	// where it does. MakeDue must make it available all the same.
	for passed := jobs[len(jobs)-1].at.Add(100 * time.Millisecond); time.Now().Before(passed); {
		time.Sleep(10 * time.Millisecond)
	}

	n, err := db.MakeDue(t.Context(), until)
	if err != nil || n != want {
		t.Fatalf("MakeDue = %d, %v; want %d jobs made due", n, err, want)
	}

	got := jobStates(t, db)
	for _, j := range jobs {
		if got[j.id] != j.want {
			t.Errorf("job %s: %s, want %s", j.id, got[j.id], j.want)
		}
	}
}

// jobStates returns the state of each webhook job by its event ID.
func jobStates(t *testing.T, db *sqlite.DB) map[string]rivertype.JobState {
	t.Helper()

	res, err := db.Jobs().JobList(t.Context(), river.NewJobListParams())
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}

	states := map[string]rivertype.JobState{}
	for _, j := range res.Jobs {
		var args pnpd.WebhookJob
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		states[args.EventID] = j.State
	}

	return states
}

// TestOneProcessAtATime opens a database that is open already: the second
// open fails, naming the file and what to do, until the first closes.
func TestOneProcessAtATime(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "pnpd.db")
	first, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}

	second, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err == nil {
		second.Close()
		t.Fatal("a second open of an open database succeeded")
	}
	if want := path + " is in use by another pnpd"; !strings.Contains(err.Error(), want) {
		t.Errorf("second open: %v, want %q", err, want)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	again, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
}
