package message

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// isHexColor accepts #RRGGBB and, when alpha is true, #RRGGBBAA.
func isHexColor(s string, alpha bool) bool {
	if len(s) != 7 && (!alpha || len(s) != 9) || s[0] != '#' {
		return false
	}

	for _, b := range []byte(s[1:]) {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(b)) {
			return false
		}
	}

	return true
}

// isRGB accepts #RRGGBB, the form LINE asks for in templates.
func isRGB(s string) bool { return isHexColor(s, false) }

// isColor accepts #RRGGBB or #RRGGBBAA. LINE documents the alpha channel for
// box and gradient colours and says only "hexadecimal color code" for the
// other Flex colours; pnpd accepts the alpha channel on all of them.
func isColor(s string) bool { return isHexColor(s, true) }

// isDecimal accepts an unsigned integer or decimal number such as 12 or 1.5.
func isDecimal(s string) bool {
	whole, frac, dotted := strings.Cut(s, ".")
	return isDigits(whole) && (!dotted || isDigits(frac))
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// isPixels accepts a length in pixels such as 10px or 2.5px.
func isPixels(s string) bool {
	n, ok := strings.CutSuffix(s, "px")
	return ok && isDecimal(n)
}

// isPercent accepts a percentage between 0% and 100%.
func isPercent(s string) bool {
	n, ok := strings.CutSuffix(s, "%")
	if !ok || !isDecimal(n) {
		return false
	}

	f, err := strconv.ParseFloat(n, 64)
	return err == nil && f <= 100
}

// Keywords LINE accepts for Flex sizes and spaces.
var (
	spaceKeywords  = []string{"none", "xs", "sm", "md", "lg", "xl", "xxl"}
	borderKeywords = []string{"none", "light", "normal", "medium", "semi-bold", "bold"}
	fontKeywords   = []string{
		"xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl",
	}
	imageKeywords = append(slices.Clone(fontKeywords), "full")
)

// isSpacing accepts a box's spacing or a component's margin: a keyword or
// pixels.
func isSpacing(s string) bool {
	return slices.Contains(spaceKeywords, s) || isPixels(s)
}

// isPadding accepts a box's padding: a keyword, pixels or a percentage.
func isPadding(s string) bool {
	return isSpacing(s) || isPercent(s)
}

// isOffset accepts an offset. LINE says pixels, a percentage or a keyword;
// pnpd also accepts negative pixels, which CSS-style layouts use to overlap
// components.
func isOffset(s string) bool {
	return isPadding(s) || (strings.HasPrefix(s, "-") && isPixels(s[1:]))
}

// isExtent accepts a box's width, height, maxWidth or maxHeight.
func isExtent(s string) bool {
	return isPixels(s) || isPercent(s)
}

func isCornerRadius(s string) bool {
	return slices.Contains(spaceKeywords, s) || isPixels(s)
}

func isBorderWidth(s string) bool {
	return slices.Contains(borderKeywords, s) || isPixels(s)
}

// isFontSize accepts the size of a text, span or icon.
func isFontSize(s string) bool {
	return slices.Contains(fontKeywords, s) || isPixels(s)
}

func isImageSize(s string) bool {
	return slices.Contains(imageKeywords, s) || isPixels(s) || isPercent(s)
}

// isAspectRatio accepts {width}:{height} with both between 1 and 100000 and
// the height at most three times the width.
func isAspectRatio(s string) bool {
	w, h, ok := strings.Cut(s, ":")
	if !ok || !isDecimal(w) || !isDecimal(h) {
		return false
	}

	fw, errW := strconv.ParseFloat(w, 64)
	fh, errH := strconv.ParseFloat(h, 64)
	inRange := func(f float64) bool { return f >= 1 && f <= 100000 }
	return errW == nil && errH == nil && inRange(fw) && inRange(fh) && fh <= 3*fw
}

// isAngle accepts a gradient angle such as 90deg or 23.5deg, in [0, 360).
func isAngle(s string) bool {
	n, ok := strings.CutSuffix(s, "deg")
	if !ok || !isDecimal(n) {
		return false
	}

	f, err := strconv.ParseFloat(n, 64)
	return err == nil && f < 360
}

// hasScheme reports whether s is a URI with one of schemes (compared without
// regard to case).
func hasScheme(s string, schemes []string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}

	return slices.Contains(schemes, strings.ToLower(u.Scheme))
}

// Schemes LINE allows in links and in images.
var (
	linkSchemes  = []string{"http", "https", "line", "tel"}
	imageSchemes = []string{"https"}
)

// pickerLayouts gives, per datetime picker mode, the layout of its values
// and the earliest and latest value LINE allows.
var pickerLayouts = map[string][3]string{
	"date":     {"2006-01-02", "1900-01-01", "2100-12-31"},
	"time":     {"15:04", "00:00", "23:59"},
	"datetime": {"2006-01-02T15:04", "1900-01-01T00:00", "2100-12-31T23:59"},
}

// parsePicker parses a datetime picker value for mode. LINE accepts a lower
// case t between the date and the time.
func parsePicker(mode, s string) (time.Time, bool) {
	layout, ok := pickerLayouts[mode]
	if !ok {
		return time.Time{}, false
	}
	if mode == "datetime" && len(s) > 10 && s[10] == 't' {
		s = s[:10] + "T" + s[11:]
	}

	t, err := time.Parse(layout[0], s)
	lo, _ := time.Parse(layout[0], layout[1])
	hi, _ := time.Parse(layout[0], layout[2])
	return t, err == nil && !t.Before(lo) && !t.After(hi)
}
