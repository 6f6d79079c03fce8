// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// registerAndRun registers an agent through the server at url with an
// activation, then runs it until t ends.
func registerAndRun(t *testing.T, url string, act *ssm.CreateActivationOutput, name string) *agentProc {
	t.Helper()
	bin := kanritest.Binary(t)
	stateDir := filepath.Join(t.TempDir(), "agent")
	reg := exec.Command(bin, "agent", "register", "--url", url, "--id", aws.ToString(act.ActivationId),
		"--code", aws.ToString(act.ActivationCode), "--state-dir", stateDir, "--name", name, "--tags", "env=replicas,role="+name)
	if out, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("agent register %s: %v\n%s", name, err, out)
	}
	var st struct{ InstanceId string }
	b, err := os.ReadFile(filepath.Join(stateDir, "registration.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil || st.InstanceId == "" {
		t.Fatalf("agent register %s left no instance ID: %v", name, err)
	}
	return runAgent(t, bin, stateDir, st.InstanceId)
}

// statuses returns the status of each of a command's invocations, by
// instance.
func statuses(t *testing.T, client *ssm.Client, id string) map[string]ssmtypes.CommandInvocationStatus {
	t.Helper()
	out := map[string]ssmtypes.CommandInvocationStatus{}
	for inst, inv := range invocationsOf(t, client, id) {
		out[inst] = inv.Status
	}
	return out
}

