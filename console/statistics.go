package console

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/pnpd/pnpd"
)

// statisticsDefaultDays is how many days the statistics page shows when
// no range is asked for: the last 30, today included.
const statisticsDefaultDays = 30

// statisticsMaxDays bounds a range, so that one page cannot ask the store
// for years of rows.
const statisticsMaxDays = 366

// statisticsData is the statistics page's: the range and channel asked
// for, the chart and the tables under it.
type statisticsData struct {
	From, To string // yyyy-mm-dd in UTC+9, both included
	Channel  string
	Channels []*pnpd.Channel
	Chart    chart
	Days     []dayRow
	Units    []unitRow
	Total    kindCounts
	// Problem says what was wrong with the range asked for, which was
	// replaced by the default.
	Problem string
}

// kindCounts are deliveries of each kind and in all.
type kindCounts struct {
	Flexible, Template, Total int64
}

func (k *kindCounts) add(kind pnpd.NotificationKind, n int64) {
	if kind == pnpd.KindTemplate {
		k.Template += n
	} else {
		k.Flexible += n
	}
	k.Total += n
}

// dayRow is one UTC+9 day of the table; only days with deliveries have
// one, the chart shows the rest.
type dayRow struct {
	Day string
	kindCounts
}

// unitRow is one aggregation unit's deliveries over the range.
type unitRow struct {
	Unit string
	kindCounts
}

// statisticsPage shows notifications delivered per UTC+9 day, by kind and
// by aggregation unit, for one channel or all.
func (c *Console) statisticsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := statisticsData{Channel: q.Get("channel")}
	from, to, problem := c.statisticsRange(q.Get("from"), q.Get("to"))
	d.From, d.To, d.Problem = day(from), day(to), problem

	channels, err := c.Store.Channels(r.Context())
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	d.Channels = channels
	if !knownChannel(channels, d.Channel) {
		d.Problem, d.Channel = "There is no such channel; showing every channel.", ""
	}

	counts, err := c.Store.DeliveredByDay(r.Context(), d.Channel, from, to.AddDate(0, 0, 1))
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	tabulate(&d, statisticsDays(from, to), counts)
	c.render(w, r, http.StatusOK, "statistics.html", &page{Title: "Statistics", Data: d})

	return nil
}

// statisticsRange reads the days asked for, both included, as the starts
// of UTC+9 days; a missing, malformed, reversed or too long range gives
// the last 30 days and, unless missing, a problem to show.
func (c *Console) statisticsRange(fromText, toText string) (from, to time.Time,
	problem string) {
	today := startOfDay(c.Clock.Now())
	last30 := today.AddDate(0, 0, 1-statisticsDefaultDays)
	if fromText == "" && toText == "" {
		return last30, today, ""
	}

	from, errFrom := time.ParseInLocation(time.DateOnly, fromText, pnpd.StatisticsZone)
	to, errTo := time.ParseInLocation(time.DateOnly, toText, pnpd.StatisticsZone)
	switch {
	case errFrom != nil || errTo != nil:
		problem = "Give both days as yyyy-mm-dd."
	case to.Before(from):
		problem = "The first day comes after the last."
	case to.Sub(from) >= statisticsMaxDays*24*time.Hour:
		problem = fmt.Sprintf("Ask for at most %d days at a time.", statisticsMaxDays)
	default:
		return from, to, ""
	}

	return last30, today, problem + " Showing the last 30 days."
}

// tabulate sums the store's counts by day, kind and unit for the chart
// and the tables.
func tabulate(d *statisticsData, days []string, counts []pnpd.DayCount) {
	byDay := map[string]map[pnpd.NotificationKind]int64{}
	byUnit := map[string]*unitRow{}
	for _, n := range counts {
		if byDay[n.Day] == nil {
			byDay[n.Day] = map[pnpd.NotificationKind]int64{}
		}
		byDay[n.Day][n.Kind] += n.Delivered
		d.Total.add(n.Kind, n.Delivered)
		if n.AggregationUnit != "" {
			if byUnit[n.AggregationUnit] == nil {
				byUnit[n.AggregationUnit] = &unitRow{Unit: n.AggregationUnit}
			}
			byUnit[n.AggregationUnit].add(n.Kind, n.Delivered)
		}
	}

	d.Chart = newChart(days, byDay)
	for _, dd := range slices.Backward(days) {
		row := dayRow{Day: dd}
		for kind, n := range byDay[dd] {
			row.add(kind, n)
		}
		if row.Total > 0 {
			d.Days = append(d.Days, row)
		}
	}
	for _, u := range byUnit {
		d.Units = append(d.Units, *u)
	}
	slices.SortFunc(d.Units, func(a, b unitRow) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Unit, b.Unit))
	})
}

// startOfDay is the start of t's UTC+9 day.
func startOfDay(t time.Time) time.Time {
	y, m, dd := t.In(pnpd.StatisticsZone).Date()

	return time.Date(y, m, dd, 0, 0, 0, 0, pnpd.StatisticsZone)
}

// day writes a day's start as yyyy-mm-dd in UTC+9.
func day(t time.Time) string {
	return t.In(pnpd.StatisticsZone).Format(time.DateOnly)
}

// knownChannel reports whether id is "" (every channel) or one of
// channels'.
func knownChannel(channels []*pnpd.Channel, id string) bool {
	return id == "" || slices.ContainsFunc(channels, func(ch *pnpd.Channel) bool {
		return ch.ID == id
	})
}
