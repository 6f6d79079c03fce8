// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/compliance"
)

// apps returns AWS:Application entries: name and version pairs.
func apps(kv ...string) []map[string]string {
	var out []map[string]string
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]string{"Name": kv[i], "Version": kv[i+1]})
	}
	return out
}

func cond(attr, op string, values ...string) compliance.Condition {
	return compliance.Condition{Attribute: attr, Operator: op, Values: values}
}

func TestEvaluate(t *testing.T) {
	fleet := map[string][]map[string]string{
		"java8":   apps("openjdk-8-jre", "1.8.0_381", "bash", "5.1"),
		"java11":  apps("openjdk-11-jre", "11.0.22+7-1", "bash", "5.2.15-2"),
		"java17":  apps("openjdk-17-jre", "17.0.10+7-1", "telnet", "0.17-44"),
		"java17b": apps("openjdk-17-jre", "17.0.2", "openjdk-11-jre", "11.0.2"),
		"none":    apps("bash", "5.2"),
		"empty":   nil,
	}
	tests := []struct {
		name string
		spec compliance.Spec
		// nonCompliant are the instances of fleet the rule flags.
		nonCompliant []string
	}{
		{"no telnet", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{cond("Name", "Equal", "telnet")}},
			[]string{"java17"}},
		{"Equal is exact", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{cond("Name", "", "telne", "TELNET")}},
			nil},
		// Java older than 11: the version compares naturally, so that
		// 1.8.0_381 < 11 and 11.0.22 is not < 11.0.3 by bytes.
		{"Java < 11 not allowed", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{
			cond("Name", "BeginWith", "openjdk"), cond("Version", "LessThan", "11")}}, []string{"java8"}},
		{"Java < 11.0.3 not allowed", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{
			cond("Name", "BeginWith", "openjdk"), cond("Version", "LessThan", "11.0.3")}}, []string{"java17b", "java8"}},
		{"Java 17 newer than 17.0.9 required", compliance.Spec{Kind: compliance.KindRequired, Conditions: []compliance.Condition{
			cond("Name", "BeginWith", "openjdk-17"), cond("Version", "GreaterThan", "17.0.9")}},
			[]string{"empty", "java11", "java17b", "java8", "none"}},
		// The conditions hold on one entry: java17b has an openjdk-17 and
		// a version 11, but not on the same entry.
		{"conditions hold on one entry", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{
			cond("Name", "BeginWith", "openjdk-17"), cond("Version", "BeginWith", "11.")}}, nil},
		{"bash required", compliance.Spec{Kind: compliance.KindRequired, Conditions: []compliance.Condition{cond("Name", "Equal", "bash")}},
			[]string{"empty", "java17", "java17b"}},
		{"NotEqual: an entry other than bash", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{
			cond("Name", "NotEqual", "bash")}}, []string{"java11", "java17", "java17b", "java8"}},
		{"Exists: an entry with a Publisher", compliance.Spec{Kind: compliance.KindForbidden, Conditions: []compliance.Condition{
			cond("Publisher", "Exists")}}, nil},
		{"no conditions: any entry", compliance.Spec{Kind: compliance.KindRequired}, []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, id := range []string{"empty", "java11", "java17", "java17b", "java8", "none"} {
				status, _ := tt.spec.Evaluate(fleet[id])
				if status == "NON_COMPLIANT" {
					got = append(got, id)
				} else if status != "COMPLIANT" {
					t.Errorf("Evaluate(%s) status = %q", id, status)
				}
			}
			if diff := cmp.Diff(tt.nonCompliant, got); diff != "" {
				t.Errorf("non-compliant instances mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateDetails(t *testing.T) {
	sp := compliance.Spec{TypeName: "AWS:Application", Kind: compliance.KindForbidden, Conditions: []compliance.Condition{
		cond("Name", "BeginWith", "telnet"), cond("Version", "LessThan", "1", "2")}}
	status, details := sp.Evaluate(apps("telnet", "0.17-44", "telnetd", "0.17-44", "telnet-ssl", "3.0", "bash", "5.2"))
	want := map[string]string{"Kind": "Forbidden", "TypeName": "AWS:Application", "Conditions": "Name BeginWith telnet; Version LessThan 1|2",
		"MatchingEntries": "2", "Entries": "telnet 0.17-44, telnetd 0.17-44"}
	if status != "NON_COMPLIANT" || !cmp.Equal(details, want) {
		t.Errorf("Evaluate = %q %v, want NON_COMPLIANT %v", status, details, want)
	}

	// Entries without a Name are named by the attributes tested.
	tags := compliance.Spec{TypeName: "AWS:Tag", Kind: compliance.KindForbidden, Conditions: []compliance.Condition{cond("Key", "Equal", "legacy")}}
	_, details = tags.Evaluate([]map[string]string{{"Key": "legacy", "Value": "yes"}})
	if details["Entries"] != "Key=legacy" {
		t.Errorf("Evaluate(AWS:Tag) Entries = %q, want Key=legacy", details["Entries"])
	}

	// Details stay within SSM's 4,096 characters per value.
	var many []string
	for range 1000 {
		many = append(many, "telnet", "0.17-44")
	}
	_, details = sp.Evaluate(apps(many...))
	if n := len(details["Entries"]); n > 4096 || !strings.HasSuffix(details["Entries"], " …") || details["MatchingEntries"] != "1000" {
		t.Errorf("Evaluate(1000 matches): Entries of %d bytes ending %q, MatchingEntries %s", n, details["Entries"][n-10:], details["MatchingEntries"])
	}
}
