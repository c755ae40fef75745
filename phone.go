package pnpd

import (
	"fmt"
	"strings"
	"unicode"
)

// callingCodes maps the country calling codes pnpd knows to their
// countries. E.164 calling codes are prefix-free, so the first match wins;
// TestPhoneCallingCodesArePrefixFree keeps it so.
var callingCodes = map[string]string{
	// "1" is shared by the North American Numbering Plan countries and
	// "7" by Russia and Kazakhstan; each is shown as its largest member.
	"1": "US", "7": "RU",
	"20": "EG", "27": "ZA", "234": "NG", "254": "KE",
	"30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU",
	"39": "IT", "351": "PT", "353": "IE", "358": "FI", "380": "UA",
	"40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE",
	"47": "NO", "48": "PL", "49": "DE", "420": "CZ",
	"51": "PE", "52": "MX", "54": "AR", "55": "BR", "56": "CL", "57": "CO",
	"60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG",
	"66": "TH",
	"81": "JP", "82": "KR", "84": "VN", "86": "CN", "852": "HK", "853": "MO",
	"855": "KH", "856": "LA", "880": "BD", "886": "TW",
	"90": "TR", "91": "IN", "92": "PK", "94": "LK", "95": "MM", "966": "SA",
	"971": "AE", "972": "IL", "977": "NP",
}

// maxCallingCode is the most digits an E.164 calling code has.
const maxCallingCode = 3

// PhoneCountryCode returns the calling code of an E.164 number without the
// "+", or "" when pnpd does not know it.
func PhoneCountryCode(e164 string) string {
	digits := strings.TrimPrefix(e164, "+")
	for n := 1; n <= maxCallingCode && n <= len(digits); n++ {
		if _, ok := callingCodes[digits[:n]]; ok {
			return digits[:n]
		}
	}

	return ""
}

// PhoneCountry returns the ISO country of an E.164 number, or "".
func PhoneCountry(e164 string) string {
	return callingCodes[PhoneCountryCode(e164)]
}

// KnownCountry reports whether pnpd knows the calling code of an ISO
// country, and so can tell its numbers.
func KnownCountry(country string) bool {
	for _, c := range callingCodes {
		if c == country {
			return true
		}
	}

	return false
}

// NationalFormatCountry reports whether NormalizePhone reads national
// formats ("090-…") for the country.
func NationalFormatCountry(country string) bool {
	_, ok := planFor(country)
	return ok
}

// numberingPlan holds the few rules pnpd checks for a country whose
// numbers LINE notification messages reach.
type numberingPlan struct {
	country   string // ISO 3166-1 alpha-2
	code      string // calling code
	adjective string // for messages: "a Japanese number"
	example   string // a national number, as people write it
	intl      string // the same number in international format
	// min and max bound the digits of the national significant number,
	// the number after the calling code without the trunk "0".
	min, max int
	// mobile lists the prefixes of mobile numbers, which take max digits.
	mobile []string
}

// plans are the countries whose national format NormalizePhone reads.
var plans = map[string]numberingPlan{
	"81": {
		country: "JP", code: "81", adjective: "Japanese",
		example: "090-1234-5678", intl: "+81 90-1234-5678",
		min: 9, max: 10, mobile: []string{"70", "80", "90"},
	},
	"66": {
		country: "TH", code: "66", adjective: "Thai",
		example: "081-234-5678", intl: "+66 81-234-5678",
		min: 8, max: 9, mobile: []string{"6", "8", "9"},
	},
	"886": {
		country: "TW", code: "886", adjective: "Taiwanese",
		example: "0912-345-678", intl: "+886 912-345-678",
		min: 8, max: 9, mobile: []string{"9"},
	},
}

// E.164 bounds on the digits after the "+", and a bound on what
// NormalizePhone reads at all, in bytes.
const (
	minE164Digits = 8
	maxE164Digits = 15
	maxPhoneInput = 200
)

// phoneSeparators are the characters people put between digits: ASCII and
// full-width spaces, dots and the many hyphens Japanese input methods
// produce (the katakana long-vowel mark "ー" among them).
const phoneSeparators = " \t\u00a0\u3000.\uff0e-\u2010\u2011\u2012\u2013\u2014\u2015" +
	"\u2212\u30fc\uff0d"

// NormalizePhone turns what a person typed into an E.164 number
// ("+819012345678"). country is the ISO 3166-1 alpha-2 code used for
// national formats ("JP", "TH", "TW"); it is ignored when the input starts
// with "+" or "00" (international format). Errors are *Error with EInvalid
// and messages that never repeat the number.
func NormalizePhone(input, country string) (string, error) {
	compact, err := compactPhone(input)
	if err != nil {
		return "", err
	}

	digits := onlyDigits(compact)
	if strings.Contains(compact, "+") || strings.HasPrefix(digits, "00") {
		return international(compact, digits)
	}

	return national(digits, country)
}

// compactPhone checks the characters of input and keeps only digits, "+"
// and parentheses, full-width forms folded to ASCII.
func compactPhone(input string) (string, error) {
	input = strings.TrimSpace(input)
	if len(input) > maxPhoneInput {
		return "", invalidPhone("This is too long for a phone number.")
	}

	var b strings.Builder
	for _, r := range input {
		c, err := foldPhoneRune(r)
		if err != nil {
			return "", err
		}
		if c != 0 {
			b.WriteByte(c)
		}
	}

	return b.String(), checkPhoneShape(b.String())
}

