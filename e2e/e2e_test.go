// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package e2e tests the built kanri binary from the outside: started as
// users start it, driven by the real AWS CLI and the AWS SDK for Go.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/sdkhttp"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// awsCLI runs the real AWS CLI against p with the given credentials file
// and returns its stdout, stderr and exit code.
func awsCLI(t *testing.T, p *kanritest.Process, credsFile string, args ...string) (string, string, int) {
	t.Helper()
	return awsRun(t, p, cliEnv(credsFile, p.ConfigFile()), args...)
}

// awsAs runs the AWS CLI against p with the given credentials (temporary
// ones when c.SessionToken is set).
func awsAs(t *testing.T, p *kanritest.Process, c aws.Credentials, args ...string) (string, string, int) {
	t.Helper()
	env := append(cliEnv("/dev/null", p.ConfigFile()), "AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey)
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	return awsRun(t, p, env, args...)
}

// awsRun runs the AWS CLI against p in env.
func awsRun(t *testing.T, p *kanritest.Process, env []string, args ...string) (string, string, int) {
	t.Helper()
	path, err := exec.LookPath("aws")
	storetest.SkipUnlessAvailable(t, err == nil, "the AWS CLI (aws)")
	cmd := exec.Command(path, append([]string{"--endpoint-url", p.Endpoint}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("aws %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// cliEnv is the environment of an AWS CLI run: the given shared files and
// nothing from the caller's own AWS setup.
func cliEnv(credsFile, configFile string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_SHARED_CREDENTIALS_FILE="+credsFile, "AWS_CONFIG_FILE="+configFile, "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
}

// adminCreds reads the administrator's keys that kanri dev wrote.
func adminCreds(t *testing.T, p *kanritest.Process) aws.Credentials {
	t.Helper()
	prof, err := sharedconfig.ReadCredentials(p.CredentialsFile(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey}
}

// sdkConfig returns an AWS SDK configuration for p with creds.
func sdkConfig(p *kanritest.Process, c aws.Credentials) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(p.Endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Client(),
	}
}

// getCallerIdentity sends a GetCallerIdentity request signed at signTime
// with the SDK's signer.
func getCallerIdentity(ctx context.Context, client *http.Client, endpoint string, c aws.Credentials, signTime time.Time) (*http.Response, error) {
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, err := http.NewRequestWithContext(ctx, "POST", endpoint+"/", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", signTime); err != nil {
		return nil, err
	}
	return client.Do(req)
}

// lookupAll pages through LookupEvents for one event name and returns the
// CloudTrail records.
func lookupAll(t *testing.T, cfg aws.Config, eventName string) []record {
	t.Helper()
	client := cloudtrail.NewFromConfig(cfg)
	p := cloudtrail.NewLookupEventsPaginator(client, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(eventName)}},
	})
	var out []record
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("LookupEvents: %v", err)
		}
		for _, e := range page.Events {
			var r record
			if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &r); err != nil {
				t.Fatalf("CloudTrailEvent: %v", err)
			}
			out = append(out, r)
		}
	}
	return out
}

// record is the part of a CloudTrail record the tests read.
type record struct {
	EventName    string `json:"eventName"`
	EventSource  string `json:"eventSource"`
	ErrorCode    string `json:"errorCode"`
	RequestID    string `json:"requestID"`
	SourceIP     string `json:"sourceIPAddress"`
	UserIdentity struct {
		ARN         string `json:"arn"`
		AccessKeyID string `json:"accessKeyId"`
	} `json:"userIdentity"`
	Additional map[string]string `json:"additionalEventData"`
}
