// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
)

// TestDevWithAWSCLI is the newcomer's tour: kanri dev, then the AWS CLI
// with the files it wrote; good and bad signatures; the trail shows all.
func TestDevWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "")
	for _, f := range []string{p.CredentialsFile(), p.ConfigFile(), filepath.Join(p.DataDir, "master.key"), filepath.Join(p.DataDir, "kanri.db")} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	if !regexp.MustCompile(`^\d{12}$`).MatchString(p.Account) {
		t.Fatalf("banner account = %q, want 12 digits; output:\n%s", p.Account, p.Output())
	}
	if want := "aws --endpoint-url " + p.Endpoint + " sts get-caller-identity"; !strings.Contains(p.Output(), want) {
		t.Errorf("banner does not show %q:\n%s", want, p.Output())
	}

	// The command exactly as the banner prints it.
	stdout, stderr, code := awsCLI(t, p, p.CredentialsFile(), "sts", "get-caller-identity")
	if code != 0 {
		t.Fatalf("aws sts get-caller-identity: exit %d: %s", code, stderr)
	}
	var id struct{ Account, Arn, UserId string }
	if err := json.Unmarshal([]byte(stdout), &id); err != nil {
		t.Fatalf("get-caller-identity output %q: %v", stdout, err)
	}
	wantARN := "arn:aws:iam::" + p.Account + ":user/admin"
	if id.Arn != wantARN || id.Account != p.Account || !strings.HasPrefix(id.UserId, "AIDA") || len(id.UserId) != 21 {
		t.Errorf("get-caller-identity = %+v, want Arn %s, Account %s, UserId AIDA… (21 chars)", id, wantARN, p.Account)
	}

	// A wrong secret: SignatureDoesNotMatch, 403.
	creds := adminCreds(t, p)
	bad := filepath.Join(t.TempDir(), "bad-credentials")
	if err := sharedconfig.WriteCredentials(bad, sharedconfig.Profile{AccessKeyID: creds.AccessKeyID, SecretAccessKey: "wrong" + creds.SecretAccessKey[5:]}); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = awsCLI(t, p, bad, "sts", "get-caller-identity")
	if code == 0 || !strings.Contains(stderr, "SignatureDoesNotMatch") {
		t.Errorf("aws with a wrong secret: exit %d, stderr %q; want SignatureDoesNotMatch", code, stderr)
	}
	badCreds := creds
	badCreds.SecretAccessKey = "wrong" + creds.SecretAccessKey[5:]
	_, err := sts.NewFromConfig(sdkConfig(p, badCreds)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if status, code := httpError(err); status != 403 || code != "SignatureDoesNotMatch" {
		t.Errorf("SDK with a wrong secret: status %d code %q (%v), want 403 SignatureDoesNotMatch", status, code, err)
	}

	// No signature at all.
	_, stderr, code = awsCLI(t, p, p.CredentialsFile(), "sts", "get-caller-identity", "--no-sign-request")
	if code == 0 || !strings.Contains(stderr, "MissingAuthenticationToken") {
		t.Errorf("aws --no-sign-request: exit %d, stderr %q; want MissingAuthenticationToken", code, stderr)
	}

	// Signed 20 minutes ago: refused.
	resp, err := getCallerIdentity(context.Background(), http.DefaultClient, p.Endpoint, creds, time.Now().Add(-20*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(string(body), "Signature expired") {
		t.Errorf("request signed 20 minutes ago: %d %s; want 403 SignatureDoesNotMatch, Signature expired", resp.StatusCode, body)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("answer has no x-amzn-RequestId")
	}

	// The AWS SDK for Go reads kanri's answers.
	out, err := sts.NewFromConfig(sdkConfig(p, creds)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Arn) != wantARN {
		t.Errorf("SDK GetCallerIdentity = %v, %v; want %s", out, err, wantARN)
	}

	// The trail, through the AWS CLI, shows every one of those calls.
	stdout, stderr, code = awsCLI(t, p, p.CredentialsFile(), "cloudtrail", "lookup-events",
		"--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetCallerIdentity")
	if code != 0 {
		t.Fatalf("aws cloudtrail lookup-events: exit %d: %s", code, stderr)
	}
	var trail struct {
		Events []struct {
			EventName, EventSource, Username, AccessKeyId, CloudTrailEvent string
			EventTime                                                      any
		}
	}
	if err := json.Unmarshal([]byte(stdout), &trail); err != nil {
		t.Fatalf("lookup-events output: %v\n%s", err, stdout)
	}
	outcomes := map[string]int{}
	for _, e := range trail.Events {
		var r record
		if err := json.Unmarshal([]byte(e.CloudTrailEvent), &r); err != nil {
			t.Fatal(err)
		}
		if e.EventSource != "sts.amazonaws.com" || r.SourceIP != "127.0.0.1" || e.EventTime == nil {
			t.Errorf("event %+v: want source sts.amazonaws.com, IP 127.0.0.1, a time", e)
		}
		outcomes[r.Additional["outcome"]+"/"+r.ErrorCode]++
	}
	want := map[string]int{"Success/": 2, "Failed/SignatureDoesNotMatch": 3, "Failed/MissingAuthenticationToken": 1}
	for k, n := range want {
		if outcomes[k] != n {
			t.Errorf("trail outcomes = %v, want %d × %s (all: %v)", outcomes, n, k, want)
		}
	}
}

// httpError returns the HTTP status and AWS error code of an SDK error.
func httpError(err error) (int, string) {
	var re *smithyhttp.ResponseError
	var ae smithy.APIError
	status, code := 0, ""
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return status, code
}

// TestRestartKeepsState stops kanri dev cleanly and starts it again on the
// same data dir: the account, the keys and the trail are still there.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	p := kanritest.StartDev(t, dir)
	creds := adminCreds(t, p)
	client := sts.NewFromConfig(sdkConfig(p, creds))
	first, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: exit %v, want a clean exit\n%s", err, p.Output())
	}

	p2 := kanritest.StartDev(t, dir)
	if p2.Account != p.Account {
		t.Errorf("account after restart = %s, want %s", p2.Account, p.Account)
	}
	if got := adminCreds(t, p2); got != creds {
		t.Errorf("credentials file rewritten on restart: %s, want %s", got.AccessKeyID, creds.AccessKeyID)
	}
	second, err := sts.NewFromConfig(sdkConfig(p2, creds)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("old keys after restart: %v", err)
	}
	if aws.ToString(second.Arn) != aws.ToString(first.Arn) || aws.ToString(second.UserId) != aws.ToString(first.UserId) {
		t.Errorf("identity after restart = %s %s, want %s %s", aws.ToString(second.Arn), aws.ToString(second.UserId), aws.ToString(first.Arn), aws.ToString(first.UserId))
	}
	if n := len(lookupAll(t, sdkConfig(p2, creds), "GetCallerIdentity")); n != 2 {
		t.Errorf("GetCallerIdentity events after restart = %d, want 2", n)
	}
}

