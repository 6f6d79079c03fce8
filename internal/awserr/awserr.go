// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package awserr defines the error type that carries an AWS error code, its
// kind and its fault, so that every protocol codec turns a domain error into
// the same wire error.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an error independently of its AWS code. Kinds are
// comparable with errors.Is: errors.Is(err, awserr.NotFound).
type Kind uint8

// The kinds of error. Each has a default HTTP status; an Error may override it.
const (
	Other           Kind = iota // unclassified; becomes InternalFailure on the wire
	Invalid                     // the request is malformed or violates a rule (400)
	NotFound                    // a named resource does not exist (400)
	Exists                      // a resource with that name already exists (400)
	LimitExceeded               // a quota would be exceeded (400)
	Conflict                    // the resource's state forbids the operation (400)
	Denied                      // authorization refused the request (400/403)
	Unauthenticated             // the request's credentials are missing or wrong (403)
	Throttled                   // too many requests (400)
	Unavailable                 // the service cannot serve the request now (503)
	Internal                    // a fault of the server (500)
)

var kindNames = [...]string{
	Other:           "other",
	Invalid:         "invalid",
	NotFound:        "not found",
	Exists:          "exists",
	LimitExceeded:   "limit exceeded",
	Conflict:        "conflict",
	Denied:          "denied",
	Unauthenticated: "unauthenticated",
	Throttled:       "throttled",
	Unavailable:     "unavailable",
	Internal:        "internal",
}

// Error returns the kind's name, so a Kind can be an errors.Is target.
func (k Kind) Error() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Status returns the default HTTP status of errors of this kind.
func (k Kind) Status() int {
	switch k {
	case Unauthenticated:
		return http.StatusForbidden
	case Unavailable:
		return http.StatusServiceUnavailable
	case Other, Internal:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// Error is an error with AWS meaning: a code such as "ValidationException",
// a message shown to the caller, a kind, and optionally an HTTP status that
// differs from the kind's default. The message is sent to callers verbatim,
// so it must never contain a secret.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Status  int // 0 means Kind.Status()
}

// New returns an Error of the given kind, code and message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Errorf returns an Error whose message is formatted from format and args.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithStatus returns a copy of e answered with the given HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// Error returns "Code: message".
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// HTTPStatus returns the status the error is answered with.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return e.Kind.Status()
}

// Fault returns "Sender" for errors the caller can fix and "Receiver" for
// faults of the server, as the Query protocol's <Type> element spells them.
func (e *Error) Fault() string {
	if e.HTTPStatus() >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// As returns the *Error in err's chain, or nil if there is none.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Validation returns a ValidationException naming the field and the rule it
// breaks, in AWS's words: "1 validation error detected: Value 'x' at 'name'
// failed to satisfy constraint: Member must have length less than or equal
// to 128".
func Validation(field string, value any, rule string) *Error {
	return Errorf(Invalid, "ValidationException",
		"1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, rule)
}

// InternalFailure returns the error shown for a server fault, with no detail.
func InternalFailure() *Error {
	return New(Internal, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
}
