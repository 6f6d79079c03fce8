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

	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

func TestAssociationsCommands(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{Agent: true, Heartbeat: time.Second,
		Associations: association.Timing{Poll: 50 * time.Millisecond, CheckTargets: 200 * time.Millisecond}})
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
	if lines := strings.Split(strings.TrimSpace(must("associations")), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "ASSOCIATION ID") {
		t.Errorf("associations with none = %q, want the header", lines)
	}
	client := ssm.NewFromConfig(k.Config())
	out, err := client.CreateAssociation(t.Context(), &ssm.CreateAssociationInput{Name: aws.String("AWS-RunShellScript"),
		AssociationName: aws.String("hello"), ScheduleExpression: aws.String("rate(1 day)"),
		Targets:    []types.Target{{Key: aws.String("tag:env"), Values: []string{"dev"}}},
		Parameters: map[string][]string{"commands": {"echo hello"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.AssociationDescription.AssociationId)

	// Once the run on the local instance succeeded, the list shows it.
	deadline := time.Now().Add(30 * time.Second)
	var rows []struct {
		AssociationID, AssociationName, DocumentName, Targets, ScheduleExpression, Status string
		TargetCounts                                                                      map[string]int32
	}
	for {
		if err := json.Unmarshal([]byte(must("associations", "--output", "json")), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 && rows[0].Status == "Success" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("associations --output json = %+v, want one that succeeded", rows)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := rows[0]
	if r.AssociationID != id || r.AssociationName != "hello" || r.DocumentName != "AWS-RunShellScript" || r.Targets != "Key=tag:env,Values=dev" ||
		r.ScheduleExpression != "rate(1 day)" || r.TargetCounts["Success"] != 1 {
		t.Errorf("associations --output json = %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(must("associations")), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], id+" ") || !strings.Contains(lines[1], "hello") || !strings.Contains(lines[1], "Success [Success=1]") {
		t.Errorf("associations =\n%s", strings.Join(lines, "\n"))
	}

	// kanri instances shows the local instance's association status, and
	// filters by it.
	var local string
	if lines := strings.Split(strings.TrimSpace(must("instances")), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "ASSOCIATIONS") ||
		!strings.Contains(lines[1], "Success [Success=1]") {
		t.Errorf("instances =\n%s", strings.Join(lines, "\n"))
	} else {
		local = strings.Fields(lines[1])[0]
	}
	var insts []struct {
		InstanceID, AssociationStatus string
		AssociationCounts             map[string]int32
	}
	if err := json.Unmarshal([]byte(must("instances", "--associations", "Success", "--output", "json")), &insts); err != nil {
		t.Fatal(err)
	}
	if len(insts) != 1 || insts[0].InstanceID != local || insts[0].AssociationStatus != "Success" || insts[0].AssociationCounts["Success"] != 1 {
		t.Errorf("instances --associations Success --output json = %+v", insts)
	}
	if lines := strings.Split(strings.TrimSpace(must("instances", "--associations", "Failed")), "\n"); len(lines) != 1 {
		t.Errorf("instances --associations Failed =\n%s\nwant the header only", strings.Join(lines, "\n"))
	}
	if _, stderr, code := run(t, nil, "instances", "--associations", "Great"); code != ExitError || !strings.Contains(stderr, "InvalidInstanceInformationFilterValue") {
		t.Errorf("instances --associations Great: exit %d, %q", code, stderr)
	}

	show := must("associations", "show", id)
	for _, want := range []string{"Association:", id, "Document:", "AWS-RunShellScript ($DEFAULT)", "Targets:", "Key=tag:env,Values=dev",
		"Schedule:", "rate(1 day)", "max concurrency 100%, max errors 100%", "EXECUTION ID", "Success", "{Success=1}"} {
		if !strings.Contains(show, want) {
			t.Errorf("associations show lacks %q:\n%s", want, show)
		}
	}
	var shown struct {
		Association struct{ AssociationId string }
		Executions  []struct{ ExecutionID, Status, CommandID string }
	}
	if err := json.Unmarshal([]byte(must("associations", "show", id, "--output", "json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Association.AssociationId != id || len(shown.Executions) != 1 || shown.Executions[0].Status != "Success" || shown.Executions[0].CommandID == "" {
		t.Fatalf("associations show --output json = %+v", shown)
	}
	if !strings.Contains(show, shown.Executions[0].CommandID) {
		t.Errorf("associations show lacks the command ID %s:\n%s", shown.Executions[0].CommandID, show)
	}
	// The command's output, through kanri commands show.
	if out := must("commands", "show", shown.Executions[0].CommandID); !strings.Contains(out, "hello") {
		t.Errorf("commands show = %q, want the association's output", out)
	}

	_, stderr, code := run(t, nil, "associations", "show", "00000000-0000-4000-8000-000000000000")
	if code != ExitError || !strings.Contains(stderr, "AssociationDoesNotExist") {
		t.Errorf("associations show (unknown): exit %d, %q; want 1 and AssociationDoesNotExist", code, stderr)
	}
	_, _, code = run(t, nil, "associations", "show")
	if code != ExitUsage {
		t.Errorf("associations show without an ID: exit %d, want 2", code)
	}
	_, _, code = run(t, nil, "associations", "show", id, "--limit", "0")
	if code != ExitUsage {
		t.Errorf("associations show --limit 0: exit %d, want 2", code)
	}
}
