package render

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
)

// css is a CSS value. It is made only by the checks in this file, from a
// message value that matched a strict form, or taken from the tables below;
// nothing else is ever put into a style attribute.
type css string

// style collects the declarations of one style attribute.
type style []string

// set adds the declaration prop: v, unless v is empty (a value that failed
// its check). prop is always a constant.
func (s *style) set(prop string, v css) {
	if v != "" {
		*s = append(*s, prop+":"+string(v))
	}
}

// attr returns the style attribute, empty when s has no declarations.
func (s style) attr() attr {
	return attr{"style", strings.Join(s, ";")}
}

// LINE's keywords for spacing, margins, paddings and corner radii.
var spaces = map[string]css{
	"none": "0", "xs": "2px", "sm": "4px", "md": "8px",
	"lg": "12px", "xl": "16px", "xxl": "20px",
}

// LINE's keywords for the font size of texts and spans and the size of icons.
var fontSizes = map[string]css{
	"xxs": "11px", "xs": "13px", "sm": "14px", "md": "16px", "lg": "19px",
	"xl": "22px", "xxl": "29px", "3xl": "35px", "4xl": "48px", "5xl": "74px",
}

// LINE's keywords for the width of images.
var imageSizes = map[string]css{
	"xxs": "40px", "xs": "60px", "sm": "80px", "md": "100px", "lg": "120px",
	"xl": "140px", "xxl": "160px", "3xl": "180px", "4xl": "200px", "5xl": "240px",
	"full": "100%",
}

// LINE's keywords for border widths.
var borderWidths = map[string]css{
	"none": "0", "light": "0.5px", "normal": "1px", "medium": "2px",
	"semi-bold": "3px", "bold": "4px",
}

// keyword returns a check that looks s up in table.
func keyword(table map[string]css) func(string) css {
	return func(s string) css { return table[s] }
}

// first returns the value of the first check that accepts s.
func first(s string, checks ...func(string) css) css {
	for _, check := range checks {
		if v := check(s); v != "" {
			return v
		}
	}

	return ""
}

// decimal parses an unsigned decimal such as 12 or 2.5, of at most 10
// characters, and writes it back in canonical form.
func decimal(s string) (float64, string, bool) {
	whole, frac, dotted := strings.Cut(s, ".")
	if len(s) > 10 || !isDigits(whole) || (dotted && !isDigits(frac)) {
		return 0, "", false
	}

	f, err := strconv.ParseFloat(s, 64)
	return f, strconv.FormatFloat(f, 'f', -1, 64), err == nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// pixels accepts a length such as 10px or 2.5px.
func pixels(s string) css {
	n, ok := strings.CutSuffix(s, "px")
	_, v, isNumber := decimal(n)
	if !ok || !isNumber {
		return ""
	}

	return css(v + "px")
}

// negativePixels accepts a negative length such as -4px.
func negativePixels(s string) css {
	n, ok := strings.CutPrefix(s, "-")
	if v := pixels(n); ok && v != "" {
		return "-" + v
	}

	return ""
}

// percent accepts a percentage from 0% to 100%.
func percent(s string) css {
	n, ok := strings.CutSuffix(s, "%")
	f, v, isNumber := decimal(n)
	if !ok || !isNumber || f > 100 {
		return ""
	}

	return css(v + "%")
}

// spacing accepts a box's spacing or a component's margin.
func spacing(s string) css { return first(s, keyword(spaces), pixels) }

// padding accepts a box's padding.
func padding(s string) css { return first(s, keyword(spaces), pixels, percent) }

// offset accepts a component's offset, which may also be negative.
func offset(s string) css { return first(s, padding, negativePixels) }

// extent accepts a box's width, height, maxWidth or maxHeight.
func extent(s string) css { return first(s, pixels, percent) }

// borderWidth accepts a box's border width.
func borderWidth(s string) css { return first(s, keyword(borderWidths), pixels) }

// fontSize accepts the size of a text, span or icon.
func fontSize(s string) css { return first(s, keyword(fontSizes), pixels) }

// imageSize accepts the width of an image.
func imageSize(s string) css { return first(s, keyword(imageSizes), pixels, percent) }

// colour accepts #RRGGBB, returned in lower case, and #RRGGBBAA, returned as
// rgba() because that is what every browser understands.
func colour(s string) css {
	if (len(s) != 7 && len(s) != 9) || s[0] != '#' {
		return ""
	}

	b, err := hex.DecodeString(s[1:])
	if err != nil {
		return ""
	}
	if len(b) == 3 {
		return css("#" + hex.EncodeToString(b))
	}

	alpha := strconv.FormatFloat(math.Round(float64(b[3])/255*1000)/1000, 'f', -1, 64)
	return css("rgba(" + byteList(b[:3]) + "," + alpha + ")")
}

// byteList writes bytes as comma-separated decimals.
func byteList(b []byte) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = strconv.Itoa(int(v))
	}

	return strings.Join(parts, ",")
}

// ratio accepts an aspect ratio "W:H" and returns it in the form of the CSS
// aspect-ratio property. Like LINE, it wants both sides from 1 to 100000
// and the height at most three times the width.
func ratio(s string) css {
	w, h, ok := strings.Cut(s, ":")
	fw, vw, okW := decimal(w)
	fh, vh, okH := decimal(h)
	if !ok || !okW || !okH || fw < 1 || fh < 1 || fw > 1e5 || fh > 1e5 || fh > 3*fw {
		return ""
	}

	return css(vw + " / " + vh)
}

// angle accepts a gradient angle such as 90deg, below 360deg.
func angle(s string) css {
	n, ok := strings.CutSuffix(s, "deg")
	f, v, isNumber := decimal(n)
	if !ok || !isNumber || f >= 360 {
		return ""
	}

	return css(v + "deg")
}

// Keywords whose CSS value is the keyword itself or a close relative.
var (
	justifyContents = map[string]css{
		"flex-start": "flex-start", "center": "center", "flex-end": "flex-end",
		"space-between": "space-between", "space-around": "space-around",
		"space-evenly": "space-evenly",
	}
	alignItems = map[string]css{
		"flex-start": "flex-start", "center": "center", "flex-end": "flex-end",
	}
	// textAligns gives a text's align; alignments gives an image's.
	textAligns  = map[string]css{"start": "start", "end": "end", "center": "center"}
	alignments  = map[string]css{"start": "flex-start", "end": "flex-end", "center": "center"}
	gravities   = map[string]css{"top": "flex-start", "bottom": "flex-end", "center": "center"}
	weights     = map[string]css{"regular": "400", "bold": "700"}
	fontStyles  = map[string]css{"normal": "normal", "italic": "italic"}
	decorations = map[string]css{
		"none": "none", "underline": "underline", "line-through": "line-through",
	}
)
