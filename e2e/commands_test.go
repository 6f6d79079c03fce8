// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// sendCommand sends AWS-RunShellScript with the given script lines.
func sendCommand(t *testing.T, client *ssm.Client, in *ssm.SendCommandInput, script ...string) string {
	t.Helper()
	if in.DocumentName == nil {
		in.DocumentName = aws.String("AWS-RunShellScript")
	}
	if in.Parameters == nil {
		in.Parameters = map[string][]string{}
	}
	if len(script) > 0 {
		in.Parameters["commands"] = script
	}
	out, err := client.SendCommand(context.Background(), in)
	if err != nil {
		t.Fatalf("SendCommand: %v", err)
	}
	return aws.ToString(out.Command.CommandId)
}

// getCommand returns a command as ListCommands shows it.
func getCommand(t *testing.T, client *ssm.Client, id string) ssmtypes.Command {
	t.Helper()
	out, err := client.ListCommands(context.Background(), &ssm.ListCommandsInput{CommandId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Commands) != 1 {
		t.Fatalf("ListCommands(%s) = %d commands", id, len(out.Commands))
	}
	return out.Commands[0]
}

// waitCommand waits until a command ends and returns it.
func waitCommand(t *testing.T, client *ssm.Client, id string, d time.Duration) ssmtypes.Command {
	t.Helper()
	var c ssmtypes.Command
	waitFor(t, "command "+id+" to end", d, func() bool {
		c = getCommand(t, client, id)
		switch c.Status {
		case ssmtypes.CommandStatusSuccess, ssmtypes.CommandStatusFailed, ssmtypes.CommandStatusTimedOut, ssmtypes.CommandStatusCancelled:
			return true
		}
		return false
	})
	return c
}

// invocationsOf returns a command's invocations with their steps, by
// instance.
func invocationsOf(t *testing.T, client *ssm.Client, id string) map[string]ssmtypes.CommandInvocation {
	t.Helper()
	out := map[string]ssmtypes.CommandInvocation{}
	p := ssm.NewListCommandInvocationsPaginator(client, &ssm.ListCommandInvocationsInput{CommandId: aws.String(id), Details: true})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page.CommandInvocations {
			out[aws.ToString(inv.InstanceId)] = inv
		}
	}
	return out
}

// processesMarked counts the processes whose environment holds marker.
func processesMarked(t *testing.T, marker string) int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*/environ")
	n := 0
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte(marker)) {
			n++
		}
	}
	return n
}

// fleetOfThree starts kanri dev without its own agent and enrols three
// agent processes, all Online.
func fleetOfThree(t *testing.T) (*kanritest.Process, *ssm.Client, []*agentProc, []string) {
	t.Helper()
	p := kanritest.StartDev(t, "", "--heartbeat", "1s", "--no-agent")
	client := ssm.NewFromConfig(sdkConfig(p, adminCreds(t, p)))
	var agents []*agentProc
	var prefixes []string
	for _, name := range []string{"web-1", "web-2", "db-1"} {
		prefix, id := installAgent(t, p, name)
		agents = append(agents, startAgent(t, prefix, id))
		prefixes = append(prefixes, prefix)
	}
	waitFor(t, "three instances Online", 15*time.Second, func() bool {
		st := pingStatus(t, client)
		for _, a := range agents {
			if st[a.id] != "Online" {
				return false
			}
		}
		return true
	})
	return p, client, agents, prefixes
}

