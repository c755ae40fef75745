package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pnpd/pnpd/internal/pgtest"
)

// clusterEnv opts in to TestClusterOnPostgres, which takes about 40 s
// and so stays out of `go test ./...`.
const clusterEnv = "PNPD_CLUSTER_LOAD"

// clusterSeedEnv replays a run's choice of the node to kill and each
// sender's choice of recipients; timing still decides what the kill cuts
// off.
const clusterSeedEnv = "PNPD_CLUSTER_LOAD_SEED"

// clusterSize is the cluster test's load: as fast as the nodes answer, so
// the run measures the cluster's throughput.
var clusterSize = loadSize{senders: 48, requests: 10_000}

// clusterNodes is how many pnpd processes share the database.
const clusterNodes = 3

// TestClusterOnPostgres runs three pnpd nodes on one PostgreSQL database,
// pushes 10,000 notifications to them in turn, SIGKILLs one node halfway
// and goes on with the other two; then the held recipients agree or verify
// on a surviving node, and it checks, as TestCrashUnderLoad does, that
// every accepted notification to a deliverable recipient shows once in the
// right chat, that nothing refused or blocked was delivered, that each
// delivery has one webhook event ID (later copies flagged as
// redeliveries), and that the delivery counts equal the deliveries.
func TestClusterOnPostgres(t *testing.T) {
	if os.Getenv(clusterEnv) != "1" {
		t.Skipf("the cluster test runs only with %s=1 and %s set to a PostgreSQL "+
			"server (about 40 s)", clusterEnv, pgtest.Env)
	}
	// No t.Parallel: the throughput it logs means something only while
	// nothing else runs on the machine.

	seed := loadSeed(t, clusterSeedEnv)
	rng := rand.New(rand.NewPCG(seed, 1))
	c := startCluster(t, pgtest.NewDatabase(t, ""), clusterNodes)
	victim := rng.IntN(len(c.nodes))
	w := c.setUpWorld(c.nodes[(victim+1)%len(c.nodes)])

	from := w.sb.now()
	run := c.pushAndKill(w, seed, victim)
	run.report(t, seed)

	w.checkAfterLoad(run.sent, from)
	for i, n := range c.nodes {
		if i != victim {
			n.stop()
		}
	}
}

// cluster is pnpd nodes sharing a database and a key file.
type cluster struct {
	t     *testing.T
	nodes []*process
}

// startCluster starts the nodes one after another: the first creates the
// tables and the key file the others then find.
func startCluster(t *testing.T, databaseURL string, n int) *cluster {
	keyFile := filepath.Join(t.TempDir(), "pnpd.key")
	c := &cluster{t: t}
	for range n {
		// Ten connections each: three nodes with their listeners stay well
		// inside PostgreSQL's default hundred, beside other tests.
		c.nodes = append(c.nodes, startPnpd(t, t.TempDir(), append([]string{
			"--database-url", databaseURL, "--key-file", keyFile,
			"--database-max-conns", "10"}, loadFlags...)...))
	}

	return c
}

func (c *cluster) urls() []string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, n.url)
	}

	return urls
}

// setUpWorld creates the channel and the recipients, spread over the nodes;
// the checks after the load run on home, a node that stays up.
func (c *cluster) setUpWorld(home *process) *loadWorld {
	w := &loadWorld{t: c.t, srv: home, sb: sandboxAPI{t: c.t, url: home.url},
		hook: newReceiver(c.t)}
	// Redelivery on: a webhook the kill cut off is sent again, flagged.
	w.creds = w.sb.createChannel("Cluster Load", w.hook.srv.URL, true)
	w.hook.setSecret(w.creds.ChannelSecret)
	c.addRecipients(w)

	return w
}

