package cluster

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPayloads: recipients are packed into notifications PostgreSQL
// accepts, none lost, each naming the sending node.
func TestPayloads(t *testing.T) {
	t.Parallel()
	id := func(i int) string { return fmt.Sprintf("%026d", i) }
	many := func(n int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = id(i)
		}

		return ids
	}
	// The node line and 295 IDs of 27 bytes each make 7999 bytes exactly.
	node := strings.Repeat("n", 7999-295*27)
	tests := []struct {
		name string
		ids  []string
		want int // notifications
	}{
		{"none", nil, 0},
		{"one", many(1), 1},
		{"exactly the limit", many(295), 1},
		{"one byte over", many(296), 2},
		{"thousands", many(3000), 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := payloads(node, tc.ids)
			if len(got) != tc.want {
				t.Errorf("%d notifications, want %d", len(got), tc.want)
			}

			var carried []string
			for _, p := range got {
				if len(p) > maxPayload {
					t.Errorf("a payload of %d bytes, want at most %d", len(p), maxPayload)
				}
				from, ids := parse(p)
				if from != node {
					t.Errorf("payload from %.10q…, want the node's ID", from)
				}
				carried = append(carried, ids...)
			}
			if slices.Sort(carried); !slices.Equal(carried, slices.Sorted(slices.Values(tc.ids))) {
				t.Errorf("carried %d IDs, want the %d given", len(carried), len(tc.ids))
			}
		})
	}
}

// TestPlausibleID: only what fits one line of a notification is carried.
func TestPlausibleID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"a ULID", "01KBQ7Z3V9W6Y2X4A8B0C1D2E3", true},
		{"empty", "", false},
		{"two lines", "a\nb", false},
		{"a NUL", "a\x00", false},
		{"too long", strings.Repeat("a", maxIDLen+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := plausibleID(tc.id); got != tc.want {
				t.Errorf("plausibleID(%.20q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}
