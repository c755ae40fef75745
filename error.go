package pnpd

import (
	"errors"
	"fmt"
)

// Code is a stable name for a kind of failure; one place in each adapter
// maps it to an HTTP status and body.
type Code string

// The error codes.
const (
	ENotFound     Code = "not_found"
	EInvalid      Code = "invalid"
	EConflict     Code = "conflict"
	EUnauthorized Code = "unauthorized"
	EForbidden    Code = "forbidden"
	ERateLimited  Code = "rate_limited"
	ERefused      Code = "refused" // the receiving flow refuses the recipient
	EInternal     Code = "internal"
)

// Error is the domain's error: a code and a message safe to show.
type Error struct {
	Code    Code
	Message string
	// Field names the input at fault, when there is one.
	Field string
	// Remaining is a count the caller may show, such as tries left.
	Remaining int
}

// Error returns the message with its code.
func (e *Error) Error() string {
	return fmt.Sprintf("pnpd error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, EInternal for any other
// error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}

	return EInternal
}

// ErrorMessage returns the safe message of err's *Error, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}

	return "Internal error."
}