// TestRunCommandWithAgents is seed 003's Run Command with real agent
// processes: targeting by tag, rate control, errors, timeouts, cancel, an
// agent that was away, and output too long to show inline.
func TestRunCommandWithAgents(t *testing.T) {
	p, client, agents, prefixes := fleetOfThree(t)
	ids := []string{agents[0].id, agents[1].id, agents[2].id}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)

	t.Run("tag targeting", func(t *testing.T) {
		id := sendCommand(t, client, &ssm.SendCommandInput{
			Targets: []ssmtypes.Target{{Key: aws.String("tag:role"), Values: []string{"web-1", "web-2"}}},
			Comment: aws.String("web servers"),
		}, "echo hello from $(hostname)")
		c := waitCommand(t, client, id, 20*time.Second)
		if c.Status != ssmtypes.CommandStatusSuccess || c.TargetCount != 2 || c.CompletedCount != 2 || c.ErrorCount != 0 {
			t.Fatalf("command = %s %s, %d targets, %d completed, %d errors", c.Status, aws.ToString(c.StatusDetails), c.TargetCount, c.CompletedCount, c.ErrorCount)
		}
		invs := invocationsOf(t, client, id)
		host, _ := os.Hostname()
		for _, want := range ids[:2] {
			inv, ok := invs[want]
			if !ok || inv.Status != ssmtypes.CommandInvocationStatusSuccess || len(inv.CommandPlugins) != 1 {
				t.Errorf("invocation on %s = %+v", want, inv)
				continue
			}
			pl := inv.CommandPlugins[0]
			if aws.ToString(pl.Name) != "runShellScript" || pl.ResponseCode != 0 || aws.ToString(pl.Output) != "hello from "+host+"\n" {
				t.Errorf("plugin on %s = %s code %d output %q", want, aws.ToString(pl.Name), pl.ResponseCode, aws.ToString(pl.Output))
			}
		}
		if _, ok := invs[ids[2]]; ok || len(invs) != 2 {
			t.Errorf("invocations on %v, want only the web servers", invs)
		}
	})

	t.Run("MaxConcurrency 1 runs one at a time", func(t *testing.T) {
		id := sendCommand(t, client, &ssm.SendCommandInput{
			Targets:        []ssmtypes.Target{{Key: aws.String("tag:env"), Values: []string{"e2e"}}},
			MaxConcurrency: aws.String("1"),
		}, "date +%s.%N", "sleep 0.5", "date +%s.%N")
		c := waitCommand(t, client, id, 30*time.Second)
		if c.Status != ssmtypes.CommandStatusSuccess || c.CompletedCount != 3 {
			t.Fatalf("command = %s, %d completed", c.Status, c.CompletedCount)
		}
		type span struct{ start, end float64 }
		var spans []span
		for inst, inv := range invocationsOf(t, client, id) {
			fields := strings.Fields(aws.ToString(inv.CommandPlugins[0].Output))
			if len(fields) != 2 {
				t.Fatalf("output on %s = %q", inst, aws.ToString(inv.CommandPlugins[0].Output))
			}
			start, _ := strconv.ParseFloat(fields[0], 64)
			end, _ := strconv.ParseFloat(fields[1], 64)
			spans = append(spans, span{start, end})
		}
		sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
		for i := 1; i < len(spans); i++ {
			if spans[i].start < spans[i-1].end {
				t.Errorf("runs overlap: %.3f–%.3f and %.3f–%.3f", spans[i-1].start, spans[i-1].end, spans[i].start, spans[i].end)
			}
		}
	})

	t.Run("MaxErrors 0 stops after the first failure", func(t *testing.T) {
		id := sendCommand(t, client, &ssm.SendCommandInput{
			Targets:        []ssmtypes.Target{{Key: aws.String("tag:env"), Values: []string{"e2e"}}},
			MaxConcurrency: aws.String("1"), MaxErrors: aws.String("0"),
		}, "echo failing", "exit 3")
		c := waitCommand(t, client, id, 30*time.Second)
		if c.Status != ssmtypes.CommandStatusFailed || aws.ToString(c.StatusDetails) != "Failed" || c.ErrorCount != 1 || c.CompletedCount != 3 {
			t.Errorf("command = %s (%s), %d errors, %d completed; want Failed (Failed), 1, 3", c.Status, aws.ToString(c.StatusDetails), c.ErrorCount, c.CompletedCount)
		}
		invs := invocationsOf(t, client, id)
		// Sent in instance ID order: the first fails, the rest are never sent.
		if inv := invs[sorted[0]]; inv.Status != ssmtypes.CommandInvocationStatusFailed || inv.CommandPlugins[0].ResponseCode != 3 {
			t.Errorf("first invocation = %s code %d", inv.Status, inv.CommandPlugins[0].ResponseCode)
		}
		for _, rest := range sorted[1:] {
			if inv := invs[rest]; inv.Status != ssmtypes.CommandInvocationStatusCancelled || aws.ToString(inv.StatusDetails) != "Terminated" {
				t.Errorf("invocation on %s = %s (%s), want Cancelled (Terminated)", rest, inv.Status, aws.ToString(inv.StatusDetails))
			}
		}
	})

	t.Run("execution timeout kills the process group", func(t *testing.T) {
		marker := fmt.Sprintf("KANRI_E2E_TIMEOUT=%d", time.Now().UnixNano())
		id := sendCommand(t, client, &ssm.SendCommandInput{
			InstanceIds: []string{ids[2]},
			Parameters:  map[string][]string{"executionTimeout": {"2"}},
		}, "export "+marker, "sleep 30 &", "sh -c 'sleep 30' &", "sleep 30")
		started := time.Now()
		waitFor(t, "the script's processes to start", 10*time.Second, func() bool { return processesMarked(t, marker) >= 3 })
		c := waitCommand(t, client, id, 20*time.Second)
		if d := time.Since(started); d > 10*time.Second {
			t.Errorf("the command ended after %v, want about 2 s", d)
		}
		inv := invocationsOf(t, client, id)[ids[2]]
		if c.Status != ssmtypes.CommandStatusTimedOut || inv.Status != ssmtypes.CommandInvocationStatusTimedOut ||
			aws.ToString(inv.StatusDetails) != "ExecutionTimedOut" {
			t.Errorf("command %s, invocation %s (%s); want TimedOut (ExecutionTimedOut)", c.Status, inv.Status, aws.ToString(inv.StatusDetails))
		}
		waitFor(t, "every process of the script to be gone", 5*time.Second, func() bool { return processesMarked(t, marker) == 0 })
	})

	t.Run("cancel", func(t *testing.T) {
		marker := fmt.Sprintf("KANRI_E2E_CANCEL=%d", time.Now().UnixNano())
		id := sendCommand(t, client, &ssm.SendCommandInput{InstanceIds: []string{ids[0], ids[1]}}, "export "+marker, "sleep 60")
		waitFor(t, "both scripts to run", 10*time.Second, func() bool { return processesMarked(t, marker) >= 2 })
		if _, err := client.CancelCommand(context.Background(), &ssm.CancelCommandInput{CommandId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		c := waitCommand(t, client, id, 15*time.Second)
		if c.Status != ssmtypes.CommandStatusCancelled {
			t.Errorf("command = %s, want Cancelled", c.Status)
		}
		for inst, inv := range invocationsOf(t, client, id) {
			if inv.Status != ssmtypes.CommandInvocationStatusCancelled {
				t.Errorf("invocation on %s = %s, want Cancelled", inst, inv.Status)
			}
		}
		waitFor(t, "the cancelled scripts to be gone", 5*time.Second, func() bool { return processesMarked(t, marker) == 0 })
		if _, err := client.CancelCommand(context.Background(), &ssm.CancelCommandInput{CommandId: aws.String("00000000-0000-0000-0000-000000000000")}); err == nil ||
			!strings.Contains(err.Error(), "InvalidCommandId") {
			t.Errorf("cancelling an unknown command: %v", err)
		}
	})

	t.Run("an agent that was away gets its command", func(t *testing.T) {
		away := agents[2]
		away.cmd.Process.Signal(syscall.SIGKILL)
		<-away.exited
		waitFor(t, "db-1 ConnectionLost", 10*time.Second, func() bool { return pingStatus(t, client)[away.id] == "ConnectionLost" })
		id := sendCommand(t, client, &ssm.SendCommandInput{InstanceIds: []string{away.id}}, "echo back")
		time.Sleep(2 * time.Second)
		if inv := invocationsOf(t, client, id)[away.id]; inv.Status != ssmtypes.CommandInvocationStatusPending {
			t.Errorf("invocation on an offline instance = %s, want Pending", inv.Status)
		}
		agents[2] = startAgent(t, prefixes[2], away.id)
		c := waitCommand(t, client, id, 20*time.Second)
		inv := invocationsOf(t, client, id)[away.id]
		if c.Status != ssmtypes.CommandStatusSuccess || aws.ToString(inv.CommandPlugins[0].Output) != "back\n" {
			t.Errorf("command = %s, output %q", c.Status, aws.ToString(inv.CommandPlugins[0].Output))
		}
	})

	t.Run("long output: inline cut, whole in the object store", func(t *testing.T) {
		id := sendCommand(t, client, &ssm.SendCommandInput{
			InstanceIds: []string{ids[0]}, OutputS3BucketName: aws.String("fleet-output"), OutputS3KeyPrefix: aws.String("runs/daily"),
		}, "seq 1 100000", "echo warning >&2")
		waitCommand(t, client, id, 30*time.Second)
		out, err := client.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(ids[0])})
		if err != nil {
			t.Fatal(err)
		}
		var whole bytes.Buffer
		for i := 1; i <= 100000; i++ {
			fmt.Fprintf(&whole, "%d\n", i)
		}
		inline := aws.ToString(out.StandardOutputContent)
		if len(inline) != 24000 || !strings.HasPrefix(whole.String(), inline) {
			t.Errorf("inline output is %d bytes, want the first 24,000", len(inline))
		}
		if aws.ToString(out.StandardErrorContent) != "warning\n" {
			t.Errorf("standard error = %q", aws.ToString(out.StandardErrorContent))
		}
		wantKey := "runs/daily/" + id + "/" + ids[0] + "/awsrunShellScript/runShellScript/stdout"
		u, err := url.Parse(aws.ToString(out.StandardOutputUrl))
		if err != nil || u.Scheme != "kanri" || u.Host != "fleet-output" || strings.TrimPrefix(u.Path, "/") != wantKey {
			t.Fatalf("StandardOutputUrl = %q, want kanri://fleet-output/%s", aws.ToString(out.StandardOutputUrl), wantKey)
		}
		var stored []byte
		waitFor(t, "the whole output stored", 10*time.Second, func() bool {
			stored, err = os.ReadFile(filepath.Join(p.DataDir, "blobs", "fleet-output", wantKey))
			return err == nil
		})
		if !bytes.Equal(stored, whole.Bytes()) {
			t.Errorf("stored output is %d bytes, want the whole %d", len(stored), whole.Len())
		}
	})
}

