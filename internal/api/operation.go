// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package api is kanri's front door: one HTTP handler that recognizes the
// AWS protocol of a request (JSON 1.1, Query or REST-JSON), finds the operation,
// authenticates the SigV4 signature, decodes and validates the input,
// authorizes the IAM action on the operation's resources, calls the
// domain, and records the outcome in the audit trail.
package api

import (
	"context"

	"github.com/kanri-dev/kanri/internal/wire"
)

// Protocol is an AWS wire protocol.
type Protocol int

// The protocols.
const (
	JSON  Protocol = iota + 1 // JSON 1.1: POST /, X-Amz-Target
	Query                     // Query: Action=…&Version=…, XML answers
	REST                      // REST-JSON: method and path, JSON answers
)

// Service is an AWS-shaped service: its protocol identity and operations.
type Service struct {
	// Name is the IAM action prefix and signing name, e.g. "ssm".
	Name string
	// Protocol says how requests and answers are encoded.
	Protocol Protocol
	// TargetPrefix is the JSON 1.1 X-Amz-Target prefix, e.g. "AmazonSSM".
	TargetPrefix string
	// Version is the Query protocol's Version parameter, e.g. "2011-06-15".
	Version string
	// XMLNamespace is the namespace of Query answers.
	XMLNamespace string
	// Bindings are the HTTP bindings of a REST service's operations by
	// name: the generated package's Operations, whose HTTPMethod and
	// RequestURI route requests and whose ResponseCode is the status of
	// a successful answer.
	Bindings map[string]wire.OperationInfo
	// Operations are the operations the service implements.
	Operations []*Operation
}

// Source returns the service's host name as the audit trail names it,
// e.g. "sts.amazonaws.com".
func (s *Service) Source() string { return s.Name + ".amazonaws.com" }

// Operation is one API operation bound to the domain code that performs it.
type Operation struct {
	// Name is the operation's AWS name, e.g. "GetCallerIdentity".
	Name string
	// ReadOnly marks operations that change nothing (for the audit trail).
	ReadOnly bool
	// Anonymous operations accept unsigned requests (e.g.
	// AssumeRoleWithWebIdentity, whose caller proves itself with a token).
	Anonymous bool
	// Unchecked operations need no permission: any authenticated principal
	// may call them, as AWS documents for sts:GetCallerIdentity.
	Unchecked bool

	newInput  func() any
	resources func(ctx context.Context, in any) []string
	context   func(ctx context.Context, in any) map[string][]string
	call      func(ctx context.Context, in any) (any, error)
}

// Op binds an operation named name to call. Its IAM action is the service
// name and the operation name ("sts:GetCallerIdentity"); until Resources
// is set, it acts on resource "*".
func Op[I, O any](name string, call func(ctx context.Context, in *I) (*O, error)) *Operation {
	return &Operation{
		Name:     name,
		newInput: func() any { return new(I) },
		call: func(ctx context.Context, in any) (any, error) {
			out, err := call(ctx, in.(*I))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// Resources sets how the operation derives the ARNs it acts on from its
// input. The function runs after the input is validated.
func Resources[I any](op *Operation, fn func(ctx context.Context, in *I) []string) *Operation {
	op.resources = func(ctx context.Context, in any) []string { return fn(ctx, in.(*I)) }
	return op
}

// Context sets how the operation derives its request's condition keys
// (aws:RequestTag/…, service keys) from its input.
func Context[I any](op *Operation, fn func(ctx context.Context, in *I) map[string][]string) *Operation {
	op.context = func(ctx context.Context, in any) map[string][]string { return fn(ctx, in.(*I)) }
	return op
}

// Read marks op read-only and returns it.
func (op *Operation) Read() *Operation {
	op.ReadOnly = true
	return op
}

// Unsigned marks op as accepting unsigned requests and returns it.
func (op *Operation) Unsigned() *Operation {
	op.Anonymous = true
	return op
}

// AnyPrincipal marks op as needing no permission and returns it.
func (op *Operation) AnyPrincipal() *Operation {
	op.Unchecked = true
	return op
}
