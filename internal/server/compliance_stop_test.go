// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/compliance"
	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/store"
	kanriapi "github.com/kanri-dev/kanri/internal/wire/kanri"
	wiressm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// TestInventoryRuleActionAfterAStop leaves a rule's action claimed and
// unsent, as a server that stops between its claim and its send does: a
// server sends it later with the command ID the claim recorded. An action
// whose command was sent before the stop, but not recorded as sent, is not
// sent again.
func TestInventoryRuleActionAfterAStop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k := kanritest.Start(t, kanritest.Options{DataDir: dir, Heartbeat: time.Second,
		Compliance: compliance.Timing{Poll: 100 * time.Millisecond, PendingAfter: 2 * time.Second}})
	e := &rcEnv{k: k, ctx: ctx, ssm: ssm.NewFromConfig(k.Config()), acct: k.Server.Account()}
	a := e.register(t, map[string]string{"env": "prod"})
	e.putApps(t, e.ssm, a, "ha1", "telnet", "0.17-44")
	e.putRule(t, &kanriapi.PutInventoryRuleInput{Name: "no-telnet", TypeName: "AWS:Application", Kind: "Forbidden", Severity: "HIGH",
		Conditions: []*kanriapi.InventoryRuleCondition{{Key: "Name", Values: []string{"telnet"}}},
		Action:     &kanriapi.InventoryRuleAction{DocumentName: "AWS-RunShellScript", Parameters: map[string][]string{"commands": {"apt-get remove -y telnet"}}}})
	e.evaluated(t, "no-telnet")
	// The action is sent after the evaluation is recorded.
	rcEventually(t, "the first action sent", 20*time.Second, func() bool {
		it := e.ruleItem(t, a, "no-telnet")
		return it != nil && it.Details["ActionStatus"] == "Sent"
	})
	if cmds, _ := e.ruleCommands(t, "no-telnet"); len(cmds) != 1 {
		t.Fatalf("commands after the rule's first evaluation = %v, want 1", cmds)
	}

	// Another handle on the server's database writes what a second server
	// would: a period of compliance, then a claim of the action.
	db, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	record := func(status, command string) {
		t.Helper()
		rules, err := db.InventoryRules(ctx, compliance.RuleQuery{Account: e.acct, Names: []string{"no-telnet"}})
		rcMust(t, "InventoryRules", err)
		items, err := db.InventoryItems(ctx, e.acct, []string{a}, []string{"AWS:Application"}, false)
		rcMust(t, "InventoryItems", err)
		_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: rules[0], ActionCommand: command, Results: []*compliance.Result{{
			Basis: items[0].UpdatedAt, Item: &compliance.Item{Account: e.acct, ResourceType: compliance.ResourceTypeManagedInstance,
				ResourceID: a, ComplianceType: compliance.TypeInventoryRule, ID: "no-telnet", Title: "no-telnet", Status: status,
				Severity: "HIGH", Details: map[string]string{}, ExecutionType: "InventoryRule", ExecutionTime: time.Now()}}}})
		rcMust(t, "RecordEvaluations "+status, err)
	}
	sentAs := func(command string) {
		t.Helper()
		rcEventually(t, "action sent as "+command, 20*time.Second, func() bool {
			it := e.ruleItem(t, a, "no-telnet")
			return it != nil && it.Details["ActionStatus"] == "Sent" && it.Details["ActionCommandId"] == command
		})
	}

	// claim makes a period of compliance and claims the next transition's
	// action as command.
	claim := func(command string) {
		t.Helper()
		record(wiressm.ComplianceStatusCompliant, "")
		record(wiressm.ComplianceStatusNonCompliant, command)
		if it := e.ruleItem(t, a, "no-telnet"); it == nil || it.Details["ActionStatus"] != "Pending" || it.Details["ActionCommandId"] != command {
			t.Fatalf("item after claiming %s = %+v, want its action Pending", command, it)
		}
	}

	// Claimed, and the server stopped before sending.
	lost := uuid.NewString()
	claim(lost)
	before, _ := e.ruleCommands(t, "no-telnet")
	sentAs(lost)
	cmds, targets := e.ruleCommands(t, "no-telnet")
	if len(cmds) != len(before)+1 || cmds[len(cmds)-1] != lost || len(targets[len(targets)-1]) != 1 || targets[len(targets)-1][0] != a {
		t.Fatalf("commands after the resend = %v %v, want one more, %s, to %s", cmds, targets, lost, a)
	}

	// Claimed and sent, and the server stopped before recording the send.
	sent := uuid.NewString()
	claim(sent)
	before, _ = e.ruleCommands(t, "no-telnet")
	if _, err := k.Server.Commands().SendCommandWithID(ctx, sent, &wiressm.SendCommandInput{DocumentName: "AWS-RunShellScript",
		Comment:    "Inventory rule no-telnet (version 1)",
		Parameters: map[string][]string{"commands": {"apt-get remove -y telnet"}},
		Targets:    []*wiressm.Target{{Key: "InstanceIds", Values: []string{a}}}}); err != nil && !errors.Is(err, awserr.Exists) {
		// (Exists: on a slow machine the resend may come first.)
		t.Fatalf("SendCommandWithID: %v", err)
	}
	sentAs(sent)
	if cmds, _ := e.ruleCommands(t, "no-telnet"); len(cmds) != len(before)+1 || cmds[len(cmds)-1] != sent {
		t.Errorf("commands after a resend of a sent action = %v, want one more than %v, %s", cmds, before, sent)
	}
	// Sending it again with its ID sends nothing.
	if _, err := k.Server.Commands().SendCommandWithID(ctx, sent, &wiressm.SendCommandInput{DocumentName: "AWS-RunShellScript",
		Parameters: map[string][]string{"commands": {"true"}}, InstanceIds: []string{a}}); err == nil {
		t.Error("SendCommandWithID with a sent command's ID succeeded")
	}
}
