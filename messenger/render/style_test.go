package render

import "testing"

// TestStyleValues checks each check of a style value against good values,
// near misses and attacks.
func TestStyleValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		check func(string) css
		in    string
		want  css
	}{
		{"colour", colour, "#1DB446", "#1db446"},
		{"colour with alpha", colour, "#00000080", "rgba(0,0,0,0.502)"},
		{"colour opaque alpha", colour, "#FFFFFFFF", "rgba(255,255,255,1)"},
		{"colour short form", colour, "#fff", ""},
		{"colour name", colour, "red", ""},
		{"colour not hex", colour, "#gggggg", ""},
		{"colour with an attack", colour, `#fff" onmouseover="x`, ""},
		{"colour without #", colour, "1DB4460", ""},
		{"spacing keyword", spacing, "xxl", "20px"},
		{"spacing none", spacing, "none", "0"},
		{"spacing pixels", spacing, "007.50px", "7.5px"},
		{"spacing percent", spacing, "5%", ""},
		{"spacing negative", spacing, "-4px", ""},
		{"spacing expression", spacing, "expression(1)", ""},
		{"spacing with a unit only", spacing, "px", ""},
		{"spacing exponent", spacing, "1e3px", ""},
		{"spacing too long", spacing, "12345678901px", ""},
		{"padding percent", padding, "12.5%", "12.5%"},
		{"padding over 100%", padding, "101%", ""},
		{"padding negative", padding, "-1px", ""},
		{"offset negative", offset, "-12px", "-12px"},
		{"offset double negative", offset, "--12px", ""},
		{"offset keyword", offset, "md", "8px"},
		{"extent keyword", extent, "md", ""},
		{"extent percent", extent, "100%", "100%"},
		{"border keyword", borderWidth, "semi-bold", "3px"},
		{"border light", borderWidth, "light", "0.5px"},
		{"font keyword", fontSize, "3xl", "35px"},
		{"font md", fontSize, "md", "16px"},
		{"font percent", fontSize, "50%", ""},
		{"image full", imageSize, "full", "100%"},
		{"image keyword", imageSize, "5xl", "240px"},
		{"image percent", imageSize, "50%", "50%"},
		{"ratio", ratio, "20:13", "20 / 13"},
		{"ratio decimals", ratio, "1.91:1", "1.91 / 1"},
		{"ratio too tall", ratio, "1:3.5", ""},
		{"ratio below one", ratio, "0.5:1", ""},
		{"ratio with an attack", ratio, "1:1;expression(1)", ""},
		{"ratio with a slash", ratio, "1/1", ""},
		{"angle", angle, "23.5deg", "23.5deg"},
		{"angle full turn", angle, "360deg", ""},
		{"angle negative", angle, "-90deg", ""},
		{"angle in radians", angle, "1rad", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.check(tc.in); got != tc.want {
				t.Errorf("check(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