// foldPhoneRune returns the ASCII form of a digit, "+" or parenthesis, 0
// for a separator, and an error for anything else.
func foldPhoneRune(r rune) (byte, error) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), nil
	case r >= '０' && r <= '９':
		return byte(r - '０' + '0'), nil
	case r == '+' || r == '＋':
		return '+', nil
	case r == '(' || r == '（':
		return '(', nil
	case r == ')' || r == '）':
		return ')', nil
	case strings.ContainsRune(phoneSeparators, r):
		return 0, nil
	case unicode.IsLetter(r):
		return 0, invalidPhone("A phone number has digits only; remove the letters.")
	}

	return 0, invalidPhone("Use only digits, spaces, hyphens, dots and parentheses.")
}

// checkPhoneShape rejects a compact number with no digits, a "+" anywhere
// but at the start, or unbalanced parentheses.
func checkPhoneShape(compact string) error {
	plus := strings.LastIndexByte(compact, '+')
	switch {
	case plus < 0 && onlyDigits(compact) == "":
		return invalidPhone("Enter a phone number.")
	case plus >= 0 && strings.Trim(compact[:plus], "(") != "":
		return invalidPhone("Put the + only at the start of the number.")
	case !balancedParens(compact):
		return invalidPhone("Close each parenthesis, and do not nest them.")
	}

	return nil
}

// balancedParens reports whether every "(" is closed, none nested.
func balancedParens(s string) bool {
	open := false
	for _, c := range []byte(s) {
		switch {
		case c == '(' && open, c == ')' && !open:
			return false
		case c == '(' || c == ')':
			open = !open
		}
	}

	return !open
}

// international reads a number given with "+" or "00" and its calling code.
func international(compact, digits string) (string, error) {
	prefix := 0
	if !strings.Contains(compact, "+") {
		prefix = len("00")
	}

	rest := digits[prefix:]
	if rest == "" {
		return "", invalidPhone("Enter the country code and the number.")
	}

	code := PhoneCountryCode(rest)
	if code == "" {
		return "", invalidPhone("Unknown country code.")
	}

	nsn := rest[len(code):]
	if dropsTrunk(compact, prefix+len(code), code, nsn) {
		nsn = nsn[1:]
	}

	return e164(code, nsn)
}

// dropsTrunk reports whether the national significant number nsn starts
// with a trunk "0" to leave out: one written "+44 (0)20…", or a bare one
// where the country's numbers never start with 0 ("+81 090…" is a common
// slip). Other countries, Italy among them, keep a bare 0.
func dropsTrunk(compact string, before int, code, nsn string) bool {
	if !strings.HasPrefix(nsn, "0") {
		return false
	}
	if _, ok := plans[code]; ok {
		return true
	}

	return trunkInParens(compact, before)
}

// trunkInParens reports whether "(0)" follows the first n digits.
func trunkInParens(compact string, n int) bool {
	i := 0
	for ; i < len(compact) && n > 0; i++ {
		if isDigit(compact[i]) {
			n--
		}
	}

	return strings.HasPrefix(strings.TrimLeft(compact[i:], ")"), "(0)")
}

// national reads a number in the national format of country: trunk "0",
// then area or mobile prefix and subscriber number.
func national(digits, country string) (string, error) {
	p, ok := planFor(country)
	if !ok {
		return "", invalidPhone(
			"Enter the number in international format: + and the country code first.")
	}

	if !strings.HasPrefix(digits, "0") {
		return "", p.missingTrunk(digits)
	}

	return e164(p.code, digits[1:])
}

// missingTrunk explains a national number that lacks its leading 0: its
// calling code typed without "+", or its prefix left out.
func (p numberingPlan) missingTrunk(digits string) error {
	if strings.HasPrefix(digits, p.code) && len(digits) > p.max {
		return invalidPhone("Start with + when you include the country code, e.g. " +
			p.intl + ".")
	}

	return invalidPhone("Enter the phone number with its area or mobile prefix, e.g. " +
		p.example + ".")
}

// e164 checks a national significant number against its country's rules
// and joins it to its calling code.
func e164(code, nsn string) (string, error) {
	if p, ok := plans[code]; ok {
		if err := p.check(nsn); err != nil {
			return "", err
		}

		return "+" + code + nsn, nil
	}

	switch n := len(code) + len(nsn); {
	case n < minE164Digits:
		return "", invalidPhone("This is too short for a phone number.")
	case n > maxE164Digits:
		return "", invalidPhone("This is too long for a phone number.")
	}

	return "+" + code + nsn, nil
}

// check applies the plan's length rules to a national significant number.
func (p numberingPlan) check(nsn string) error {
	if strings.HasPrefix(nsn, "0") {
		return invalidPhone("There are too many zeros after the country code.")
	}

	lo := p.min
	for _, prefix := range p.mobile {
		if strings.HasPrefix(nsn, prefix) {
			lo = p.max
		}
	}

	return p.checkLength(len(nsn), lo)
}

// checkLength tells a number of n digits that is too short or too long.
func (p numberingPlan) checkLength(n, lo int) error {
	switch {
	case n < lo:
		return invalidPhone(fmt.Sprintf("This is too short for a %s number.", p.adjective))
	case n > p.max:
		return invalidPhone(fmt.Sprintf("This is too long for a %s number.", p.adjective))
	}

	return nil
}

// planFor returns the numbering plan of an ISO country code, any case.
func planFor(country string) (numberingPlan, bool) {
	country = strings.ToUpper(strings.TrimSpace(country))
	for _, p := range plans {
		if p.country == country {
			return p, true
		}
	}

	return numberingPlan{}, false
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r < '0' || r > '9' {
			return -1
		}

		return r
	}, s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// invalidPhone returns the error for a phone number pnpd cannot read. msg
// is shown to the person who typed the number, so it must never hold it.
func invalidPhone(msg string) *Error {
	return &Error{Code: EInvalid, Field: "phoneNumber", Message: msg}
}
