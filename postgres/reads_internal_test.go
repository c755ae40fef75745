package postgres

import "testing"

func TestIsRead(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"SELECT value FROM setting WHERE key = $1", true},
		{"\n\t\tselect\n count(*) FROM river_job", true},
		{"SELECTED", false},
		{"SELECT", false},
		{"UPDATE setting SET value = $1", false},
		{"WITH locked AS (SELECT id FROM river_job) UPDATE river_job SET state = 'running'", false},
		{"SELECT pg_notify($1, $2)", false},
		{"SELECT pg_advisory_lock($1)", false},
	}
	for _, tt := range tests {
		if got := isRead(tt.query); got != tt.want {
			t.Errorf("isRead(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}
