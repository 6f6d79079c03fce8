// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// TestAssociationsWithAWSCLI drives State Manager with the real AWS CLI
// against kanri dev: its own inventory association reaches the local
// instance right after start; an association on tag:env=prod runs on the
// local instance once its tags come to match; the associations and
// their executions read back as AWS shows them.
func TestAssociationsWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--heartbeat", "1s")
	var instance string
	waitFor(t, "the local instance Online", 15*time.Second, func() bool {
		out := cli(t, p, "ssm", "describe-instance-information", "--filters", "Key=PingStatus,Values=Online", "--query", "InstanceInformationList[0].InstanceId", "--output", "text")
		instance = strings.TrimSpace(out)
		return strings.HasPrefix(instance, "mi-")
	})

	// kanri dev's inventory association, sent to the local instance.
	out := cli(t, p, "ssm", "list-associations", "--association-filter-list", "key=AssociationName,value=Inventory-Association",
		"--query", "Associations[0].[Name,ScheduleExpression,Targets[0].Key,Targets[0].Values[0]]", "--output", "text")
	if f := strings.Fields(out); len(f) != 5 || f[0] != "AWS-GatherSoftwareInventory" || f[1] != "rate(30" || f[3] != "InstanceIds" || f[4] != "*" {
		t.Errorf("list-associations (Inventory-Association) = %q", out)
	}
	waitFor(t, "the inventory command on the local instance", 40*time.Second, func() bool {
		out := cli(t, p, "ssm", "list-command-invocations", "--instance-id", instance, "--filters", "key=DocumentName,value=AWS-GatherSoftwareInventory",
			"--query", "CommandInvocations[].CommandId", "--output", "text")
		return len(strings.TrimSpace(out)) >= 36
	})

	var created struct {
		AssociationDescription struct {
			AssociationId, Name, AssociationVersion, DocumentVersion, ScheduleExpression string
			Targets                                                                      []struct {
				Key    string
				Values []string
			}
			Overview struct{ Status, DetailedStatus string }
		}
	}
	if err := json.Unmarshal([]byte(cli(t, p, "ssm", "create-association", "--name", "AWS-GatherSoftwareInventory",
		"--targets", "Key=tag:env,Values=prod", "--schedule-expression", "rate(30 minutes)")), &created); err != nil {
		t.Fatal(err)
	}
	d := created.AssociationDescription
	id := d.AssociationId
	if len(id) != 36 || d.Name != "AWS-GatherSoftwareInventory" || d.AssociationVersion != "1" || d.DocumentVersion != "$DEFAULT" ||
		d.ScheduleExpression != "rate(30 minutes)" || len(d.Targets) != 1 || d.Targets[0].Key != "tag:env" || d.Targets[0].Values[0] != "prod" ||
		d.Overview.Status != "Pending" {
		t.Errorf("create-association = %+v", d)
	}

	out = cli(t, p, "ssm", "describe-association", "--association-id", id,
		"--query", "AssociationDescription.[Name,AssociationId,ScheduleExpression,Overview.Status]", "--output", "text")
	if f := strings.Fields(out); len(f) != 5 || f[0] != "AWS-GatherSoftwareInventory" || f[1] != id || f[2] != "rate(30" || f[4] != "Pending" {
		t.Errorf("describe-association = %q", out)
	}
	out = cli(t, p, "ssm", "list-associations", "--association-filter-list", "key=Name,value=AWS-GatherSoftwareInventory",
		"--query", "Associations[].AssociationId", "--output", "text")
	if len(strings.Fields(out)) != 2 {
		t.Errorf("list-associations (Name) = %q associations, want kanri dev's and this one", out)
	}
	// No instance is tagged env=prod yet: no execution.
	if out := cli(t, p, "ssm", "describe-association-executions", "--association-id", id, "--query", "AssociationExecutions[].ExecutionId", "--output", "text"); strings.TrimSpace(out) != "" {
		t.Errorf("describe-association-executions before a target = %q, want none", out)
	}

	// The local instance comes to match: the association runs on it.
	cli(t, p, "ssm", "add-tags-to-resource", "--resource-type", "ManagedInstance", "--resource-id", instance, "--tags", "Key=env,Value=prod")
	var execID string
	waitFor(t, "an execution on the newly matching instance", 40*time.Second, func() bool {
		out := cli(t, p, "ssm", "describe-association-executions", "--association-id", id, "--query", "AssociationExecutions[0].ExecutionId", "--output", "text")
		execID = strings.TrimSpace(out)
		return len(execID) == 36
	})
	var targets struct {
		AssociationExecutionTargets []struct {
			AssociationId, ExecutionId, ResourceId, ResourceType, Status string
			OutputSource                                                 struct{ OutputSourceId, OutputSourceType string }
		}
	}
	waitFor(t, "the execution's command", 20*time.Second, func() bool {
		if err := json.Unmarshal([]byte(cli(t, p, "ssm", "describe-association-execution-targets", "--association-id", id, "--execution-id", execID)), &targets); err != nil {
			t.Fatal(err)
		}
		return len(targets.AssociationExecutionTargets) == 1 && targets.AssociationExecutionTargets[0].OutputSource.OutputSourceId != ""
	})
	tg := targets.AssociationExecutionTargets[0]
	if tg.AssociationId != id || tg.ExecutionId != execID || tg.ResourceId != instance || tg.ResourceType != "ManagedInstance" || tg.OutputSource.OutputSourceType != "RunCommand" {
		t.Errorf("describe-association-execution-targets = %+v", tg)
	}
	out = cli(t, p, "ssm", "list-commands", "--command-id", tg.OutputSource.OutputSourceId, "--query", "Commands[0].[DocumentName,TargetCount]", "--output", "text")
	if f := strings.Fields(out); len(f) != 2 || f[0] != "AWS-GatherSoftwareInventory" || f[1] != "1" {
		t.Errorf("the execution's command = %q", out)
	}
	out = cli(t, p, "ssm", "describe-association-executions", "--association-id", id,
		"--filters", "Key=ExecutionId,Value="+execID+",Type=EQUAL", "--query", "AssociationExecutions[*].[ExecutionId,AssociationVersion]", "--output", "text")
	if f := strings.Fields(out); len(f) != 2 || f[0] != execID || f[1] != "1" {
		t.Errorf("describe-association-executions --filters ExecutionId = %q", out)
	}

	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "create-association", "--name", "AWS-GatherSoftwareInventory",
		"--targets", "Key=tag:env,Values=prod", "--schedule-expression", "rate(5 minutes)")
	if code == 0 || !strings.Contains(stderr, "InvalidSchedule") {
		t.Errorf("create-association with rate(5 minutes): %d %s", code, stderr)
	}
	cli(t, p, "ssm", "delete-association", "--association-id", id)
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "describe-association", "--association-id", id)
	if code == 0 || !strings.Contains(stderr, "AssociationDoesNotExist") {
		t.Errorf("describe-association after delete: %d %s", code, stderr)
	}
}
