package messenger

import (
	"errors"
	"strings"

	"github.com/pnpd/pnpd"
)

// errorKeys maps the English messages of the errors a person can cause to
// their catalogue keys, so pages show them in the person's language.
var errorKeys = map[string]string{
	"Enter the 6 digits of the code.":                                        "err.codeDigits",
	"No code was sent for this number. Ask for a code first.":                "err.codeNone",
	"This code has been used already. Ask for a new code.":                   "err.codeUsed",
	"This code has expired. Ask for a new code.":                             "err.codeExpired",
	"This code was entered wrongly too often. Ask for a new code.":           "err.codeVoid",
	"The code is wrong, and no tries are left. Ask for a new code.":          "err.codeWrongNone",
	"Too many codes were sent to this number today. Try again tomorrow.":     "err.tooManyCodes",
	"Too many wrong codes were entered for this number. Try again tomorrow.": "err.tooManyWrong",
	"An account uses this phone number already. Log in instead.":             "err.accountExists",
	"No account uses this phone number. Sign up instead.":                    "err.noAccount",
	"Enter a display name of 1 to 20 characters.":                            "err.displayName",
	"This is your phone number already.":                                     "err.ownNumber",
	"Another account uses this phone number.":                                "err.numberTaken",
	"Agree to the privacy policy to create an account.":                      "err.privacy",
}

// localError is an error's message in the page's language.
func localError(lang string, err error) string {
	msg := pnpd.ErrorMessage(err)
	var e *pnpd.Error
	errors.As(err, &e)

	switch {
	case e == nil:
		return T(lang, "err.generic")
	case strings.HasPrefix(msg, "The code is wrong.") && e.Remaining == 1:
		return T(lang, "err.codeWrongOne")
	case strings.HasPrefix(msg, "The code is wrong.") && e.Remaining > 0:
		return T(lang, "err.codeWrongLeft", e.Remaining)
	case strings.HasPrefix(msg, "Wait ") && e.Remaining > 0:
		return T(lang, "err.wait", e.Remaining)
	case isClientLimit(msg):
		return T(lang, "err.tooManyFromNetwork", e.Remaining)
	case e.Code == pnpd.ENotFound && e.Field == "":
		return T(lang, "err.notFound")
	}

	if key, ok := errorKeys[msg]; ok {
		return T(lang, key)
	}
	// The phone number's own messages are detailed in English; other
	// languages get one that covers them all.
	if e.Field == "phoneNumber" && lang != "en" {
		return T(lang, "err.phone")
	}

	return msg
}
