// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/params"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// startNATS runs the system's nats-server with kanri's trust configuration
// and returns its client URL.
func startNATS(t *testing.T, trustConf string) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
	}
	_, statErr := os.Stat(bin)
	storetest.SkipUnlessAvailable(t, statErr == nil, "nats-server")
	dir := t.TempDir()
	addr := kanritest.FreeAddr(t)
	host, port, _ := strings.Cut(addr, ":")
	conf := filepath.Join(dir, "nats.conf")
	body := "host: " + host + "\nport: " + port + "\njetstream { store_dir: \"" + filepath.Join(dir, "js") + "\" }\n" + trustConf
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor(t, "nats-server listening", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return "nats://" + addr
}

// replicas are two kanri servers sharing one PostgreSQL database and an
// external NATS server, with SDK clients of each signed by the
// administrator whose credentials are in credsFile.
type replicas struct {
	a, b       *kanritest.Process
	viaA, viaB *ssm.Client
	credsFile  string
}

// startReplicas starts two replicas for t, with a one-second heartbeat.
func startReplicas(t *testing.T) *replicas {
	t.Helper()
	dbURL := storetest.Postgres(t).URL
	shared := t.TempDir()
	masterKey := filepath.Join(shared, "master.key")
	bin := kanritest.Binary(t)

	// The NATS cluster trusts this installation.
	conf, err := exec.Command(bin, "server", "nats-config", "--data-dir", filepath.Join(shared, "a"), "--database-url", dbURL,
		"--master-key-file", masterKey, "--resolver-dir", filepath.Join(shared, "resolver")).Output()
	if err != nil {
		t.Fatalf("kanri server nats-config: %v", err)
	}
	natsURL := startNATS(t, string(conf))

	r := &replicas{credsFile: filepath.Join(shared, "admin.credentials")}
	start := func(name string) *kanritest.Process {
		addr := kanritest.FreeAddr(t)
		p := kanritest.StartProcess(t, "http://"+addr, "server", "--data-dir", filepath.Join(shared, name), "--database-url", dbURL,
			"--master-key-file", masterKey, "--http-addr", addr, "--nats-url", natsURL, "--heartbeat", "1s",
			"--bootstrap-credentials", r.credsFile)
		p.DataDir = filepath.Join(shared, name)
		return p
	}
	r.a, r.b = start("a"), start("b")
	prof, err := sharedconfig.ReadCredentials(r.credsFile, "default")
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey}
	r.viaA, r.viaB = ssm.NewFromConfig(sdkConfig(r.a, creds)), ssm.NewFromConfig(sdkConfig(r.b, creds))
	return r
}

// TestTwoReplicas runs two kanri servers on one PostgreSQL database and an
// external NATS server: an agent connected through one is seen through the
// other, and presence and deregistration work across them.
func TestTwoReplicas(t *testing.T) {
	r := startReplicas(t)
	a, b, viaA, viaB, credsFile := r.a, r.b, r.viaA, r.viaB, r.credsFile
	bin := kanritest.Binary(t)

	// A role for the instance, and an activation made through replica A.
	cliA := func(args ...string) string {
		t.Helper()
		out, stderr, code := awsRun(t, a, append(cliEnv(credsFile, "/dev/null"), "AWS_DEFAULT_REGION=us-east-1"), args...)
		if code != 0 {
			t.Fatalf("aws %v: %s", args, stderr)
		}
		return out
	}
	cliA("iam", "create-role", "--role-name", "fleet", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	act, err := viaA.CreateActivation(context.Background(), &ssm.CreateActivationInput{IamRole: aws.String("fleet"), RegistrationLimit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}

	// The agent registers through A and connects to the external bus.
	stateDir := filepath.Join(t.TempDir(), "agent")
	reg := exec.Command(bin, "agent", "register", "--url", a.Endpoint, "--id", aws.ToString(act.ActivationId),
		"--code", aws.ToString(act.ActivationCode), "--state-dir", stateDir, "--name", "replicated")
	if out, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("agent register: %v\n%s", err, out)
	}
	ag := exec.Command(bin, "agent", "run", "--state-dir", stateDir)
	if err := ag.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- ag.Wait() }()
	t.Cleanup(func() { ag.Process.Kill(); <-exited })

	status := func(c *ssm.Client) string {
		out, err := c.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.InstanceInformationList) != 1 {
			return ""
		}
		return string(out.InstanceInformationList[0].PingStatus)
	}
	// Seen Online through replica B.
	waitFor(t, "the agent Online through replica B", 15*time.Second, func() bool { return status(viaB) == "Online" })
	if status(viaA) != "Online" {
		t.Error("the agent is not Online through replica A")
	}

	// Deregistered through B: the revocation reaches the external bus and
	// the agent, connected through it, is cut off.
	out, err := viaB.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.InstanceInformationList[0].InstanceId)
	if _, err := viaB.DeregisterManagedInstance(context.Background(), &ssm.DeregisterManagedInstanceInput{InstanceId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err == nil {
			t.Error("the deregistered agent exited cleanly, want a failure")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the deregistered agent still runs 15 s after deregistration through the other replica")
	}
	if st := status(viaA); st != "" {
		t.Errorf("replica A still lists the deregistered instance (%s)", st)
	}
	a.Stop(t, syscall.SIGTERM)
	b.Stop(t, syscall.SIGTERM)
}

// TestReplicasExpireAParameterOnce puts a parameter with an Expiration
// policy through one of two replicas: both sweep for due parameters, the
// parameter is gone through the other, and the audit trail they share has
// its deletion once.
func TestReplicasExpireAParameterOnce(t *testing.T) {
	r := startReplicas(t)
	ctx := context.Background()
	soon := time.Now().Add(time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	if _, err := r.viaA.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/shared/temporary"), Value: aws.String("v"),
		Type: ssmtypes.ParameterTypeString, Tier: ssmtypes.ParameterTierAdvanced,
		Policies: aws.String(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + soon + `"}}]`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the parameter gone through replica B", 30*time.Second, func() bool {
		_, err := r.viaB.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/shared/temporary")})
		var nf *ssmtypes.ParameterNotFound
		return errors.As(err, &nf)
	})
	// Both replicas have swept since (every 10 s).
	time.Sleep(params.ExpiryInterval + time.Second)
	prof, err := sharedconfig.ReadCredentials(r.credsFile, "default")
	if err != nil {
		t.Fatal(err)
	}
	trail := cloudtrail.NewFromConfig(sdkConfig(r.b, aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey}))
	out, err := trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("DeleteParameter")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || !strings.Contains(aws.ToString(out.Events[0].CloudTrailEvent), `"eventType":"AwsServiceEvent"`) {
		t.Errorf("DeleteParameter events = %d %+v, want the service's one", len(out.Events), out.Events)
	}
}
