// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import "strings"

// Context supplies the values of condition keys ("aws:SourceIp",
// "ssm:resourceTag/env") for one request. Key names are case-insensitive:
// Evaluate always asks with the key in lower case, so an implementation
// that stores its keys lower-cased can look them up directly. A key that is
// absent from the request returns ok false; a key present with no values
// (an empty set, such as aws:TagKeys of a request without tags) returns an
// empty slice and ok true. Callers must not modify the returned slice.
//
// Keys derived from the principal (aws:username, aws:userid,
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:PrincipalTag/<key>) need not be supplied: Evaluate takes them from
// Request.Principal when the Context does not have them.
type Context interface {
	Lookup(key string) (values []string, ok bool)
}

// Values is a Context built cheaply per request: values share one backing
// array, keys written in lower case ("aws:sourceip") are stored without a
// copy, and Lookup never allocates. A Parent, if set, is consulted for keys
// Values does not have, so that per-principal or per-resource values can be
// built once and layered under per-request ones. Reset lets a Values be
// reused (for instance from a sync.Pool) without allocating again. The zero
// value is empty and ready to use. A Values is not safe for concurrent
// modification; concurrent Lookups are safe.
type Values struct {
	Parent Context

	keys  []string
	spans []span
	vals  []string
}

type span struct{ start, end int }

// Set sets key to values, replacing any values it had. No values records the
// key as present with an empty set. Keys are stored lower-cased: a key
// written in lower case ("aws:sourceip") is stored without a copy.
func (v *Values) Set(key string, values ...string) {
	key = lowerASCII(key)
	start := len(v.vals)
	v.vals = append(v.vals, values...)
	for i, k := range v.keys {
		if k == key {
			v.spans[i] = span{start, len(v.vals)}
			return
		}
	}
	v.keys = append(v.keys, key)
	v.spans = append(v.spans, span{start, len(v.vals)})
}

// Lookup returns the values of key, ignoring case, or those of Parent.
func (v *Values) Lookup(key string) ([]string, bool) {
	return v.lookup(key, hasUpperASCII(key))
}

// lookupLower is Lookup for a key known to be in lower case, as Evaluate
// asks.
func (v *Values) lookupLower(key string) ([]string, bool) {
	return v.lookup(key, false)
}

func (v *Values) lookup(key string, fold bool) ([]string, bool) {
	for i, k := range v.keys {
		if k == key || fold && strings.EqualFold(k, key) {
			s := v.spans[i]
			return v.vals[s.start:s.end:s.end], true
		}
	}
	switch p := v.Parent.(type) {
	case nil:
		return nil, false
	case *Values:
		return p.lookup(key, fold)
	default:
		return p.Lookup(key)
	}
}

// Reset removes every key but keeps the memory for reuse. It leaves Parent
// as it is.
func (v *Values) Reset() {
	clear(v.vals)
	v.keys = v.keys[:0]
	v.spans = v.spans[:0]
	v.vals = v.vals[:0]
}
