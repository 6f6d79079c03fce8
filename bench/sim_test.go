// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/agent"
	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/sdkhttp"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
)

// activation is an activation's ID and code.
type activation struct{ id, code string }

// createActivations makes enough activations of kanri dev's instance role
// for n registrations, 1,000 each.
func createActivations(b *testing.B, client *ssm.Client, n int) []activation {
	b.Helper()
	var acts []activation
	for i := 0; i < n; i += 1000 {
		out, err := client.CreateActivation(context.Background(), &ssm.CreateActivationInput{
			IamRole: aws.String("kanri-dev-instance"), RegistrationLimit: aws.Int32(int32(min(1000, n-i)))})
		if err != nil {
			b.Fatal(err)
		}
		acts = append(acts, activation{aws.ToString(out.ActivationId), aws.ToString(out.ActivationCode)})
	}
	return acts
}

// adminClient returns an SSM client of kanri dev's administrator.
func adminClient(b *testing.B, p *kanritest.Process) *ssm.Client {
	b.Helper()
	prof, err := sharedconfig.ReadCredentials(p.CredentialsFile(), "default")
	if err != nil {
		b.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(p.Endpoint), HTTPClient: sdkhttp.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey}, nil
		})}
	return ssm.NewFromConfig(cfg)
}

// simFacts are the facts every simulated agent reports.
func simFacts(context.Context) (agentproto.Facts, error) {
	return agentproto.Facts{ComputerName: "sim", IPAddress: "10.0.0.1", PlatformType: "Linux", PlatformName: "Debian GNU/Linux",
		PlatformVersion: "12", Architecture: "x86_64", AgentVersion: "bench"}, nil
}

// simFleet is n real agents (the agent package's code: registration over
// HTTP, each with its own key, bus connection and credentials) in this
// process.
type simFleet struct {
	agents []*agent.Agent
}

// stateRoot is where simulated agents keep their state: memory when the
// machine has /dev/shm, so that thousands of agents' ledgers measure the
// server rather than the disk.
func stateRoot(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "kanri-bench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

// registerFleet registers n agents, 50 at a time; configure, when not
// nil, adjusts agent i's configuration and registration.
func registerFleet(b *testing.B, endpoint string, acts []activation, n int, configure func(i int, cfg *agent.Config, reg *agent.RegisterOptions)) *simFleet {
	b.Helper()
	dir := stateRoot(b)
	f := &simFleet{agents: make([]*agent.Agent, n)}
	var wg sync.WaitGroup
	var failed atomic.Int64
	sem := make(chan struct{}, 50)
	for i := range f.agents {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			act := acts[i/1000]
			cfg := agent.Config{StateDir: filepath.Join(dir, strconv.Itoa(i)), Facts: simFacts}
			reg := agent.RegisterOptions{URL: endpoint, ActivationID: act.id, ActivationCode: act.code}
			if configure != nil {
				configure(i, &cfg, &reg)
			}
			a := agent.New(cfg)
			if _, err := a.Register(context.Background(), reg); err != nil {
				failed.Add(1)
				b.Error(err)
				return
			}
			f.agents[i] = a
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d registrations failed", failed.Load())
	}
	return f
}

// run runs every agent until the returned stop is called.
func (f *simFleet) run(b *testing.B) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	for _, a := range f.agents {
		running.Go(func() {
			if err := a.Run(ctx); err != nil && ctx.Err() == nil {
				b.Error(err)
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			running.Wait()
		})
	}
}

// waitAllOnline waits until no instance is ConnectionLost.
func waitAllOnline(b *testing.B, client *ssm.Client, d time.Duration) {
	b.Helper()
	deadline := time.Now().Add(d)
	for {
		out, err := client.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{
			Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("PingStatus"), Values: []string{"ConnectionLost"}}}})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.InstanceInformationList) == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("instances still ConnectionLost after %v", d)
		}
		time.Sleep(time.Second)
	}
}
