package pnpd

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestNormalizePhoneHashVectors(t *testing.T) {
	t.Parallel()

	// The hashes come from the spec (§4); a business hashes the E.164 form,
	// so a number typed nationally must land on exactly these strings.
	tests := []struct {
		name, input, country, want, hash string
	}{
		{
			name: "JP spec example", input: "080-0000-1234", country: "JP",
			want: "+818000001234",
			hash: "d41e0ad70dddfeb68f149ad6fc61574b9c5780ab7bcb2fba5517771ffbb2409c",
		},
		{
			name: "JP mobile", input: "090-1234-5678", country: "JP",
			want: "+819012345678",
			hash: "3d06a39d40790f11761295e053029378ae28c4b4f6f301693005e079f3d4ca64",
		},
		{
			name: "TH mobile", input: "081-234-5678", country: "TH",
			want: "+66812345678",
			hash: "7fc93a279e8accbc8e77df576f2f1806df2b9cbff068711f3de71108184e6bb2",
		},
		{
			name: "TW mobile", input: "0912-345-678", country: "TW",
			want: "+886912345678",
			hash: "1315ec4a63ba3d2b8f5db63688770e89a402ee623ef33e4c8c2f36e48f271be0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := NormalizePhone(tt.input, tt.country)
			if err != nil {
				t.Fatalf("NormalizePhone: %v", err)
			}
			if got != tt.want {
				t.Fatalf("NormalizePhone = %q, want %q", got, tt.want)
			}
			if h := HashPhone(got); h != tt.hash {
				t.Errorf("HashPhone = %s, want %s", h, tt.hash)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, input, country, want string
	}{
		{"JP mobile, hyphens", "090-1234-5678", "JP", "+819012345678"},
		{"JP mobile, no separators", "09012345678", "JP", "+819012345678"},
		{"JP mobile, dots", "090.1234.5678", "JP", "+819012345678"},
		{"JP mobile, spaces around", "  090 1234 5678 ", "JP", "+819012345678"},
		{"JP country in lower case", "090-1234-5678", "jp", "+819012345678"},
		{"JP 070 mobile", "070-1234-5678", "JP", "+817012345678"},
		{"JP Tokyo landline", "03-1234-5678", "JP", "+81312345678"},
		{"JP area code in parentheses", "(03) 1234-5678", "JP", "+81312345678"},
		{"JP freephone, 9 digits", "0120-123-456", "JP", "+81120123456"},
		{"JP full-width, minus sign", "０９０−１２３４−５６７８", "JP", "+819012345678"},
		{"JP full-width hyphen-minus", "０９０－１２３４－５６７８", "JP", "+819012345678"},
		{"JP katakana long-vowel mark", "090ー1234ー5678", "JP", "+819012345678"},
		{"JP full-width parentheses", "（０３）１２３４－５６７８", "JP", "+81312345678"},
		{"JP full-width plus, ideographic space", "＋８１　９０−１２３４−５６７８", "", "+819012345678"},
		{"international", "+81 90-1234-5678", "", "+819012345678"},
		{"international, E.164 already", "+819012345678", "", "+819012345678"},
		{"international, (0) trunk", "+81 (0)90 1234 5678", "", "+819012345678"},
		{"international, stray trunk 0", "+81 090-1234-5678", "", "+819012345678"},
		{"international, plus in parentheses", "(+81) 90-1234-5678", "", "+819012345678"},
		{"international, 00 prefix", "0081 90 1234 5678", "", "+819012345678"},
		{"international, 00 prefix and (0)", "0081 (0)90 1234 5678", "JP", "+819012345678"},
		{"international ignores country", "+66 81 234 5678", "JP", "+66812345678"},
		{"00 prefix ignores country", "00886 912 345 678", "TH", "+886912345678"},
		{"TH mobile", "081-234-5678", "TH", "+66812345678"},
		{"TH Bangkok landline", "02-123-4567", "TH", "+6621234567"},
		{"TH mobile 06", "061 234 5678", "TH", "+66612345678"},
		{"TW mobile", "0912-345-678", "TW", "+886912345678"},
		{"TW Taipei landline", "(02) 2345-6789", "TW", "+886223456789"},
		{"TW landline, 8 digits", "07-234-5678", "TW", "+88672345678"},
		{"US, NANP", "+1 (415) 555-0123", "", "+14155550123"},
		{"GB, (0) trunk", "+44 (0)20 7946 0958", "", "+442079460958"},
		{"IT keeps its leading 0", "+39 06 1234 5678", "", "+390612345678"},
		{"HK, three-digit code", "+852 2123 4567", "", "+85221234567"},
		{"DE, unknown country param", "+49 30 1234567", "XX", "+49301234567"},
		{"shortest E.164", "+44 123 456", "", "+44123456"},
		{"longest E.164", "+49 1234 5678 9012 3", "", "+491234567890123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := NormalizePhone(tt.input, tt.country)
			if err != nil {
				t.Fatalf("NormalizePhone: %v", err)
			}
			if got != tt.want {
				t.Errorf("NormalizePhone = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizePhoneErrors(t *testing.T) {
	t.Parallel()

	const (
		tooShortJP = "This is too short for a Japanese number."
		tooLongJP  = "This is too long for a Japanese number."
		unknown    = "Unknown country code."
		needIntl   = "Enter the number in international format: + and the country code first."
		empty      = "Enter a phone number."
		letters    = "A phone number has digits only; remove the letters."
		badChar    = "Use only digits, spaces, hyphens, dots and parentheses."
		badPlus    = "Put the + only at the start of the number."
		badParens  = "Close each parenthesis, and do not nest them."
		noPrefix   = "Enter the phone number with its area or mobile prefix, e.g. "
	)
	tests := []struct {
		name, input, country, want string
	}{
		{"empty", "", "JP", empty},
		{"blank", " \u3000 ", "JP", empty},
		{"separators only", "--.--", "JP", empty},
		{"letters", "090-abcd-5678", "JP", letters},
		{"full-width letters", "０９０ＡＢＣ", "JP", letters},
		{"extension", "03-2345-6789 ext 12", "JP", letters},
		{"slash", "03/2345/6789", "JP", badChar},
		{"hash sign", "#0312345678", "JP", badChar},
		{"newline inside", "090\n2345\n6789", "JP", badChar},
		{"invalid UTF-8", "090\xff23456789", "JP", badChar},
		{"plus in the middle", "090+23456789", "JP", badPlus},
		{"two plus signs", "++81 90 2345 6789", "", badPlus},
		{"unclosed parenthesis", "(03 2345-6789", "JP", badParens},
		{"nested parentheses", "((03)) 2345-6789", "JP", badParens},
		{"plus alone", "+", "", "Enter the country code and the number."},
		{"00 alone", "00", "JP", "Enter the country code and the number."},
		{"unknown calling code", "+999 2345 6789", "", unknown},
		{"calling code starting with 0", "+0081 90 2345 6789", "", unknown},
		{"JP missing trunk", "2345-6789", "JP", noPrefix + "090-1234-5678."},
		{"JP code without plus", "81 90 2345 6789", "JP", "Start with + when you include the " +
			"country code, e.g. +81 90-1234-5678."},
		{"TH missing trunk", "2 345 6789", "TH", noPrefix + "081-234-5678."},
		{"TW missing trunk", "923-456-789", "TW", noPrefix + "0912-345-678."},
		{"JP trunk only", "0", "JP", tooShortJP},
		{"JP mobile 9 digits", "090-2345-678", "JP", tooShortJP},
		{"JP 070 mobile 9 digits", "070-2345-678", "JP", tooShortJP},
		{"JP landline 8 digits", "03-2345-678", "JP", tooShortJP},
		{"JP mobile 11 digits", "090-2345-67890", "JP", tooLongJP},
		{"JP landline 11 digits", "03-2345-678901", "JP", tooLongJP},
		{"JP international too short", "+81 90 2345 678", "", tooShortJP},
		{"JP two zeros after code", "+81 00 90 2345 6789", "", "There are too many zeros " +
			"after the country code."},
		{"TH mobile 8 digits", "081-345-678", "TH", "This is too short for a Thai number."},
		{"TH landline 7 digits", "02-345-678", "TH", "This is too short for a Thai number."},
		{"TH 10 digits", "081-345-67890", "TH", "This is too long for a Thai number."},
		{"TW mobile 8 digits", "0923-456-78", "TW", "This is too short for a Taiwanese number."},
		{"TW 10 digits", "0923-456-7890", "TW", "This is too long for a Taiwanese number."},
		{"national, no country", "020 7946 0958", "", needIntl},
		{"national, country without rules", "020 7946 0958", "GB", needIntl},
		{"national, unknown country", "020 7946 0958", "ZZ", needIntl},
		{"other code, 7 digits", "+44 20 345", "", "This is too short for a phone number."},
		{"other code, 16 digits", "+49 2345 6789 0123 45", "", "This is too long for a phone " +
			"number."},
		{"too much input", "+81 " + strings.Repeat("-", 300) + "9023456789", "",
			"This is too long for a phone number."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := NormalizePhone(tt.input, tt.country)
			if err == nil {
				t.Fatalf("NormalizePhone = %q, want an error", got)
			}
			e := assertPhoneError(t, err)
			if e.Message != tt.want {
				t.Errorf("message = %q, want %q", e.Message, tt.want)
			}
			for _, run := range inputDigitRuns(tt.input) {
				if strings.Contains(e.Error(), run) {
					t.Errorf("error %q repeats digits %q of the input", e.Error(), run)
				}
			}
		})
	}
}

// assertPhoneError checks that err is the *Error a bad number must give.
func assertPhoneError(t *testing.T, err error) *Error {
	t.Helper()

	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *pnpd.Error", err, err)
	}
	if e.Code != EInvalid || e.Field != "phoneNumber" {
		t.Fatalf("error code %q field %q, want %q %q", e.Code, e.Field, EInvalid, "phoneNumber")
	}

	return e
}

var digitRun = regexp.MustCompile(`[0-9]{3,}`)

// inputDigitRuns returns the runs of three or more digits in what a person
// typed, full-width digits folded, and all its digits joined.
func inputDigitRuns(input string) []string {
	folded := strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}

		return r
	}, input)
	runs := digitRun.FindAllString(folded, -1)
	if all := onlyDigits(folded); len(all) >= 3 {
		runs = append(runs, all)
	}

	return runs
}

func TestPhoneCountryCode(t *testing.T) {
	t.Parallel()

	for code, country := range callingCodes {
		// A short subscriber number too, so that no code needs padding.
		e164 := "+" + code + "2345678"
		if got := PhoneCountryCode(e164); got != code {
			t.Errorf("PhoneCountryCode(%s) = %q, want %q", code, got, code)
		}
		if got := PhoneCountry(e164); got != country {
			t.Errorf("PhoneCountry(%s) = %q, want %q", code, got, country)
		}
	}
	if got := PhoneCountryCode("+999123456"); got != "" {
		t.Errorf("PhoneCountryCode(unknown) = %q, want \"\"", got)
	}
}

func TestPhoneCallingCodesArePrefixFree(t *testing.T) {
	t.Parallel()

	for code := range callingCodes {
		if len(code) < 1 || len(code) > maxCallingCode || code[0] == '0' ||
			onlyDigits(code) != code {
			t.Errorf("calling code %q is not 1 to %d digits", code, maxCallingCode)
		}
		for other := range callingCodes {
			if other != code && strings.HasPrefix(other, code) {
				t.Errorf("calling code %q is a prefix of %q", code, other)
			}
		}
	}
	for code, p := range plans {
		if p.code != code || callingCodes[code] != p.country {
			t.Errorf("plan %q disagrees with callingCodes", code)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, e164, want string
	}{
		{"JP mobile", "+819012345678", "+81 ********78"},
		{"TH mobile", "+66812345678", "+66 *******78"},
		{"TW mobile", "+886912345678", "+886 *******78"},
		{"NANP", "+14155550123", "+1 ********23"},
		{"unknown calling code", "+99912345678", "+ *********78"},
		{"too short to mask", "+8112", "***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := MaskPhone(tt.e164)
			if got != tt.want {
				t.Errorf("MaskPhone(%s) = %q, want %q", tt.name, got, tt.want)
			}
			// Whatever the layout, only the calling code and the last two
			// digits may show.
			shown := PhoneCountryCode(tt.e164) + tt.e164[len(tt.e164)-2:]
			if len(tt.e164) >= 6 && onlyDigits(got) != shown {
				t.Errorf("MaskPhone(%s) shows digits %q, want only %q",
					tt.name, onlyDigits(got), shown)
			}
		})
	}
}

var e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	seeds := [][2]string{
		{"090-1234-5678", "JP"}, {"０９０−１２３４−５６７８", "JP"},
		{"+81 (0)90 1234 5678", ""}, {"0081 90 1234 5678", "TH"},
		{"081-234-5678", "TH"}, {"0912-345-678", "TW"},
		{"+44 (0)20 7946 0958", ""}, {"(+1) 415.555.0123", "US"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, input, country string) {
		got, err := NormalizePhone(input, country)
		if err != nil {
			assertPhoneError(t, err)

			return
		}
		if !e164Pattern.MatchString(got) {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", input, country, got)
		}

		again, err := NormalizePhone(got, country)
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}
