// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import "regexp"

var (
	// bracePattern finds {{ x }}: a word in double braces, with optional
	// spaces inside them.
	bracePattern = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)
	// storeRefPattern is a Parameter Store reference: ssm: or ssm-secure:,
	// a parameter name or path, and an optional :version or :label.
	storeRefPattern = regexp.MustCompile(`^ssm(?:-secure)?:[a-zA-Z0-9_.\-/]+(?::[a-zA-Z0-9_.\-]+)?$`)
)

// segment is a piece of a string: literal text, a parameter reference or
// a Parameter Store reference.
type segment struct {
	// text is the segment as written.
	text string
	// param is the parameter name of a {{ name }} reference.
	param string
	// ref is a Parameter Store reference, "ssm:name" or
	// "ssm-secure:name".
	ref string
}

func (s segment) isRef() bool { return s.param != "" || s.ref != "" }

// template is a string split into segments.
type template []segment

// parseTemplate splits s at its references. Text in double braces that
// is neither a parameter name nor a Parameter Store reference (docker's
// {{.Names}}) stays literal.
func parseTemplate(s string) template {
	var t template
	last := 0
	for _, m := range bracePattern.FindAllStringSubmatchIndex(s, -1) {
		inner := s[m[2]:m[3]]
		seg := segment{text: s[m[0]:m[1]]}
		switch {
		case paramNamePattern.MatchString(inner):
			seg.param = inner
		case storeRefPattern.MatchString(inner):
			seg.ref = inner
		default:
			continue
		}
		if m[0] > last {
			t = append(t, segment{text: s[last:m[0]]})
		}
		t = append(t, seg)
		last = m[1]
	}
	if last < len(s) {
		t = append(t, segment{text: s[last:]})
	}
	return t
}

// whole returns the reference when the string is exactly one reference.
func (t template) whole() (segment, bool) {
	if len(t) == 1 && t[0].isRef() {
		return t[0], true
	}
	return segment{}, false
}

// hasRefs reports whether the string holds any reference.
func (t template) hasRefs() bool {
	for _, s := range t {
		if s.isRef() {
			return true
		}
	}
	return false
}

// hasStoreRef reports whether s holds a Parameter Store reference.
func hasStoreRef(s string) bool {
	for _, seg := range parseTemplate(s) {
		if seg.ref != "" {
			return true
		}
	}
	return false
}

// storeRefs appends the Parameter Store references in s to refs, each
// once.
func storeRefs(refs []string, seen map[string]bool, s string) []string {
	for _, seg := range parseTemplate(s) {
		if seg.ref != "" && !seen[seg.ref] {
			seen[seg.ref] = true
			refs = append(refs, seg.ref)
		}
	}
	return refs
}
