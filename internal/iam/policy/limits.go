// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"unicode"
	"unicode/utf8"
)

// IAM quotas on policy size, in characters not counting white space (see
// SizeWithoutWhitespace). The inline quotas are for the total of all inline
// policies of one identity. Callers enforce them and answer LimitExceeded.
const (
	MaxManagedPolicySize     = 6144  // one customer managed policy (each version)
	MaxRoleInlinePolicySize  = 10240 // all inline policies of a role
	MaxUserInlinePolicySize  = 2048  // all inline policies of a user
	MaxGroupInlinePolicySize = 5120  // all inline policies of a group
	MaxTrustPolicySize       = 2048  // a role's trust policy (AWS's default quota)
)

// IAM limits on the names that ValidName checks.
const (
	MaxUserNameLen   = 64
	MaxRoleNameLen   = 64
	MaxGroupNameLen  = 128
	MaxPolicyNameLen = 128
	MaxPathLen       = 512
)

// SizeWithoutWhitespace returns the number of characters of doc that are not
// white space, which is how IAM measures a policy against its quotas.
func SizeWithoutWhitespace(doc string) int {
	n := 0
	for i := 0; i < len(doc); {
		c := doc[i]
		if c < utf8.RuneSelf {
			i++
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
				n++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(doc[i:])
		i += size
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// ValidName reports whether name is a valid name for an IAM user, group,
// role or policy: 1 to 128 characters of [\w+=,.@-], where \w is
// [A-Za-z0-9_]. Users and roles are further limited to 64 characters
// (MaxUserNameLen, MaxRoleNameLen), which the caller checks.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > MaxPolicyNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '+', c == '=', c == ',', c == '.', c == '@', c == '-':
		default:
			return false
		}
	}
	return true
}

// ValidPath reports whether p is a valid IAM path: "/" alone, or "/"
// followed by printable ASCII characters (U+0021 to U+007E) ending in "/",
// at most 512 characters long.
func ValidPath(p string) bool {
	if len(p) == 0 || len(p) > MaxPathLen || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
