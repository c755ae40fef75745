package cluster

import (
	"slices"
	"strings"
)

// maxPayload is the most bytes a notification carries: PostgreSQL refuses
// a NOTIFY payload of 8000 bytes or more.
const maxPayload = 7999

// maxIDLen bounds a recipient ID, so that any ID fits a notification with
// the node's ID; pnpd's are 26 characters.
const maxIDLen = 200

// plausibleID reports whether id can be carried: one line, not too long.
func plausibleID(id string) bool {
	return id != "" && len(id) <= maxIDLen && !strings.ContainsAny(id, "\n\x00")
}

// payloads packs the recipient IDs into as few notifications as fit, each
// the sending node's ID and then the recipients', one a line.
func payloads(node string, recipientIDs []string) []string {
	ids := slices.Sorted(slices.Values(recipientIDs))
	var out []string
	var b strings.Builder
	for _, id := range ids {
		if b.Len() > 0 && b.Len()+1+len(id) > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(node)
		}
		b.WriteString("\n" + id)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}

	return out
}

// parse splits a notification into the sending node's ID and the rest,
// one item a line.
func parse(payload string) (node string, items []string) {
	node, rest, ok := strings.Cut(payload, "\n")
	if !ok {
		return node, nil
	}

	return node, strings.Split(rest, "\n")
}
