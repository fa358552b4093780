// Package apperr holds the platform's typed errors. Domain code returns them
// without knowing about gRPC; the server edge turns them into status codes
// with ErrorInfo and BadRequest details (see package server).
package apperr

import (
	"errors"
	"fmt"
	"maps"
)

// Kind classifies an error by what the caller can do about it. Each kind
// maps to one gRPC code at the edge.
type Kind int

// The kinds, named after the gRPC codes they become.
const (
	KindInternal Kind = iota
	KindInvalidArgument
	KindNotFound
	KindAlreadyExists
	KindFailedPrecondition
	KindAborted
	KindUnavailable
	KindPermissionDenied
	KindUnauthenticated
	KindResourceExhausted
)

// Domain is the ErrorInfo domain of every platform error.
const Domain = "crm.opencrm.dev"

// Error is an error meant for the caller: its Message is safe to show, its
// Reason is a stable UPPER_SNAKE identifier, Field names the offending
// request field for INVALID_ARGUMENT, and Metadata carries ids the caller
// can act on (for example the existing customer of a duplicate).
type Error struct {
	Kind     Kind
	Reason   string
	Message  string
	Field    string
	Metadata map[string]string
	// Err is the cause; it is never shown to callers.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error or a Reason of the same kind and
// reason, so errors.Is works against a service's declared reasons.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case *Error:
		return t.Kind == e.Kind && t.Reason == e.Reason && (t.Field == "" || t.Field == e.Field)
	case Reason:
		return t.Kind == e.Kind && t.Reason == e.Reason
	}
	return false
}

// With returns a copy of e with metadata added.
func (e *Error) With(key, value string) *Error {
	c := *e
	c.Metadata = make(map[string]string, len(e.Metadata)+1)
	maps.Copy(c.Metadata, e.Metadata)
	c.Metadata[key] = value
	return &c
}

// Invalid reports a bad request field. field is the request's field path
// (for example "customer.emails[1].address").
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalidArgument, Reason: "INVALID_FIELD", Field: field, Message: fmt.Sprintf(format, args...)}
}

// New returns an error of the given kind and reason.
func New(kind Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports a missing resource by its name.
func NotFound(resource string) *Error {
	return &Error{Kind: KindNotFound, Reason: "NOT_FOUND", Message: resource + " not found", Metadata: map[string]string{"resource": resource}}
}

// Unavailable wraps a failure of a dependency (database, another service)
// that a retry may overcome.
func Unavailable(what string, err error) *Error {
	return &Error{Kind: KindUnavailable, Reason: "DEPENDENCY_UNAVAILABLE", Message: what + " is unavailable", Err: err}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Reason is a kind and reason without a message: the value a service
// declares once, in its errors.go, for each reason its callers may act
// on. Errors made from it match it with errors.Is.
type Reason struct {
	Kind   Kind
	Reason string
}

// Error implements error, so that a Reason can be an errors.Is target.
func (r Reason) Error() string { return r.Reason }

// New returns an error of this reason with a message.
func (r Reason) New(format string, args ...any) *Error {
	return &Error{Kind: r.Kind, Reason: r.Reason, Message: fmt.Sprintf(format, args...)}
}

// Field returns an error of this reason about the request field field.
func (r Reason) Field(field, format string, args ...any) *Error {
	e := r.New(format, args...)
	e.Field = field
	return e
}
