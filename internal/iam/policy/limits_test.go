// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"strings"
	"testing"
)

func TestSizeWithoutWhitespace(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{"", 0},
		{`{"a":"b"}`, 9},
		{"{\n  \"a\" : \"b c\"\t}\r\n", 10},
		{"\u00e9\u00e9 \u00e9", 3},
		{"a\u00a0b\u2003c", 3},
		{strings.Repeat(" ", 100) + "x", 1},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			if got := SizeWithoutWhitespace(tt.doc); got != tt.want {
				t.Errorf("SizeWithoutWhitespace(%q) = %d, want %d", tt.doc, got, tt.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"bob", true},
		{"Ops_Team+1=a,b.c@d-e", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{"with space", false},
		{"slash/name", false},
		{"colon:name", false},
		{"star*", false},
		{"\u00e9t\u00e9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidName(tt.name); got != tt.want {
				t.Errorf("ValidName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestValidPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/division_abc/subdivision_xyz/", true},
		{"/a~!@#$%^&*()_+{}|:<>?/", true},
		{"/" + strings.Repeat("a", 510) + "/", true},
		{"/" + strings.Repeat("a", 511) + "/", false},
		{"", false},
		{"a/", false},
		{"/a", false},
		{"/a b/", false},
		{"/\u00e9/", false},
		{"//", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := ValidPath(tt.path); got != tt.want {
				t.Errorf("ValidPath(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name      string
		got, want int
	}{
		{"MaxManagedPolicySize", MaxManagedPolicySize, 6144},
		{"MaxRoleInlinePolicySize", MaxRoleInlinePolicySize, 10240},
		{"MaxUserInlinePolicySize", MaxUserInlinePolicySize, 2048},
		{"MaxGroupInlinePolicySize", MaxGroupInlinePolicySize, 5120},
		{"MaxTrustPolicySize", MaxTrustPolicySize, 2048},
		{"MaxUserNameLen", MaxUserNameLen, 64},
		{"MaxRoleNameLen", MaxRoleNameLen, 64},
		{"MaxPolicyNameLen", MaxPolicyNameLen, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
			}
		})
	}
}