// addRecipients signs up recipients in each state, each on the next node:
// 9 agreed, 4 with consent not set, 3 whose last SMS verification is 200
// days old, one who rejected, one without the privacy policy, one who
// blocked the channel, and 2 numbers without an account.
func (c *cluster) addRecipients(w *loadWorld) {
	n := 0
	next := func() *person {
		n++
		node := c.nodes[n%len(c.nodes)]
		return newPerson(c.t, node.url, sandboxAPI{t: c.t, url: node.url},
			fmt.Sprintf("+8190%08d", 22350000+n))
	}
	signUp := func(kind recipientKind, privacy bool) *person {
		p := next()
		p.signUp(fmt.Sprintf("Node %d", n), privacy)
		w.add(kind, p, true)

		return p
	}

	for range 9 {
		signUp(deliveredAtOnce, true).consent(true)
	}
	for range 4 {
		signUp(heldForConsent, true)
	}
	for range 3 {
		w.add(heldForSMS, c.verifiedLongAgo(next()), true)
	}
	signUp(refused, true).consent(false)
	signUp(refused, false)
	blocked := signUp(blockedChannel, true)
	blocked.consent(true)
	blocked.must("PUT", "/api/v1/channels/"+w.creds.ChannelID+"/block", nil, nil)
	for range 2 {
		w.add(refused, next(), false)
	}
}

// verifiedLongAgo creates, through the sandbox, an account that agreed
// but last proved its number 200 days ago, so that its notifications wait
// for an SMS verification, and logs the person in.
func (c *cluster) verifiedLongAgo(p *person) *person {
	longAgo := p.sb.now().Add(-200 * day).Format(time.RFC3339Nano)
	p.sb.do("POST", "/sandbox/v1/recipients", map[string]any{"phoneNumber": p.phone,
		"consent": "agreed", "createdAt": longAgo, "lastSmsVerifiedAt": longAgo}, nil)
	p.logIn()

	return p
}

// clusterRun is what the push phase did.
type clusterRun struct {
	sent     []sentRequest
	urls     []string
	victim   int
	took     time.Duration // from the first push to the last answer
	victimUp time.Duration // from the first push to the kill
}

// pushAndKill pushes clusterSize.requests notifications to the nodes in
// turn and SIGKILLs the victim once half of them are under way; the
// senders go on with the other nodes.
func (c *cluster) pushAndKill(w *loadWorld, seed uint64, victim int) clusterRun {
	run := clusterRun{urls: c.urls(), victim: victim}
	start := time.Now()
	gen := newLoadGen(w, run.urls, clusterSize, seed)

	gen.waitUntilSent(clusterSize.requests/2, 2*time.Minute)
	// Out of the turn first, so no new request goes to the dead port.
	gen.target.remove(run.urls[victim])
	c.nodes[victim].kill()
	run.victimUp = time.Since(start)

	gen.waitUntilSent(clusterSize.requests, 2*time.Minute)
	run.sent = gen.finish()
	run.took = time.Since(start)

	return run
}

// report logs the throughput, cluster-wide and per node, and what the kill
// cut off; the rates are logged, never asserted, since they depend on the
// machine.
func (r clusterRun) report(t *testing.T, seed uint64) {
	t.Helper()

	counts := map[outcome]int{}
	answered := map[string]int{}
	statuses := map[int]int{}
	for _, s := range r.sent {
		counts[s.outcome]++
		switch s.outcome {
		case answered200, answered422:
			answered[s.server]++
		case answeredOther:
			answered[s.server]++
			statuses[s.status]++
		}
	}

	total := counts[answered200] + counts[answered422] + counts[answeredOther]
	t.Logf("seed %d (%s=%d replays it): %d requests to %d nodes in %.1f s, "+
		"%.0f answered a second across the cluster", seed, clusterSeedEnv, seed,
		len(r.sent), len(r.urls), r.took.Seconds(), float64(total)/r.took.Seconds())
	for i, u := range r.urls {
		up, fate := r.took, "up throughout"
		if i == r.victim {
			up, fate = r.victimUp, "SIGKILLed"
		}
		t.Logf("node %d: %s after %.1f s, %d answers, %.0f a second", i+1, fate,
			up.Seconds(), answered[u], float64(answered[u])/up.Seconds())
	}
	t.Logf("1 kill: %d answered 200, %d answered 422, %d other statuses %v, "+
		"%d refused connections, %d cut off", counts[answered200], counts[answered422],
		counts[answeredOther], statuses, counts[neverSent], counts[cutOff])
	if counts[answeredOther] > 0 {
		t.Errorf("%d requests answered neither 200 nor 422: %v", counts[answeredOther],
			statuses)
	}
}
