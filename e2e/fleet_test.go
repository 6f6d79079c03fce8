// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// agentProc is a kanri agent running as its own process.
type agentProc struct {
	cmd    *exec.Cmd
	id     string
	out    *bytes.Buffer
	mu     *sync.Mutex
	exited chan struct{}
	err    error
}

// installAgent runs the server's install.sh into a fresh prefix (no
// systemd) and returns the prefix and the instance ID it registered.
func installAgent(t *testing.T, p *kanritest.Process, name string) (prefix, id string) {
	t.Helper()
	script, err := http.Get(p.Endpoint + "/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(script.Body)
	script.Body.Close()
	if script.StatusCode != 200 || !bytes.HasPrefix(body, []byte("#!/bin/sh")) {
		t.Fatalf("GET /install.sh: %d %.100s", script.StatusCode, body)
	}
	prefix = t.TempDir()
	cmd := exec.Command("sh", "-s", "--", "--prefix", prefix, "--no-service", "--name", name, "--tags", "env=e2e,role="+name)
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	reg, err := os.ReadFile(filepath.Join(prefix, "var/lib/kanri-agent/registration.json"))
	if err != nil {
		t.Fatalf("install.sh left no registration: %v\n%s", err, out)
	}
	var st struct{ InstanceId string }
	json.Unmarshal(reg, &st)
	if !strings.HasPrefix(st.InstanceId, "mi-") || len(st.InstanceId) != 20 {
		t.Fatalf("registered instance ID %q, want mi- and 17 hex digits", st.InstanceId)
	}
	// A second run changes nothing.
	cmd = exec.Command("sh", "-s", "--", "--prefix", prefix, "--no-service")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "already registered") {
		t.Errorf("install.sh again: %v\n%s", err, out)
	}
	return prefix, st.InstanceId
}

// startAgent runs `kanri agent run` from an install prefix.
func startAgent(t *testing.T, prefix, id string) *agentProc {
	t.Helper()
	return runAgent(t, filepath.Join(prefix, "usr/local/bin/kanri"), filepath.Join(prefix, "var/lib/kanri-agent"), id)
}

// runAgent runs `kanri agent run` of the binary bin on the registered
// instance id's state directory until t ends, and logs its output if t
// failed.
func runAgent(t *testing.T, bin, stateDir, id string) *agentProc {
	t.Helper()
	a := &agentProc{id: id, out: &bytes.Buffer{}, mu: &sync.Mutex{}, exited: make(chan struct{})}
	a.cmd = exec.Command(bin, "agent", "run", "--state-dir", stateDir)
	a.cmd.Stdout = lockedBuffer{a.out, a.mu}
	a.cmd.Stderr = lockedBuffer{a.out, a.mu}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.err = a.cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() {
		a.cmd.Process.Kill()
		<-a.exited
		if t.Failed() {
			a.mu.Lock()
			t.Logf("agent %s output:\n%s", id, a.out.String())
			a.mu.Unlock()
		}
	})
	return a
}

type lockedBuffer struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// pingStatus returns the ping status of every instance.
func pingStatus(t *testing.T, client *ssm.Client) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := ssm.NewDescribeInstanceInformationPaginator(client, &ssm.DescribeInstanceInformationInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range page.InstanceInformationList {
			out[aws.ToString(i.InstanceId)] = string(i.PingStatus)
		}
	}
	return out
}

// waitFor polls until cond holds or the deadline passes: the agents are
// other processes, so their effects can only be observed.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFleetEnrolment is seeds 002 and 003's first half with real agent
// processes: three servers enrol through install.sh against the vending
// endpoint and appear Online; a killed one turns ConnectionLost; a
// deregistered one cannot reconnect; the third keeps working.
func TestFleetEnrolment(t *testing.T) {
	const heartbeat = time.Second
	p := kanritest.StartDev(t, "", "--heartbeat", heartbeat.String(), "--no-agent")
	client := ssm.NewFromConfig(sdkConfig(p, adminCreds(t, p)))

	var agents []*agentProc
	for _, name := range []string{"web-1", "web-2", "db-1"} {
		prefix, id := installAgent(t, p, name)
		agents = append(agents, startAgent(t, prefix, id))
	}
	waitFor(t, "three instances Online", 15*time.Second, func() bool {
		st := pingStatus(t, client)
		for _, a := range agents {
			if st[a.id] != "Online" {
				return false
			}
		}
		return len(st) == 3
	})
	// Their facts and tags arrived.
	out, err := client.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{
		Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("tag:role"), Values: []string{"db-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.InstanceInformationList) != 1 {
		t.Fatalf("tag:role=db-1 matched %d instances, want 1", len(out.InstanceInformationList))
	}
	db := out.InstanceInformationList[0]
	if aws.ToString(db.InstanceId) != agents[2].id || aws.ToString(db.Name) != "db-1" || db.PlatformType != ssmtypes.PlatformTypeLinux ||
		aws.ToString(db.IamRole) != "kanri-dev-instance" || db.ResourceType != ssmtypes.ResourceTypeManagedInstance || aws.ToString(db.ComputerName) == "" {
		t.Errorf("db-1 = %+v", db)
	}

	// Kill web-1: ConnectionLost within two heartbeats (and a flush).
	agents[0].cmd.Process.Signal(syscall.SIGKILL)
	killed := time.Now()
	waitFor(t, "web-1 ConnectionLost", 10*time.Second, func() bool { return pingStatus(t, client)[agents[0].id] == "ConnectionLost" })
	if d := time.Since(killed); d > 2*heartbeat+2*time.Second {
		t.Errorf("ConnectionLost after %v, want within two heartbeats (%v) plus the write interval", d, 2*heartbeat)
	}

	// Deregister web-2: its agent is cut off and cannot reconnect.
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "deregister-managed-instance", "--instance-id", agents[1].id)
	if code != 0 {
		t.Fatalf("deregister-managed-instance: %s", stderr)
	}
	select {
	case <-agents[1].exited:
		var exit *exec.ExitError
		if !errors.As(agents[1].err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("deregistered agent exited with %v, want a failure", agents[1].err)
		}
		agents[1].mu.Lock()
		if !strings.Contains(strings.ToLower(agents[1].out.String()), "deregistered") {
			t.Errorf("deregistered agent's output does not say so:\n%s", agents[1].out.String())
		}
		agents[1].mu.Unlock()
	case <-time.After(15 * time.Second):
		t.Fatal("the deregistered agent is still running after 15 s")
	}
	if _, ok := pingStatus(t, client)[agents[1].id]; ok {
		t.Error("the deregistered instance is still listed")
	}

	// db-1 keeps working: still Online after several more heartbeats.
	time.Sleep(3 * heartbeat)
	if st := pingStatus(t, client)[agents[2].id]; st != "Online" {
		t.Errorf("db-1 is %s, want Online", st)
	}
	select {
	case <-agents[2].exited:
		t.Errorf("db-1's agent exited: %v", agents[2].err)
	default:
	}
}

