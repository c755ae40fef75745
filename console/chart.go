package console

import (
	"fmt"
	"time"

	"github.com/pnpd/pnpd"
)

// chart is a stacked bar chart of deliveries per day, laid out for the
// statistics page's inline SVG: the page draws what is computed here.
type chart struct {
	Width, Height int
	// Plot is the drawing area inside the axes.
	PlotLeft, PlotTop, PlotBottom int
	Bars                          []chartBar
	Ticks                         []chartTick
	Labels                        []chartLabel
	Series                        []chartSeries
	Max                           int64
}

// chartSeries is one stacked layer: a kind of notification.
type chartSeries struct {
	Kind  pnpd.NotificationKind
	Class string
}

// chartBar is one layer of one day's bar.
type chartBar struct {
	X, Y, W, H int
	Class      string
	Title      string // shown on hover: the day, kind and count
}

// chartTick is a horizontal grid line with its value.
type chartTick struct {
	Y     int
	Value int64
}

// chartLabel is a day's label under the axis.
type chartLabel struct {
	X    int
	Text string
}

// chartSeriesOrder stacks flexible notifications under template ones.
var chartSeriesOrder = []chartSeries{
	{pnpd.KindFlexible, "flexible"},
	{pnpd.KindTemplate, "template"},
}

// The chart's size in SVG units; it scales to the page's width.
const (
	chartWidth  = 720
	chartHeight = 240
	chartLeft   = 48
	chartTop    = 12
	chartBottom = 212
)

// newChart lays out days, each with its count per kind, as stacked bars.
func newChart(days []string, delivered map[string]map[pnpd.NotificationKind]int64) chart {
	c := chart{Width: chartWidth, Height: chartHeight, PlotLeft: chartLeft,
		PlotTop: chartTop, PlotBottom: chartBottom, Series: chartSeriesOrder}
	for _, day := range days {
		c.Max = max(c.Max, total(delivered[day]))
	}

	top := niceCeiling(c.Max)
	c.Ticks = ticks(top)
	if len(days) == 0 {
		return c
	}

	slot := (chartWidth - chartLeft) / len(days)
	for i, day := range days {
		x := chartLeft + i*slot + slot/8
		c.Bars = append(c.Bars, stack(day, x, max(slot*3/4, 1), delivered[day], top)...)
		if labelled(i, len(days)) {
			c.Labels = append(c.Labels, chartLabel{X: chartLeft + i*slot + slot/2,
				Text: day[5:]})
		}
	}

	return c
}

// stack lays out one day's layers from the axis up.
func stack(day string, x, w int, counts map[pnpd.NotificationKind]int64, top int64) []chartBar {
	var bars []chartBar
	base := chartBottom
	for _, s := range chartSeriesOrder {
		n := counts[s.Kind]
		if n == 0 {
			continue
		}

		h := max(int(n*int64(chartBottom-chartTop)/top), 1)
		base -= h
		bars = append(bars, chartBar{X: x, Y: base, W: w, H: h, Class: s.Class,
			Title: fmt.Sprintf("%s: %d %s", day, n, s.Kind)})
	}

	return bars
}

// labelled spreads about eight day labels along the axis.
func labelled(i, n int) bool {
	step := max(n/8, 1)

	return i%step == 0
}

// ticks are four grid lines from zero to top.
func ticks(top int64) []chartTick {
	var ts []chartTick
	for i := range int64(5) {
		v := top * i / 4
		y := chartBottom - int(v*int64(chartBottom-chartTop)/top)
		ts = append(ts, chartTick{Y: y, Value: v})
	}

	return ts
}

// niceCeiling rounds n up to a round number the four grid lines divide
// evenly: 4, 8, 20, 40, 80, 200, …
func niceCeiling(n int64) int64 {
	step := int64(1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if 4*m*step >= n {
				return 4 * m * step
			}
		}
		step *= 10
	}
}

func total(counts map[pnpd.NotificationKind]int64) int64 {
	var n int64
	for _, c := range counts {
		n += c
	}

	return n
}

// statisticsDays lists the UTC+9 days from from to to, both included.
func statisticsDays(from, to time.Time) []string {
	var days []string
	for d := from.In(pnpd.StatisticsZone); !d.After(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}

	return days
}
