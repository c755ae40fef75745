package lineapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/pnpd/pnpd"
	"github.com/pnpd/pnpd/message"
)

// The error messages LINE's API returns, byte for byte where LINE's
// documentation quotes them.
const (
	msgAuthRequired = "Authorization header required. " +
		"Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
	msgTokenMalformed = "Authentication failed due to the following reason: " +
		"The access token malformed. Confirm that the access token in the authorization " +
		"header is valid."
	msgTokenInvalid = "Authentication failed. " +
		"Confirm that the access token in the authorization header is valid."
	msgRateLimited   = "The API rate limit has been exceeded. Try again later."
	msgFailedToSend  = "Failed to send messages"
	msgInvalidDigest = "The value must be a valid SHA-256 digest."
	msgInvalidDate   = "The value for the 'date' parameter is invalid"
	msgRetryKey      = "The X-Line-Retry-Key header is not supported by this API"
	msgTooLarge      = "The request body must not exceed 2MB"
	msgInternal      = "An internal error occurred. Try again later."
	msgNotFound      = "Not found"
	msgNotAvailable  = "Access to this API is not available for your account"
)

// Body is LINE's error body.
type Body struct {
	Message string           `json:"message"`
	Details []message.Detail `json:"details,omitempty"`
}

// apiError is an error a handler returns to answer with a LINE error body.
type apiError struct {
	status int
	body   Body
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s", e.status, e.body.Message)
}

func fail(status int, msg string, details ...message.Detail) *apiError {
	return &apiError{status: status, body: Body{Message: msg, Details: details}}
}

// bodyErrors is LINE's 400 for a request body with invalid fields.
func bodyErrors(details []message.Detail) *apiError {
	return fail(http.StatusBadRequest,
		fmt.Sprintf("The request body has %d error(s)", len(details)), details...)
}

// writeError is the one place that turns an error into LINE's status and
// body, and logs it: 5xx at error level, the expected 4xx at debug.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case pnpd.ErrorCode(err) == pnpd.ERefused:
		ae = fail(http.StatusUnprocessableEntity, msgFailedToSend)
	case pnpd.ErrorCode(err) == pnpd.ENotFound:
		ae = fail(http.StatusNotFound, msgNotFound)
	default:
		ae = fail(http.StatusInternalServerError, msgInternal)
	}

	if ae.status >= 500 {
		a.logFailure(r, err)
	} else {
		a.Log.DebugContext(r.Context(), "Request refused", "path", r.URL.Path,
			"status", ae.status, "reason", ae.body.Message)
	}

	writeJSON(w, ae.status, ae.body)
}

// logFailure logs why a request failed, unless its client went away,
// which says nothing about pnpd.
func (a *API) logFailure(r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}

	a.Log.ErrorContext(r.Context(), "Request failed", "path", r.URL.Path, "error", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)

	// LINE writes "<ACCESS TOKEN>" in its 401 body as it is, not as \u003c.
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