// TestFleetWithAWSCLI drives activations and instances with the real AWS
// CLI, as the seed's operators do.
func TestFleetWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--heartbeat", "1s")
	out := cli(t, p, "ssm", "create-activation", "--iam-role", "kanri-dev-instance", "--registration-limit", "10",
		"--default-instance-name", "onprem", "--description", "mass enrolment", "--tags", "Key=site,Value=osaka")
	var act struct{ ActivationId, ActivationCode string }
	if err := json.Unmarshal([]byte(out), &act); err != nil || act.ActivationId == "" || len(act.ActivationCode) != 20 {
		t.Fatalf("create-activation = %s (%v)", out, err)
	}
	out = cli(t, p, "ssm", "describe-activations", "--filters", "FilterKey=ActivationIds,FilterValues="+act.ActivationId)
	var desc struct {
		ActivationList []struct {
			ActivationId, IamRole, DefaultInstanceName string
			RegistrationLimit, RegistrationsCount      int
			Expired                                    bool
			Tags                                       []struct{ Key, Value string }
		}
	}
	json.Unmarshal([]byte(out), &desc)
	if len(desc.ActivationList) != 1 || desc.ActivationList[0].RegistrationLimit != 10 || desc.ActivationList[0].RegistrationsCount != 0 ||
		desc.ActivationList[0].Expired || desc.ActivationList[0].IamRole != "kanri-dev-instance" || len(desc.ActivationList[0].Tags) != 1 {
		t.Errorf("describe-activations = %s", out)
	}
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "create-activation", "--iam-role", "no-such-role")
	if code == 0 || !strings.Contains(stderr, "ValidationException") {
		t.Errorf("create-activation with an unknown role: %d %s", code, stderr)
	}
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "create-activation", "--iam-role", "kanri-dev-instance", "--registration-limit", "1001")
	if code == 0 || !strings.Contains(stderr, "ValidationException") {
		t.Errorf("create-activation with limit 1001: %d %s", code, stderr)
	}

	// kanri dev's own instance is Online.
	var id string
	waitFor(t, "the local instance Online", 15*time.Second, func() bool {
		out := cli(t, p, "ssm", "describe-instance-information", "--filters", "Key=PingStatus,Values=Online", "--query", "InstanceInformationList[0].InstanceId", "--output", "text")
		id = strings.TrimSpace(out)
		return strings.HasPrefix(id, "mi-")
	})
	cli(t, p, "ssm", "add-tags-to-resource", "--resource-type", "ManagedInstance", "--resource-id", id, "--tags", "Key=env,Value=dev2", "Key=team,Value=ops")
	out = cli(t, p, "ssm", "list-tags-for-resource", "--resource-type", "ManagedInstance", "--resource-id", id)
	if !strings.Contains(out, `"dev2"`) || !strings.Contains(out, `"ops"`) {
		t.Errorf("list-tags-for-resource = %s", out)
	}
	out = cli(t, p, "ssm", "describe-instance-information", "--filters", "Key=tag:team,Values=ops", "--query", "length(InstanceInformationList)")
	if strings.TrimSpace(out) != "1" {
		t.Errorf("tag:team=ops matched %s instances, want 1", out)
	}
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "add-tags-to-resource", "--resource-type", "ManagedInstance", "--resource-id", "mi-00000000000000000", "--tags", "Key=a,Value=b")
	if code == 0 || !strings.Contains(stderr, "InvalidInstanceId") {
		t.Errorf("tagging an unknown instance: %d %s", code, stderr)
	}
	cli(t, p, "ssm", "delete-activation", "--activation-id", act.ActivationId)
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "delete-activation", "--activation-id", act.ActivationId)
	if code == 0 || !strings.Contains(stderr, "InvalidActivationId") {
		t.Errorf("deleting a deleted activation: %d %s", code, stderr)
	}

	// kanri instances shows it.
	cmd := exec.Command(kanritest.Binary(t), "instances", "--endpoint-url", p.Endpoint)
	cmd.Env = cliEnv(p.CredentialsFile(), p.ConfigFile())
	table, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(table), id) || !strings.Contains(string(table), "Online") || !strings.Contains(string(table), "team=ops") {
		t.Errorf("kanri instances: %v\n%s", err, table)
	}
	fmt.Fprint(io.Discard, table)
}
