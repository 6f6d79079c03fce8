// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// procUsage reads a process's resident memory (bytes) and CPU time.
func procUsage(tb testing.TB, pid int) (rss int64, cpu time.Duration) {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	pages, _ := strconv.ParseInt(f[21], 10, 64)
	return pages * int64(os.Getpagesize()), time.Duration(utime+stime) * 10 * time.Millisecond
}

// fleetSize is the number of simulated agents; KANRI_BENCH_AGENTS
// overrides it.
func fleetSize() int {
	if n, err := strconv.Atoi(os.Getenv("KANRI_BENCH_AGENTS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkFleet is the fleet simulator: it runs N real agents (the agent
// package's code: registration over HTTP, each with its own key, bus
// connection and credentials) in this process against the kanri binary,
// and reports registrations per second, then the server's resident memory
// and CPU use over a minute of steady heartbeats at the default 30-second
// interval. First it measures the footprint of one real agent process,
// idle and connected.
//
//	go test -run x -bench Fleet -benchtime 1x ./bench/
func BenchmarkFleet(b *testing.B) {
	n := fleetSize()
	p := kanritest.StartDev(b, "", "--no-agent", "--heartbeat", "30s", "--log-level", "warn")
	client := adminClient(b, p)
	acts := createActivations(b, client, n)
	// One real agent process, idle and connected.
	act, err := client.CreateActivation(context.Background(), &ssm.CreateActivationInput{IamRole: aws.String("kanri-dev-instance")})
	if err != nil {
		b.Fatal(err)
	}
	state := filepath.Join(b.TempDir(), "real")
	// The agent runs from its own copy of the binary, as on a managed
	// server: sharing the server's file would count the server's pages of
	// it in the agent's resident memory.
	bin := filepath.Join(b.TempDir(), "kanri")
	exe, err := os.ReadFile(kanritest.Binary(b))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o700); err != nil {
		b.Fatal(err)
	}
	exe = nil
	if out, err := exec.Command(bin, "agent", "register", "--url", p.Endpoint, "--id", aws.ToString(act.ActivationId),
		"--code", aws.ToString(act.ActivationCode), "--state-dir", state).CombinedOutput(); err != nil {
		b.Fatalf("agent register: %v\n%s", err, out)
	}
	ag := exec.Command(bin, "agent", "run", "--state-dir", state)
	if err := ag.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { ag.Process.Kill(); ag.Wait() }()
	waitOnline := time.Now().Add(time.Minute)
	for {
		out, err := client.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{
			Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("PingStatus"), Values: []string{"Online"}}}})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.InstanceInformationList) == 1 {
			break
		}
		if time.Now().After(waitOnline) {
			b.Fatal("the real agent is not Online after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(5 * time.Second)
	_, c0 := procUsage(b, ag.Process.Pid)
	t1 := time.Now()
	time.Sleep(30 * time.Second)
	arss, c1 := procUsage(b, ag.Process.Pid)
	// Reported at the end: ResetTimer drops metrics reported before it.
	agentRSS, agentCPU := float64(arss)/(1<<20), 100*(c1-c0).Seconds()/time.Since(t1).Seconds()
	ag.Process.Kill()
	ag.Wait()
	real, err := client.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{})
	if err != nil || len(real.InstanceInformationList) != 1 {
		b.Fatalf("the real agent's instance: %v", err)
	}
	if _, err := client.DeregisterManagedInstance(context.Background(), &ssm.DeregisterManagedInstanceInput{InstanceId: real.InstanceInformationList[0].InstanceId}); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	start := time.Now()
	fleet := registerFleet(b, p.Endpoint, acts, n, nil)
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "registrations/s")
	// Every agent runs: connects and heartbeats.
	stop := fleet.run(b)
	defer stop()
	waitAllOnline(b, client, 3*time.Minute)
	b.ReportMetric(time.Since(start).Seconds(), "s-to-all-online")

	// A minute of steady state.
	pid := p.Cmd.Process.Pid
	_, cpu0 := procUsage(b, pid)
	t0 := time.Now()
	time.Sleep(time.Minute)
	rss, cpu1 := procUsage(b, pid)
	b.ReportMetric(float64(rss)/(1<<20), "server-RSS-MiB")
	b.ReportMetric(100*(cpu1-cpu0).Seconds()/time.Since(t0).Seconds(), "server-CPU-%")
	stop()

	b.ReportMetric(agentRSS, "agent-RSS-MiB")
	b.ReportMetric(agentCPU, "agent-CPU-%")
	b.ReportMetric(0, "ns/op")
}
