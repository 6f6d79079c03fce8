// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// globRef is a plain recursive glob matcher: the reference the compiled
// matchers are checked against.
func globRef(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globRef(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globRef(p[1:], s[1:])
	}
	return s != "" && s[0] == p[0] && globRef(p[1:], s[1:])
}

func TestPatternMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(alphabet string, n int) string {
		var b strings.Builder
		for i := rng.IntN(n + 1); i > 0; i-- {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := 0; i < 20000; i++ {
		p := gen("ab*?", 7)
		s := gen("ab", 8)
		want := globRef(p, s)
		cp := compilePattern(p, patternOpts{wildcards: true}, nil)
		if got := cp.matchStatic(s, false); got != want {
			t.Fatalf("pattern %q matching %q = %v, want %v", p, s, got, want)
		}
		if got := matchPieces(cp.pieces, nil, s, false); cp.mode == modeGeneral && got != want {
			t.Fatalf("matchPieces(%q, %q) = %v, want %v", p, s, got, want)
		}
		// Case-insensitive matching, as for actions.
		fp := compilePattern(strings.ToUpper(p), patternOpts{wildcards: true, fold: true}, nil)
		if got := fp.matchStatic(s, true); got != want {
			t.Fatalf("folded pattern %q matching %q = %v, want %v", strings.ToUpper(p), s, got, want)
		}
		// A variable standing for "ab" matches as the literal would.
		vp := strings.Replace(p, "ab", "${k}", 1)
		var vars []variable
		cv := compilePattern(vp, patternOpts{wildcards: true, variables: true}, &vars)
		if cv.hasVars {
			if got := matchPieces(cv.pieces, []string{"ab"}, s, false); got != want {
				t.Fatalf("pattern %q with k=ab matching %q = %v, want %v", vp, s, got, want)
			}
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // Unix seconds
		ok   bool
	}{
		{"2020-01-01T00:00:00Z", 1577836800, true},
		{"2020-01-01T00:00:00z", 1577836800, true},
		{"2020-01-01T09:00:00+09:00", 1577836800, true},
		{"2019-12-31T19:00:00-0500", 1577836800, true},
		{"2020-01-01T00:00Z", 1577836800, true},
		{"2020-01-01", 1577836800, true},
		{"2020-01", 1577836800, true},
		{"2020", 1577836800, true},
		{"2020-01-01T00:00:00", 1577836800, true},
		{"1577836800", 1577836800, true},
		{"0", 0, true},
		{"-86400", -86400, true},
		{"2024-02-29T12:00:00Z", 1709208000, true},
		{"1969-12-31T23:59:59Z", -1, true},
		{"2023-02-29", 0, false},
		{"2020-13-01", 0, false},
		{"2020-01-32", 0, false},
		{"2020-01-01T25:00:00Z", 0, false},
		{"2020-01-01T00:60:00Z", 0, false},
		{"2020-01-01X00:00:00Z", 0, false},
		{"2020-01-01T00:00:00Q", 0, false},
		{"2020-01-01T00:00:00.Z", 0, false},
		{"20-01-01", 0, false},
		{"", 0, false},
		{"now", 0, false},
		{"1e9", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in)
			if ok != tt.ok || (ok && got != tt.want*1e9) {
				t.Errorf("parseDate(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want*1e9, tt.ok)
			}
		})
	}
	if got, _ := parseDate("2020-01-01T00:00:00.123456789Z"); got != 1577836800123456789 {
		t.Errorf("parseDate with nanoseconds = %d, want 1577836800123456789", got)
	}
	if got, _ := parseDate("1577836800.5"); got != 1577836800500000000 {
		t.Errorf("parseDate of fractional epoch seconds = %d, want 1577836800500000000", got)
	}
}
