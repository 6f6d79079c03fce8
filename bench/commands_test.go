// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/agent"
	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

// echoExecutor runs a step in the agent's process: it writes the step's
// commands to standard output and succeeds, so that a benchmark measures
// the control plane rather than fork and exec.
type echoExecutor struct{}

func (echoExecutor) Execute(ctx context.Context, step agentproto.Step, env []string, stdout, stderr io.Writer) (int, error) {
	_, err := io.WriteString(stdout, strings.Join(step.Commands, "\n")+"\n")
	return 0, err
}

// peakRSS reads a process's peak resident memory (VmHWM) in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}

// BenchmarkRunCommand is Run Command at fleet scale: N simulated agents
// (see registerFleet) whose steps run in process (echoExecutor), and the
// time from SendCommand to every invocation Success, for a command to
// 1,000 agents and to all N (MaxConcurrency 100%), the median of five runs
// each, with the server's peak resident memory.
//
//	go test -run x -bench RunCommand -benchtime 1x ./bench/
func BenchmarkRunCommand(b *testing.B) {
	n := fleetSize()
	p := kanritest.StartDev(b, "", "--no-agent", "--heartbeat", "30s", "--log-level", "warn")
	client := adminClient(b, p)
	acts := createActivations(b, client, n)
	fleet := registerFleet(b, p.Endpoint, acts, n, func(i int, cfg *agent.Config, reg *agent.RegisterOptions) {
		cfg.Executor = echoExecutor{}
		reg.Tags = map[string]string{"fleet": "bench", "group": strconv.Itoa(i / 1000)}
	})
	stop := fleet.run(b)
	defer stop()
	waitAllOnline(b, client, 3*time.Minute)

	b.ResetTimer()
	sizes := []int{min(1000, n)}
	if n > 1000 {
		sizes = append(sizes, n)
	}
	for _, size := range sizes {
		target := ssmtypes.Target{Key: aws.String("tag:fleet"), Values: []string{"bench"}}
		if size < n {
			target = ssmtypes.Target{Key: aws.String("tag:group"), Values: []string{"0"}}
		}
		var times []time.Duration
		for range 5 {
			times = append(times, runToSuccess(b, client, target, size))
		}
		slices.Sort(times)
		b.ReportMetric(times[len(times)/2].Seconds(), fmt.Sprintf("s-median-%d-agents", size))
		b.ReportMetric(times[len(times)-1].Seconds(), fmt.Sprintf("s-max-%d-agents", size))
	}
	b.ReportMetric(float64(peakRSS(b, p.Cmd.Process.Pid))/(1<<20), "server-peak-RSS-MiB")
	b.ReportMetric(0, "ns/op")
}

// runToSuccess sends a command to the target's size agents and returns
// the time until every invocation succeeded.
func runToSuccess(b *testing.B, client *ssm.Client, target ssmtypes.Target, size int) time.Duration {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	out, err := client.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"), Targets: []ssmtypes.Target{target},
		Parameters: map[string][]string{"commands": {"echo hello"}}, MaxConcurrency: aws.String("100%"),
	})
	if err != nil {
		b.Fatal(err)
	}
	if got := out.Command.TargetCount; int(got) != size {
		b.Fatalf("the command targets %d instances, want %d", got, size)
	}
	id := out.Command.CommandId
	for {
		list, err := client.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: id})
		if err != nil {
			b.Fatal(err)
		}
		c := list.Commands[0]
		switch c.Status {
		case ssmtypes.CommandStatusSuccess:
			return time.Since(start)
		case ssmtypes.CommandStatusFailed, ssmtypes.CommandStatusTimedOut, ssmtypes.CommandStatusCancelled:
			b.Fatalf("command %s: %s (%s), %d of %d completed", aws.ToString(id), c.Status, aws.ToString(c.StatusDetails), c.CompletedCount, c.TargetCount)
		}
		if time.Since(start) > 2*time.Minute {
			b.Fatalf("command %s still %s after 2 minutes: %d of %d completed", aws.ToString(id), c.Status, c.CompletedCount, c.TargetCount)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