// TestRunCommandAcrossReplicas runs Run Command on two kanri servers
// sharing one PostgreSQL database and an external NATS server: a command
// sent through replica A to agents registered through replica B
// completes, seen alike through both; and when A is killed while it runs
// a command, B records its result, sends the rest and finishes it, with
// no invocation run twice.
func TestRunCommandAcrossReplicas(t *testing.T) {
	r := startReplicas(t)
	a, b, viaA, viaB, credsFile := r.a, r.b, r.viaA, r.viaB, r.credsFile
	ctx := context.Background()

	// Two agents register through B; A sees them Online.
	_, stderr, code := awsRun(t, b, append(cliEnv(credsFile, "/dev/null"), "AWS_DEFAULT_REGION=us-east-1"), "iam", "create-role", "--role-name", "fleet",
		"--assume-role-policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	if code != 0 {
		t.Fatalf("aws iam create-role: %s", stderr)
	}
	act, err := viaB.CreateActivation(ctx, &ssm.CreateActivationInput{IamRole: aws.String("fleet"), RegistrationLimit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	agents := []*agentProc{registerAndRun(t, b.Endpoint, act, "web-1"), registerAndRun(t, b.Endpoint, act, "web-2")}
	ids := []string{agents[0].id, agents[1].id}
	sort.Strings(ids)
	waitFor(t, "both agents Online through replica A", 15*time.Second, func() bool {
		st := pingStatus(t, viaA)
		return len(st) == 2 && st[ids[0]] == "Online" && st[ids[1]] == "Online"
	})

	// checkOutputs checks that each of a command's invocations succeeded
	// with the output want(instance).
	checkOutputs := func(client *ssm.Client, replica, id string, want func(instance string) string) {
		t.Helper()
		invs := invocationsOf(t, client, id)
		if len(invs) != 2 {
			t.Errorf("through %s: %d invocations of %s, want 2", replica, len(invs), id)
		}
		for _, inst := range ids {
			inv, ok := invs[inst]
			if !ok || inv.Status != ssmtypes.CommandInvocationStatusSuccess || len(inv.CommandPlugins) != 1 {
				t.Errorf("through %s: invocation on %s = %s (%d steps), want Success (1)", replica, inst, inv.Status, len(inv.CommandPlugins))
				continue
			}
			pl := inv.CommandPlugins[0]
			if pl.ResponseCode != 0 || aws.ToString(pl.Output) != want(inst) {
				t.Errorf("through %s: output on %s = code %d %q, want 0 %q", replica, inst, pl.ResponseCode, aws.ToString(pl.Output), want(inst))
			}
		}
	}

	t.Run("sent through A, agents of B", func(t *testing.T) {
		id := sendCommand(t, viaA, &ssm.SendCommandInput{
			Targets: []ssmtypes.Target{{Key: aws.String("tag:env"), Values: []string{"replicas"}}},
		}, "echo hello from $AWS_SSM_INSTANCE_ID")
		waitCommand(t, viaA, id, 20*time.Second)
		hello := func(inst string) string { return "hello from " + inst + "\n" }
		for _, r := range []struct {
			name   string
			client *ssm.Client
		}{{"A", viaA}, {"B", viaB}} {
			c := getCommand(t, r.client, id)
			if c.Status != ssmtypes.CommandStatusSuccess || c.TargetCount != 2 || c.CompletedCount != 2 || c.ErrorCount != 0 {
				t.Errorf("through %s: command = %s (%s), %d targets, %d completed, %d errors; want Success, 2, 2, 0",
					r.name, c.Status, aws.ToString(c.StatusDetails), c.TargetCount, c.CompletedCount, c.ErrorCount)
			}
			checkOutputs(r.client, r.name, id, hello)
		}
	})

	t.Run("A killed mid-command, B finishes it", func(t *testing.T) {
		// Each run appends a line to its instance's file: a file with
		// two lines is an invocation run twice.
		dir := t.TempDir()
		ran := func(inst string) string {
			b, err := os.ReadFile(filepath.Join(dir, inst+".log"))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return string(b)
		}
		// B is paused while the command arrives, so that A, not B, claims
		// and sends the first invocation; the bus and the database hold
		// what B misses meanwhile.
		if err := b.Cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		paused := true
		resume := func() {
			if paused {
				paused = false
				if err := b.Cmd.Process.Signal(syscall.SIGCONT); err != nil {
					t.Fatal(err)
				}
			}
		}
		defer resume()
		id := sendCommand(t, viaA, &ssm.SendCommandInput{
			InstanceIds:    ids,
			MaxConcurrency: aws.String("1"),
		}, "echo ran >> '"+dir+"'/$AWS_SSM_INSTANCE_ID.log", "sleep 3", "echo done on $AWS_SSM_INSTANCE_ID")
		var first, second string
		waitFor(t, "replica A to send one invocation", 10*time.Second, func() bool {
			st := statuses(t, viaA, id)
			for i, inst := range ids {
				if st[inst] == ssmtypes.CommandInvocationStatusInProgress {
					first, second = inst, ids[1-i]
					return st[second] == ssmtypes.CommandInvocationStatusPending
				}
			}
			return false
		})
		resume()
		waitFor(t, "the first invocation to run, seen through replica B", 10*time.Second, func() bool {
			st := statuses(t, viaB, id)
			return st[first] == ssmtypes.CommandInvocationStatusInProgress && st[second] == ssmtypes.CommandInvocationStatusPending &&
				ran(first) != ""
		})
		if s := ran(second); s != "" {
			t.Fatalf("the second invocation ran before the first ended (MaxConcurrency 1): %q", s)
		}

		// A dies while the first invocation runs (for 3 s more): B records
		// its result and sends the second.
		a.Stop(t, syscall.SIGKILL)
		c := waitCommand(t, viaB, id, 30*time.Second)
		if c.Status != ssmtypes.CommandStatusSuccess || c.TargetCount != 2 || c.CompletedCount != 2 || c.ErrorCount != 0 {
			t.Errorf("command = %s (%s), %d targets, %d completed, %d errors; want Success, 2, 2, 0",
				c.Status, aws.ToString(c.StatusDetails), c.TargetCount, c.CompletedCount, c.ErrorCount)
		}
		checkOutputs(viaB, "B", id, func(inst string) string { return "done on " + inst + "\n" })
		for _, inst := range ids {
			if s := ran(inst); s != "ran\n" {
				t.Errorf("runs on %s = %q, want exactly one", inst, s)
			}
		}
	})
	b.Stop(t, syscall.SIGTERM)
}
