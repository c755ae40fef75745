// Package node_test runs the Node example, pnpd.test.js, against a pnpd
// started in process. It needs Node.js 20 or later, npm and the npm
// registry, so it runs only with PNPD_NODE_EXAMPLE=1 (as .ci/run does);
// with it set, a missing node or npm fails the test rather than skip it.
//
//	PNPD_NODE_EXAMPLE=1 go test -run TestNodeExample ./examples/node
package node_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/pnpd/pnpd/pnpdtest"
)

func TestNodeExample(t *testing.T) {
	if os.Getenv("PNPD_NODE_EXAMPLE") == "" {
		t.Skip("set PNPD_NODE_EXAMPLE=1 to run the Node example (needs node, npm and " +
			"the npm registry)")
	}
	node, npm := command(t, "node"), command(t, "npm")
	srv := pnpdtest.Start(t)

	run(t, nil, npm, "ci", "--no-audit", "--no-fund")
	out := run(t, []string{"PNPD_URL=" + srv.URL, "PNPD_SANDBOX_TOKEN=" + srv.Token},
		node, "--test", "--test-reporter=tap")

	if !regexp.MustCompile(`(?m)^# pass 2$`).Match(out) ||
		!regexp.MustCompile(`(?m)^# fail 0$`).Match(out) {
		t.Errorf("node --test did not pass its 2 tests:\n%s", out)
	}
}

func command(t *testing.T, name string) string {
	t.Helper()

	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("PNPD_NODE_EXAMPLE is set, but %s is missing: %v", name, err)
	}

	return path
}

// run runs a command in this folder with extra environment variables and
// returns its output; it fails the test when the command fails.
func run(t *testing.T, env []string, name string, args ...string) []byte {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}

	return out
}
