package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	ink       = color.RGBA{30, 30, 30, 255}
	grey      = color.RGBA{120, 120, 120, 255}
	gridGrey  = color.RGBA{225, 225, 225, 255}
	pnpdBlue  = color.RGBA{38, 110, 190, 255}
	pnpdLight = color.RGBA{120, 170, 225, 255}
	baseOrng  = color.RGBA{230, 140, 40, 255}
	targetRed = color.RGBA{200, 40, 40, 255}
)

// bar is one horizontal bar.
type bar struct {
	label string
	value float64
	color color.Color
	text  string // written after the bar
}

// refLine is a dashed vertical line, such as a target.
type refLine struct {
	value float64
	label string
}

// panel is one horizontal bar chart.
type panel struct {
	title string
	axis  string // the unit under the axis
	log   bool
	bars  []bar
	lines []refLine
	// gapBefore puts a little space before these bars, to group them.
	gapBefore map[int]bool
}

const (
	chartWidth = 1200
	labelX     = 16
	barX0      = 330
	barX1      = 1010
	barHeight  = 20
	barGap     = 8
	groupGap   = 10
	titleScale = 2
)

// scale maps values to x positions.
type scale struct {
	log      bool
	min, max float64 // log: decades; linear: 0 and the top
}

func newScale(p panel) scale {
	var lo, hi float64 = math.Inf(1), 0
	for _, b := range p.bars {
		if b.value > 0 {
			lo, hi = math.Min(lo, b.value), math.Max(hi, b.value)
		}
	}
	for _, l := range p.lines {
		lo, hi = math.Min(lo, l.value), math.Max(hi, l.value)
	}
	if hi == 0 {
		hi, lo = 1, 1
	}

	if p.log {
		return scale{log: true, min: math.Floor(math.Log10(lo)), max: math.Ceil(math.Log10(hi) + 0.05)}
	}

	return scale{max: niceTop(hi * 1.04)}
}

func (s scale) x(v float64) int {
	var f float64
	if s.log {
		if v <= 0 {
			return barX0
		}
		f = (math.Log10(v) - s.min) / (s.max - s.min)
	} else {
		f = v / s.max
	}
	f = math.Min(math.Max(f, 0), 1)

	return barX0 + int(f*float64(barX1-barX0))
}

// ticks returns the values to mark on the axis.
func (s scale) ticks() []float64 {
	var t []float64
	if s.log {
		for d := s.min; d <= s.max; d++ {
			t = append(t, math.Pow(10, d))
		}

		return t
	}

	step := niceCeil(s.max / 6)
	for v := 0.0; v <= s.max+step/1e6; v += step {
		t = append(t, v)
	}

	return t
}

// niceTop rounds up to a round number, finer than niceCeil, so that the
// longest bar fills most of the plot.
func niceTop(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}

	return 10 * p
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}

	return 10 * p
}

func tickLabel(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return fmt.Sprintf("%g", v)
	case v >= 1000:
		return thousands(v)
	}

	return fmt.Sprintf("%.0f", v)
}

// header is the room above the bars: the title and the targets' labels.
func (p panel) header() int {
	return 34 + 10*max(len(p.lines)-1, 0)
}

func (p panel) height() int {
	h := p.header()
	for i := range p.bars {
		h += barHeight + barGap
		if p.gapBefore[i] {
			h += groupGap
		}
	}

	return h + 40 // axis and its labels
}

func (p panel) draw(img *image.RGBA, top int) {
	drawText(img, labelX, top, p.title, titleScale, ink)
	y0 := top + p.header()
	sc := newScale(p)

	// Bars first, to know where the plot ends.
	y := y0
	type placed struct {
		b bar
		y int
	}
	var rows []placed
	for i, b := range p.bars {
		if p.gapBefore[i] {
			y += groupGap
		}
		rows = append(rows, placed{b, y})
		y += barHeight + barGap
	}
	yEnd := y

	// Grid and axis.
	for _, t := range sc.ticks() {
		x := sc.x(t)
		fill(img, x, y0-4, 1, yEnd-y0+4, gridGrey)
		fill(img, x, yEnd, 1, 5, grey)
		l := tickLabel(t)
		drawText(img, x-textWidth(l, 1)/2, yEnd+8, l, 1, grey)
	}
	fill(img, barX0, yEnd, barX1-barX0+1, 1, grey)
	drawText(img, barX1-textWidth(p.axis, 1), yEnd+22, p.axis, 1, grey)

	// Targets, dashed, under the bars' values, with their labels above the plot.
	for i, l := range p.lines {
		x := sc.x(l.value)
		for yy := y0 - 6; yy < yEnd; yy += 8 {
			fill(img, x-1, yy, 2, 5, targetRed)
		}
		lx := min(x+4, chartWidth-textWidth(l.label, 1)-4)
		drawText(img, lx, y0-14-10*i, l.label, 1, targetRed)
	}

	for _, r := range rows {
		drawText(img, labelX, r.y+3, r.b.label, 2, ink)
		if r.b.value > 0 {
			w := max(sc.x(r.b.value)-barX0, 2)
			fill(img, barX0, r.y, w, barHeight, r.b.color)
			fill(img, barX0+w+4, r.y+1, textWidth(r.b.text, 2)+8, barHeight-2, white)
			drawText(img, barX0+w+8, r.y+3, r.b.text, 2, ink)
		} else {
			drawText(img, barX0+8, r.y+3, "N/A", 2, grey)
		}
	}
}

// writeChart draws the panels one under the other, with a legend.
func writeChart(path, heading, subheading string, panels []panel) error {
	h := 76
	for _, p := range panels {
		h += p.height() + 20
	}
	img := image.NewRGBA(image.Rect(0, 0, chartWidth, h))
	fill(img, 0, 0, chartWidth, h, white)

	drawText(img, labelX, 14, heading, 2, ink)
	lx := chartWidth - 380
	for _, e := range []struct {
		c color.Color
		s string
	}{{pnpdBlue, "PNPD"}, {baseOrng, "BASELINE"}, {targetRed, "TARGET"}} {
		fill(img, lx, 14, 14, 14, e.c)
		drawText(img, lx+20, 14, e.s, 2, ink)
		lx += 40 + textWidth(e.s, 2)
	}
	drawText(img, labelX, 38, subheading, 1, grey)
	fill(img, labelX, 54, chartWidth-2*labelX, 1, gridGrey)

	y := 70
	for _, p := range panels {
		p.draw(img, y)
		y += p.height() + 20
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}

	return f.Close()
}