// TestRunCommandWithAWSCLI drives documents and commands with the real AWS
// CLI against kanri dev's own instance (tagged env=dev), and kanri run.
func TestRunCommandWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--heartbeat", "1s")
	var instance string
	waitFor(t, "the local instance Online", 15*time.Second, func() bool {
		out := cli(t, p, "ssm", "describe-instance-information", "--filters", "Key=PingStatus,Values=Online", "--query", "InstanceInformationList[0].InstanceId", "--output", "text")
		instance = strings.TrimSpace(out)
		return strings.HasPrefix(instance, "mi-")
	})
	id := strings.TrimSpace(cli(t, p, "ssm", "send-command", "--document-name", "AWS-RunShellScript", "--targets", "Key=tag:env,Values=dev",
		"--parameters", `commands="uname -s"`, "--comment", "from the CLI", "--query", "Command.CommandId", "--output", "text"))
	if len(id) != 36 {
		t.Fatalf("send-command returned command ID %q", id)
	}
	waitFor(t, "the command to succeed", 20*time.Second, func() bool {
		return strings.TrimSpace(cli(t, p, "ssm", "list-commands", "--command-id", id, "--query", "Commands[0].Status", "--output", "text")) == "Success"
	})
	out := cli(t, p, "ssm", "list-command-invocations", "--command-id", id, "--details",
		"--query", "CommandInvocations[0].[InstanceId,Status,CommandPlugins[0].Name,CommandPlugins[0].Output]", "--output", "text")
	if f := strings.Fields(out); len(f) != 4 || f[0] != instance || f[1] != "Success" || f[2] != "runShellScript" || f[3] != "Linux" {
		t.Errorf("list-command-invocations --details = %q", out)
	}
	out = cli(t, p, "ssm", "get-command-invocation", "--command-id", id, "--instance-id", instance,
		"--query", "[Status,StatusDetails,ResponseCode,StandardOutputContent,PluginName]", "--output", "text")
	if f := strings.Fields(out); len(f) != 5 || f[0] != "Success" || f[2] != "0" || f[3] != "Linux" || f[4] != "runShellScript" {
		t.Errorf("get-command-invocation = %q", out)
	}

	// A document of our own, in YAML, with typed parameters.
	docFile := writeFile(t, "greet.yaml", `schemaVersion: "2.2"
description: Greet someone, several times.
parameters:
  name:
    type: String
    description: Who to greet.
    allowedPattern: "^[a-z]+$"
  times:
    type: Integer
    default: 2
mainSteps:
  - action: aws:runShellScript
    name: greet
    precondition:
      StringEquals: [platformType, Linux]
    inputs:
      runCommand:
        - "for i in $(seq {{ times }}); do echo hello {{ name }}; done"
`)
	out = cli(t, p, "ssm", "create-document", "--name", "Greet", "--content", docFile, "--document-type", "Command",
		"--document-format", "YAML", "--query", "DocumentDescription.[Name,DocumentVersion,SchemaVersion,Owner,length(Parameters)]", "--output", "text")
	if f := strings.Fields(out); len(f) != 5 || f[0] != "Greet" || f[1] != "1" || f[2] != "2.2" || f[4] != "2" {
		t.Errorf("create-document = %q", out)
	}
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "create-document", "--name", "Greet", "--content", docFile,
		"--document-type", "Command", "--document-format", "YAML")
	if code == 0 || !strings.Contains(stderr, "DocumentAlreadyExists") {
		t.Errorf("creating Greet again: %d %s", code, stderr)
	}
	bad := writeFile(t, "bad.json", "{\n  \"schemaVersion\": \"2.2\",\n  \"mainSteps\": [\n    {\"action\": \"aws:runShellScript\", \"name\": \"x\", \"inputs\": {}}\n  ]\n}\n")
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "create-document", "--name", "Bad", "--content", bad, "--document-type", "Command")
	if code == 0 || !strings.Contains(stderr, "InvalidDocumentContent") || !strings.Contains(stderr, "runCommand") || !strings.Contains(stderr, "line 4") {
		t.Errorf("create-document with a step without runCommand: %d %s", code, stderr)
	}

	id = strings.TrimSpace(cli(t, p, "ssm", "send-command", "--document-name", "Greet", "--instance-ids", instance,
		"--parameters", "name=kanri", "--query", "Command.CommandId", "--output", "text"))
	waitFor(t, "Greet to succeed", 20*time.Second, func() bool {
		return strings.TrimSpace(cli(t, p, "ssm", "list-commands", "--command-id", id, "--query", "Commands[0].Status", "--output", "text")) == "Success"
	})
	out = cli(t, p, "ssm", "get-command-invocation", "--command-id", id, "--instance-id", instance, "--query", "StandardOutputContent", "--output", "text")
	if out != "hello kanri\nhello kanri\n\n" && out != "hello kanri\nhello kanri\n" {
		t.Errorf("Greet's output = %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--document-name", "Greet", "--instance-ids", instance, "--parameters", "name=Kanri"}, "InvalidParameters"},
		{[]string{"--document-name", "Greet", "--instance-ids", instance, "--parameters", "name=a,color=red"}, "InvalidParameters"},
		{[]string{"--document-name", "Greet", "--instance-ids", instance}, "InvalidParameters"},
		{[]string{"--document-name", "NoSuchDocument", "--instance-ids", instance}, "InvalidDocument"},
		{[]string{"--document-name", "Greet", "--instance-ids", "mi-00000000000000000", "--parameters", "name=a"}, "InvalidInstanceId"},
		{[]string{"--document-name", "Greet", "--targets", "Key=tag:env,Values=nowhere", "--parameters", "name=a"}, "InvalidTarget"},
		{[]string{"--document-name", "Greet", "--instance-ids", instance, "--parameters", "name=a", "--max-concurrency", "0"}, "ValidationException"},
	} {
		_, stderr, code := awsCLI(t, p, p.CredentialsFile(), append([]string{"ssm", "send-command"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("send-command %v: %d %s, want %s", c.args, code, stderr, c.want)
		}
	}

	// The AWS CLI checks TimeoutSeconds' range itself; the server does too.
	client := ssm.NewFromConfig(sdkConfig(p, adminCreds(t, p)))
	_, err := client.SendCommand(context.Background(), &ssm.SendCommandInput{DocumentName: aws.String("Greet"), InstanceIds: []string{instance},
		Parameters: map[string][]string{"name": {"a"}}, TimeoutSeconds: aws.Int32(10)})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") || !strings.Contains(err.Error(), "timeoutSeconds") {
		t.Errorf("SendCommand with TimeoutSeconds 10: %v", err)
	}

	// Versions.
	v2 := writeFile(t, "greet2.yaml", strings.Replace(readFile(t, strings.TrimPrefix(docFile, "file://")), "default: 2", "default: 1", 1))
	out = cli(t, p, "ssm", "update-document", "--name", "Greet", "--content", v2, "--document-version", "$LATEST",
		"--document-format", "YAML", "--query", "DocumentDescription.[DocumentVersion,DefaultVersion,LatestVersion]", "--output", "text")
	if f := strings.Fields(out); len(f) != 3 || f[0] != "2" || f[1] != "1" || f[2] != "2" {
		t.Errorf("update-document = %q", out)
	}
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "update-document", "--name", "Greet", "--content", v2,
		"--document-version", "$LATEST", "--document-format", "YAML")
	if code == 0 || !strings.Contains(stderr, "DuplicateDocumentContent") {
		t.Errorf("update-document with the same content: %d %s", code, stderr)
	}
	cli(t, p, "ssm", "update-document-default-version", "--name", "Greet", "--document-version", "2")
	out = cli(t, p, "ssm", "list-document-versions", "--name", "Greet", "--query", "DocumentVersions[].[DocumentVersion,IsDefaultVersion]", "--output", "text")
	if strings.Join(strings.Fields(out), " ") != "2 True 1 False" {
		t.Errorf("list-document-versions = %q", out)
	}
	out = cli(t, p, "ssm", "get-document", "--name", "Greet", "--document-version", "1", "--document-format", "JSON", "--query", "Content", "--output", "text")
	if !strings.Contains(out, `"schemaVersion": "2.2"`) || !strings.Contains(out, `"default": 2`) {
		t.Errorf("get-document as JSON = %s", out)
	}
	out = cli(t, p, "ssm", "list-documents", "--filters", "Key=Owner,Values=Self", "--query", "DocumentIdentifiers[].Name", "--output", "text")
	if strings.TrimSpace(out) != "Greet" {
		t.Errorf("list-documents Owner=Self = %q", out)
	}
	out = cli(t, p, "ssm", "list-documents", "--filters", "Key=Owner,Values=Amazon", "--query", "DocumentIdentifiers[].Name", "--output", "text")
	if !strings.Contains(out, "AWS-RunShellScript") || !strings.Contains(out, "AWS-RunPowerShellScript") || strings.Contains(out, "Greet") {
		t.Errorf("list-documents Owner=Amazon = %q", out)
	}
	out = cli(t, p, "ssm", "describe-document", "--name", "AWS-RunShellScript", "--query", "Document.[Owner,PlatformTypes[0],Parameters[0].Name]", "--output", "text")
	if f := strings.Fields(out); len(f) != 3 || f[0] != "Amazon" || f[1] != "Linux" || f[2] != "commands" {
		t.Errorf("describe-document AWS-RunShellScript = %q", out)
	}
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "delete-document", "--name", "AWS-RunShellScript")
	if code == 0 || !strings.Contains(stderr, "InvalidDocumentOperation") {
		t.Errorf("deleting a built-in document: %d %s", code, stderr)
	}
	cli(t, p, "ssm", "delete-document", "--name", "Greet")
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "ssm", "describe-document", "--name", "Greet")
	if code == 0 || !strings.Contains(stderr, "InvalidDocument") {
		t.Errorf("describing a deleted document: %d %s", code, stderr)
	}

	// kanri run: grouped output, non-zero exit on failure.
	run := exec.Command(kanritest.Binary(t), "run", "--endpoint-url", p.Endpoint, "--targets", "tag:env=dev", "--", "echo out; echo err >&2; exit 4")
	run.Env = cliEnv(p.CredentialsFile(), p.ConfigFile())
	var stdout, errOut bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &errOut
	err = run.Run()
	var exit *exec.ExitError
	if !asExit(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("kanri run of a failing command: %v, want exit 1", err)
	}
	if s := stdout.String(); !strings.Contains(s, "=== Failed, exit 4, step runShellScript, 1 instance(s): "+instance) ||
		!strings.Contains(s, "out\n--- stderr ---\nerr\n") {
		t.Errorf("kanri run output:\n%s", s)
	}
	if !strings.Contains(errOut.String(), "1 of 1 invocations did not succeed") {
		t.Errorf("kanri run errors: %s", errOut.String())
	}
	list := exec.Command(kanritest.Binary(t), "commands", "--endpoint-url", p.Endpoint)
	list.Env = cliEnv(p.CredentialsFile(), p.ConfigFile())
	table, err := list.CombinedOutput()
	if err != nil || !strings.Contains(string(table), "AWS-RunShellScript") || !strings.Contains(string(table), "from the CLI") {
		t.Errorf("kanri commands: %v\n%s", err, table)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}
