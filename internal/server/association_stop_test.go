// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/store"
	wiressm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// TestAssociationRunSentOnceAfterAStop claims a scheduled run and sends
// its command as a server would that then stopped before recording the
// command: once the claim's lease ends, another pass records the command
// and sends no second one.
func TestAssociationRunSentOnceAfterAStop(t *testing.T) {
	start := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)
	clock := newFakeClock(start)
	dir := t.TempDir()
	k := kanritest.Start(t, kanritest.Options{DataDir: dir, Heartbeat: time.Second,
		Associations: association.Timing{Now: clock.Now, Poll: 50 * time.Millisecond, CheckTargets: time.Hour}})
	e := &rcEnv{k: k, ctx: t.Context(), ssm: ssm.NewFromConfig(k.Config()), acct: k.Server.Account()}
	inst := e.register(t, map[string]string{"env": "prod"})
	id := aws.ToString(e.create(t, echoAssociation("prod", "once")).AssociationId)
	e.waitExecutions(t, id, 1)

	// Another handle on the server's database claims the next scheduled
	// run, as a second server would.
	db, err := store.Open(e.ctx, store.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.GetAssociation(e.ctx, e.acct, id)
	rcMust(t, "GetAssociation", err)
	now := clock.Now()
	ex := &association.Execution{AssociationID: id, ID: uuid.NewString(), Account: e.acct, Version: a.Version,
		Trigger: association.TriggerSchedule, LeaseUntil: now.Add(time.Minute), Status: association.ExecPending,
		DetailedStatus: association.ExecPending, CreatedAt: now, UpdatedAt: now}
	started, err := db.StartExecution(e.ctx, ex, association.Claim{Kind: association.ClaimSchedule, Due: a.NextRunAt,
		Next: a.NextRunAt.Add(24 * time.Hour)}, []string{inst})
	if err != nil || !started {
		t.Fatalf("StartExecution = %v, %v", started, err)
	}
	// It sends the command, with the execution's ID, and stops.
	if _, err := k.Server.Commands().SendCommandWithID(e.ctx, ex.ID, &wiressm.SendCommandInput{DocumentName: "AWS-RunShellScript",
		Parameters: map[string][]string{"commands": {"echo once"}}, Comment: "State Manager association " + id,
		Targets: []*wiressm.Target{{Key: "InstanceIds", Values: []string{inst}}}}); err != nil {
		t.Fatalf("SendCommandWithID: %v", err)
	}

	// The lease ends: the run is taken over, and its command recorded.
	clock.set(now.Add(2 * time.Minute))
	rcEventually(t, "the run's command recorded", 20*time.Second, func() bool {
		ts := e.execTargets(t, id, ex.ID)
		return len(ts) == 1 && ts[0].OutputSource != nil && aws.ToString(ts[0].OutputSource.OutputSourceId) == ex.ID
	})
	out, err := e.ssm.ListCommands(e.ctx, &ssm.ListCommandsInput{})
	rcMust(t, "ListCommands", err)
	var mine []string
	for _, c := range out.Commands {
		if strings.HasSuffix(aws.ToString(c.Comment), id) {
			mine = append(mine, aws.ToString(c.CommandId))
		}
	}
	if len(mine) != 2 {
		t.Errorf("commands of the association = %v, want 2 (the first run, and %s once)", mine, ex.ID)
	}
}
