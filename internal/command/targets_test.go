// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"strings"
	"testing"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
)

// TestParseRate reads MaxConcurrency and MaxErrors values.
func TestParseRate(t *testing.T) {
	tests := []struct {
		v         string
		allowZero bool
		want      rate
		ok        bool
	}{
		{"1", false, rate{n: 1}, true},
		{"10", false, rate{n: 10}, true},
		{"1000", false, rate{n: 1000}, true},
		{"1%", false, rate{n: 1, percent: true}, true},
		{"10%", false, rate{n: 10, percent: true}, true},
		{"100%", false, rate{n: 100, percent: true}, true},
		{"0", false, rate{}, false},
		{"0%", false, rate{}, false},
		{"101%", false, rate{}, false},
		{"abc", false, rate{}, false},
		{"-1", false, rate{}, false},
		{"-1%", false, rate{}, false},
		{"", false, rate{}, false},
		{"%", false, rate{}, false},
		{"1.5", false, rate{}, false},
		{"10 %", false, rate{}, false},
		{"0", true, rate{n: 0}, true},
		{"0%", true, rate{n: 0, percent: true}, true},
		{"7", true, rate{n: 7}, true},
		{"25%", true, rate{n: 25, percent: true}, true},
		{"100%", true, rate{n: 100, percent: true}, true},
		{"101%", true, rate{}, false},
		{"abc", true, rate{}, false},
		{"-1", true, rate{}, false},
		{"", true, rate{}, false},
	}
	for _, tt := range tests {
		field := "MaxConcurrency"
		if tt.allowZero {
			field = "MaxErrors"
		}
		got, err := parseRate(field, tt.v, tt.allowZero)
		if !tt.ok {
			e := awserr.As(err)
			if e == nil || e.Code != "ValidationException" || !strings.Contains(e.Message, "'"+tt.v+"' at '"+field+"'") {
				t.Errorf("parseRate(%s, %q) = %+v, %v, want a ValidationException naming the value and field", field, tt.v, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseRate(%s, %q) = %+v, %v, want %+v", field, tt.v, got, err, tt.want)
		}
	}
}

// TestRateOf turns rates into numbers of targets: percentages round down
// and a concurrency is at least one.
func TestRateOf(t *testing.T) {
	tests := []struct {
		r       rate
		targets int
		minOne  bool
		want    int
	}{
		{rate{n: 10}, 3, true, 10}, // absolute: not capped at the targets
		{rate{n: 10}, 3, false, 10},
		{rate{n: 0}, 3, false, 0},
		{rate{n: 10, percent: true}, 25, false, 2}, // 2.5
		{rate{n: 10, percent: true}, 29, false, 2}, // 2.9
		{rate{n: 10, percent: true}, 30, false, 3},
		{rate{n: 33, percent: true}, 10, false, 3}, // 3.3
		{rate{n: 50, percent: true}, 3, false, 1},  // 1.5
		{rate{n: 10, percent: true}, 5, false, 0},  // 0.5
		{rate{n: 10, percent: true}, 5, true, 1},   // 0.5, at least one
		{rate{n: 1, percent: true}, 1, true, 1},
		{rate{n: 100, percent: true}, 7, true, 7},
		{rate{n: 100, percent: true}, 7, false, 7},
		{rate{n: 0, percent: true}, 100, false, 0},
	}
	for _, tt := range tests {
		if got := tt.r.of(tt.targets, tt.minOne); got != tt.want {
			t.Errorf("%+v.of(%d, %v) = %d, want %d", tt.r, tt.targets, tt.minOne, got, tt.want)
		}
	}
}

// TestCommandLimits reads a command's MaxConcurrency and MaxErrors for
// its target count, with SSM's defaults for values that do not parse.
func TestCommandLimits(t *testing.T) {
	tests := []struct {
		concurrency, errs string
		targets           int
		wantC, wantE      int
	}{
		{"50", "0", 200, 50, 0},
		{"10%", "10%", 200, 20, 20},
		{"10%", "10%", 9, 1, 0},
		{"100%", "100%", 3, 3, 3},
		{"bogus", "bogus", 200, 50, 0},
		{"", "", 200, 50, 0},
	}
	for _, tt := range tests {
		c := &Command{MaxConcurrency: tt.concurrency, MaxErrors: tt.errs, TargetCount: tt.targets}
		if got := maxConcurrency(c); got != tt.wantC {
			t.Errorf("maxConcurrency(%q, %d targets) = %d, want %d", tt.concurrency, tt.targets, got, tt.wantC)
		}
		if got := maxErrors(c); got != tt.wantE {
			t.Errorf("maxErrors(%q, %d targets) = %d, want %d", tt.errs, tt.targets, got, tt.wantE)
		}
	}
}

// TestIntersect narrows the instances targets may select.
func TestIntersect(t *testing.T) {
	ids := func(s ...string) []fleet.InstanceID {
		out := make([]fleet.InstanceID, len(s))
		for i, v := range s {
			out[i] = fleet.InstanceID(v)
		}
		return out
	}
	tests := []struct {
		a, b, want []fleet.InstanceID
	}{
		{nil, ids("a", "b"), ids("a", "b")},
		{ids("a", "b", "c"), ids("c", "a"), ids("a", "c")},
		{ids("a"), ids("b"), ids()},
		{nil, nil, ids()},
	}
	for _, tt := range tests {
		got := intersect(tt.a, tt.b)
		if got == nil || len(got) != len(tt.want) {
			t.Errorf("intersect(%v, %v) = %#v, want %v", tt.a, tt.b, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("intersect(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
				break
			}
		}
	}
}
