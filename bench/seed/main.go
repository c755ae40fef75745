// Command seed fills a fresh pnpd data folder with benchmark recipients
// before pnpd starts, through the repository's own store, and writes the
// phone hashes the wrk script sends to. It also times lookups by hash, the
// first query of every push, so that a small and a large table can be
// compared without the noise of a whole HTTP run.
//
//	seed -db DATA/pnpd.db -n 10000 -hashes DIR -json seed.json
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/sqlite"
)

// The recipients' shares, in tenths of a percent: agreed and verified
// recently (delivered at once), consent not set (held), rejected (422).
const (
	agreedPerMille = 700
	notSetPerMille = 200
)

// summary is what the harness reads back.
type summary struct {
	Recipients    int     `json:"recipients"`
	Agreed        int     `json:"agreed"`
	NotSet        int     `json:"notSet"`
	Rejected      int     `json:"rejected"`
	SeedSeconds   float64 `json:"seedSeconds"`
	RowsPerSecond float64 `json:"rowsPerSecond"`
	DBBytes       int64   `json:"dbBytes"`
	Lookups       int     `json:"lookups"`
	LookupMeanUS  float64 `json:"lookupMeanUs"`
	LookupP50US   float64 `json:"lookupP50Us"`
	LookupP99US   float64 `json:"lookupP99Us"`
}

func main() {
	dbPath := flag.String("db", "", "the pnpd.db to create (its folder must hold no database)")
	n := flag.Int("n", 10000, "recipients to create")
	batch := flag.Int("batch", 50000, "recipients per write transaction")
	sample := flag.Int("sample", 50000, "at most this many hashes per list for wrk")
	hashes := flag.String("hashes", "", "folder for the hash lists")
	lookups := flag.Int("lookups", 20000, "lookups by hash to time after seeding")
	out := flag.String("json", "", "write the summary here")
	flag.Parse()

	if *dbPath == "" || *hashes == "" || *n <= 0 || *batch <= 0 {
		flag.Usage()
		os.Exit(2)
	}

	if err := run(*dbPath, *n, *batch, *sample, *hashes, *lookups, *out); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(dbPath string, n, batch, sample int, hashDir string, lookups int,
	out string) error {
	ctx := context.Background()
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("%s exists: seed a fresh data folder", dbPath)
	}

	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return err
	}

	db, err := sqlite.Open(ctx, dbPath, sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	lists := map[string][]string{}
	var s summary
	now := time.Now()
	start := time.Now()
	for from := 0; from < n; from += batch {
		to := min(from+batch, n)
		err := db.Update(ctx, func(q pnpd.Queries) error {
			for i := from; i < to; i++ {
				r, list := recipient(i, now)
				if err := q.CreateRecipient(ctx, r); err != nil {
					return fmt.Errorf("recipient %d: %w", i, err)
				}
				lists[list] = append(lists[list], r.PhoneHash)
			}

			return nil
		})
		if err != nil {
			return err
		}
	}
	s.SeedSeconds = time.Since(start).Seconds()
	s.Recipients = n
	s.RowsPerSecond = float64(n) / s.SeedSeconds
	s.Agreed, s.NotSet, s.Rejected = len(lists["agreed"]), len(lists["notset"]),
		len(lists["rejected"])

	// Numbers no account has: the API answers 422 for them.
	for i := range min(sample, max(n/10, 1000)) {
		lists["unknown"] = append(lists["unknown"], pnpd.HashPhone(phone(n+1_000_000+i)))
	}

	rng := rand.New(rand.NewPCG(1, 2))
	if err := os.MkdirAll(hashDir, 0o755); err != nil {
		return err
	}
	for name, l := range lists {
		// A random sample spreads the requests over the whole table.
		rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		if err := writeLines(filepath.Join(hashDir, name+".txt"), l[:min(len(l), sample)]); err != nil {
			return err
		}
	}

	if err := timeLookups(ctx, db, lists["agreed"], lookups, rng, &s); err != nil {
		return err
	}

	if err := db.Close(); err != nil {
		return err
	}
	s.DBBytes = fileSizes(dbPath, dbPath+"-wal")

	b, _ := json.MarshalIndent(s, "", "  ")
	fmt.Printf("seeded %d recipients in %.2f s (%.0f rows/s), lookup by hash %.1f µs mean\n",
		n, s.SeedSeconds, s.RowsPerSecond, s.LookupMeanUS)
	if out != "" {
		return os.WriteFile(out, append(b, '\n'), 0o644)
	}

	return nil
}

// recipient returns the i-th benchmark recipient and the list its hash
// goes to. Each account is 30 days old, so no SMS verification is due.
func recipient(i int, now time.Time) (*pnpd.Recipient, string) {
	number := phone(i)
	r := &pnpd.Recipient{
		ID:                  pnpd.NewUserID(),
		DisplayName:         fmt.Sprintf("Bench %d", i),
		PhoneNumber:         number,
		PhoneHash:           pnpd.HashPhone(number),
		Language:            "en",
		CreatedAt:           now.Add(-30 * 24 * time.Hour),
		SMSVerifiedAt:       now.Add(-30 * 24 * time.Hour),
		PrivacyPolicyAgreed: true,
	}

	switch m := i % 1000; {
	case m < agreedPerMille:
		r.Consent = pnpd.ConsentAgreed
		return r, "agreed"
	case m < agreedPerMille+notSetPerMille:
		r.Consent = pnpd.ConsentNotSet
		return r, "notset"
	default:
		r.Consent = pnpd.ConsentRejected
		return r, "rejected"
	}
}

// phone returns a Japanese mobile number (070 range) for i.
func phone(i int) string {
	return fmt.Sprintf("+8170%08d", i)
}

func timeLookups(ctx context.Context, db *sqlite.DB, hashes []string, n int,
	rng *rand.Rand, s *summary) error {
	if n <= 0 || len(hashes) == 0 {
		return nil
	}

	// Warm the connections' caches as a running server's would be.
	for range min(n, 2000) {
		if _, err := db.RecipientByPhoneHash(ctx, hashes[rng.IntN(len(hashes))]); err != nil {
			return err
		}
	}

	took := make([]float64, n)
	for i := range took {
		h := hashes[rng.IntN(len(hashes))]
		t := time.Now()
		if _, err := db.RecipientByPhoneHash(ctx, h); err != nil {
			return err
		}
		took[i] = float64(time.Since(t).Nanoseconds()) / 1e3
	}

	var sum float64
	for _, t := range took {
		sum += t
	}
	slices.Sort(took)
	s.Lookups = n
	s.LookupMeanUS = sum / float64(n)
	s.LookupP50US = took[n/2]
	s.LookupP99US = took[min(n-1, n*99/100)]

	return nil
}

func writeLines(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}

	return f.Close()
}

func fileSizes(paths ...string) int64 {
	var total int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}

	return total
}
