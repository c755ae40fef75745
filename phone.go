package pnpd

import "strings"

// callingCodes maps the country calling codes pnpd knows to their
// countries. E.164 calling codes are prefix-free, so the first match wins.
var callingCodes = map[string]string{
	"1": "US", "44": "GB", "49": "DE", "33": "FR", "61": "AU", "65": "SG",
	"66": "TH", "81": "JP", "82": "KR", "84": "VN", "86": "CN", "852": "HK",
	"886": "TW", "62": "ID", "63": "PH", "60": "MY", "91": "IN",
}

// PhoneCountryCode returns the calling code of an E.164 number without the
// "+", or "" when pnpd does not know it.
func PhoneCountryCode(e164 string) string {
	digits := strings.TrimPrefix(e164, "+")
	for n := 1; n <= 3 && n <= len(digits); n++ {
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
