// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/wire/kanri"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in   string
		want *kanri.InventoryRuleCondition
	}{
		{"Name=telnet", &kanri.InventoryRuleCondition{Key: "Name", Values: []string{"telnet"}}},
		{"Name=telnet,telnetd", &kanri.InventoryRuleCondition{Key: "Name", Values: []string{"telnet", "telnetd"}}},
		{"Key=Version,Values=11,Type=LessThan", &kanri.InventoryRuleCondition{Key: "Version", Values: []string{"11"}, Type: "LessThan"}},
		{"Key=Name,Values=a,b,Type=BeginWith", &kanri.InventoryRuleCondition{Key: "Name", Values: []string{"a", "b"}, Type: "BeginWith"}},
		{"Key=Publisher,Type=Exists", &kanri.InventoryRuleCondition{Key: "Publisher", Type: "Exists"}},
		{"Type=GreaterThan,Key=Version,Values=17", &kanri.InventoryRuleCondition{Key: "Version", Values: []string{"17"}, Type: "GreaterThan"}},
	}
	for _, tt := range tests {
		got, err := parseCondition(tt.in)
		if err != nil || !cmp.Equal(got, tt.want) {
			t.Errorf("parseCondition(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"Name", "=x", "Name=", "Key=Name,Colour=red", "Values=x,Type=Equal"} {
		if _, err := parseCondition(in); err == nil {
			t.Errorf("parseCondition(%q) succeeded; want a usage error", in)
		}
	}
}

func TestComplianceCommands(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{Agent: true, Heartbeat: time.Second})
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", k.CredentialsFile())
	t.Setenv("AWS_CONFIG_FILE", k.ConfigFile())
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"} {
		t.Setenv(v, "")
	}
	must := func(args ...string) string {
		t.Helper()
		out, stderr, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("kanri %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	client := ssm.NewFromConfig(k.Config())
	var id string
	deadline := time.Now().Add(30 * time.Second)
	for id == "" {
		out, err := client.DescribeInstanceInformation(t.Context(), &ssm.DescribeInstanceInformationInput{})
		if err == nil && len(out.InstanceInformationList) == 1 {
			id = aws.ToString(out.InstanceInformationList[0].InstanceId)
		} else if time.Now().After(deadline) {
			t.Fatalf("no local instance: %v", err)
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}

	if out := must("compliance", "rules", "put", "no-telnet", "--condition", "Name=telnet,telnetd", "--severity", "HIGH",
		"--action-document", "AWS-RunShellScript", "--action-param", "commands=echo removing telnet"); !strings.Contains(out, "no-telnet: version 1") {
		t.Errorf("rules put = %q", out)
	}
	_, err := client.PutInventory(t.Context(), &ssm.PutInventoryInput{InstanceId: aws.String(id), Items: []types.InventoryItem{{
		TypeName: aws.String("AWS:Application"), SchemaVersion: aws.String("1.1"), CaptureTime: aws.String("2026-03-01T10:00:00Z"),
		Content: []map[string]string{{"Name": "telnet", "Version": "0.17-44"}, {"Name": "bash", "Version": "5.2"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var rules []kanri.InventoryRule
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := json.Unmarshal([]byte(must("compliance", "rules", "ls", "--output", "json")), &rules); err != nil {
			t.Fatal(err)
		}
		if len(rules) == 1 && rules[0].EvaluationStatus == "Complete" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rules ls --output json = %+v, want one evaluated rule", rules)
		}
	}
	r := rules[0]
	if r.Name != "no-telnet" || r.Kind != "Forbidden" || r.Severity != "HIGH" || aws.ToInt32(r.NonCompliantCount) != 1 ||
		!cmp.Equal(r.Conditions, []*kanri.InventoryRuleCondition{{Key: "Name", Type: "Equal", Values: []string{"telnet", "telnetd"}}}) ||
		r.Action == nil || !cmp.Equal(r.Action.Parameters["commands"], []string{"echo removing telnet"}) {
		t.Errorf("rules ls --output json = %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(must("compliance", "rules", "ls")), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[1], "Name Equal telnet|telnetd") ||
		!strings.Contains(lines[1], "AWS-RunShellScript") || !strings.Contains(lines[1], "Complete") {
		t.Errorf("rules ls =\n%s", strings.Join(lines, "\n"))
	}

	report := must("compliance", "report")
	for _, want := range []string{"Custom:InventoryRule", id, "no-telnet", "NON_COMPLIANT", "HIGH", "telnet 0.17-44", "sent "} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	var rep struct {
		Summaries []map[string]any
		Items     []struct {
			InstanceID, ComplianceType, ID, Status string
			Details                                map[string]string
		}
	}
	if err := json.Unmarshal([]byte(must("compliance", "report", "--type", "Custom:InventoryRule", "--output", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 1 || rep.Items[0].InstanceID != id || rep.Items[0].ID != "no-telnet" || rep.Items[0].Details["ActionCommandId"] == "" ||
		len(rep.Summaries) != 1 || rep.Summaries[0]["NonCompliant"] != float64(1) {
		t.Errorf("report --output json = %+v", rep)
	}
	// The action ran on the local agent.
	if out := must("commands", "show", "--wait", rep.Items[0].Details["ActionCommandId"]); !strings.Contains(out, "removing telnet") {
		t.Errorf("commands show of the action = %q", out)
	}

	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"compliance", "rules", "put", "x1", "--condition", "Name"}, ExitUsage, "--condition"},
		{[]string{"compliance", "rules", "put", "x1", "--action-param", "a=b"}, ExitUsage, "--action-document"},
		{[]string{"compliance", "rules", "put"}, ExitUsage, "NAME"},
		{[]string{"compliance", "rules", "put", "x1", "--condition", "Colour=red"}, ExitError, "ValidationException"},
		{[]string{"compliance", "rules", "rm", "nope"}, ExitError, "ResourceNotFoundException"},
	} {
		_, stderr, code := run(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("kanri %s: exit %d %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, tt.code, tt.stderr)
		}
	}
	if out := must("compliance", "rules", "rm", "no-telnet"); out != "no-telnet: deleted\n" {
		t.Errorf("rules rm = %q", out)
	}
	if out := must("compliance", "report"); !strings.Contains(out, "No non-compliant items.") {
		t.Errorf("report after rm =\n%s", out)
	}
}
