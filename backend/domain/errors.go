package domain

import (
	"errors"
	"fmt"
)

// Error codes carried by *Error. They map to HTTP statuses in the HTTP API and
// let the UI decide how to show a failure.
const (
	EInvalid      = "invalid"      // bad input: the message says what to fix
	ENotFound     = "not_found"    // the object does not exist
	EConflict     = "conflict"     // the request clashes with current state
	EUnavailable  = "unavailable"  // a dependency (keyring, provider) is not usable
	EValidation   = "validation"   // the provider rejected the credential
	EInternal     = "internal"     // a bug or an unexpected failure
	EUnauthorized = "unauthorized" // the caller is not allowed
)

// Error is an error the user can be shown: a machine code, a message that says
// what happened and what to do, and optionally the form field it concerns and
// the classified provider check behind it.
type Error struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Field   string       `json:"field,omitempty"`
	Check   *CheckResult `json:"check,omitempty"`
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error about one form field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Public returns the *Error to show the user for err: the *Error in its chain,
// or a generic internal error that hides the detail (which belongs in the log).
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Message: "Internal error. The details are in Patchbay's log."}
}