// TestKillLosesNoAcknowledgedAuditRecord kills kanri with SIGKILL during a
// burst of requests: every request that was answered is in the trail
// after a restart.
// ingestProcesses returns the IDs of the audit ingest processes serving
// the data directory dir, from /proc (none where there is no /proc).
func ingestProcesses(t *testing.T, dir string) []int {
	t.Helper()
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // it ended
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 3 && args[1] == "audit-ingest" && args[2] == "--data-dir" && args[3] == dir {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestKillLosesNoAcknowledgedAuditRecord(t *testing.T) {
	dir := t.TempDir()
	p := kanritest.StartDev(t, dir)
	creds := adminCreds(t, p)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, err := getCallerIdentity(ctx, client, p.Endpoint, creds, time.Now())
				if err != nil {
					return // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					acked[resp.Header.Get("x-amzn-RequestId")] = true
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once a good number of requests have been answered.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 2000 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// On Linux the journal is moved into the database by a child process.
	children := ingestProcesses(t, dir)
	if runtime.GOOS == "linux" && len(children) != 1 {
		t.Errorf("audit ingest processes of the server = %v, want one", children)
	}
	p.Stop(t, syscall.SIGKILL)
	wg.Wait()
	cancel()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 100 {
		t.Fatalf("only %d requests answered before the kill; the test proves nothing", len(acked))
	}
	// The child ends with its server, once it has stored the segment in
	// hand.
	for deadline := time.Now().Add(15 * time.Second); len(ingestProcesses(t, dir)) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("audit ingest processes %v still run 15 s after their server was killed", ingestProcesses(t, dir))
		}
	}

	p2 := kanritest.StartDev(t, dir)
	recorded := map[string]bool{}
	for _, r := range lookupAll(t, sdkConfig(p2, creds), "GetCallerIdentity") {
		recorded[r.RequestID] = true
	}
	missing := 0
	for id := range acked {
		if !recorded[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d answered requests are missing from the trail after kill -9", missing, len(acked))
	}
	t.Logf("%d answered requests before kill -9, %d recorded", len(acked), len(recorded))
}
