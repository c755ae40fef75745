package console

import (
	"testing"
	"time"

	"github.com/pnpd/pnpd"
)

func TestNiceCeiling(t *testing.T) {
	t.Parallel()

	for n, want := range map[int64]int64{0: 4, 3: 4, 4: 4, 5: 8, 9: 20, 21: 40,
		199: 200, 201: 400, 12345: 20000} {
		if got := niceCeiling(n); got != want {
			t.Errorf("niceCeiling(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestChartStacksKindsPerDay(t *testing.T) {
	t.Parallel()

	days := []string{"2026-12-01", "2026-12-02", "2026-12-03"}
	c := newChart(days, map[string]map[pnpd.NotificationKind]int64{
		"2026-12-01": {pnpd.KindFlexible: 3, pnpd.KindTemplate: 1},
		"2026-12-03": {pnpd.KindTemplate: 2},
	})

	if c.Max != 4 || len(c.Bars) != 3 {
		t.Fatalf("max %d and %d bars, want 4 and 3: %+v", c.Max, len(c.Bars), c.Bars)
	}
	flex, tmpl := c.Bars[0], c.Bars[1]
	if flex.Class != "flexible" || tmpl.Class != "template" {
		t.Fatalf("layers %q, %q; want flexible under template", flex.Class, tmpl.Class)
	}
	// The day with four fills the plot: three quarters flexible, one
	// quarter template on top.
	plot := chartBottom - chartTop
	if flex.Y+flex.H != chartBottom || flex.H != plot*3/4 || tmpl.Y+tmpl.H != flex.Y {
		t.Errorf("stack %+v, %+v: not three quarters under one quarter", flex, tmpl)
	}
	if c.Bars[2].Title != "2026-12-03: 2 template" || c.Bars[2].X <= flex.X {
		t.Errorf("third bar %+v", c.Bars[2])
	}
}

func TestStatisticsDaysAreUTCPlus9(t *testing.T) {
	t.Parallel()

	// 15:00 UTC is midnight in UTC+9: the next day there.
	from := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 2)

	got := statisticsDays(from, to)
	want := []string{"2026-12-01", "2026-12-02", "2026-12-03"}
	if len(got) != len(want) {
		t.Fatalf("days %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("days %v, want %v", got, want)
		}
	}
}
