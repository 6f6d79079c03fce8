// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// TestParamsWithAWSCLI drives Parameter Store with the real AWS CLI:
// put, get, by path, history, labels and delete, and the errors botocore
// reads.
func TestParamsWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "")
	const name = "/hybrid/config/agent"
	arn := "arn:aws:ssm:us-east-1:" + p.Account + ":parameter" + name

	var put struct {
		Version int64
		Tier    string
	}
	out := cli(t, p, "ssm", "put-parameter", "--name", name, "--type", "String", "--value", "interval=30", "--description", "agent settings")
	if err := json.Unmarshal([]byte(out), &put); err != nil || put.Version != 1 || put.Tier != "Standard" {
		t.Errorf("put-parameter = %s (%v), want version 1, Standard", out, err)
	}
	out = cli(t, p, "ssm", "put-parameter", "--name", name, "--value", "interval=60", "--overwrite")
	if err := json.Unmarshal([]byte(out), &put); err != nil || put.Version != 2 {
		t.Errorf("put-parameter --overwrite = %s (%v), want version 2", out, err)
	}
	cli(t, p, "ssm", "put-parameter", "--name", "/hybrid/config/hosts", "--type", "StringList", "--value", "a,b")
	cli(t, p, "ssm", "put-parameter", "--name", "/hybrid/region", "--type", "String", "--value", "lab-1")
	cli(t, p, "ssm", "put-parameter", "--name", "/elsewhere/x", "--type", "String", "--value", "x")

	var got struct {
		Parameter struct {
			Name, Type, Value, ARN, DataType, Selector string
			Version                                    int64
			LastModifiedDate                           float64
		}
	}
	out = cli(t, p, "ssm", "get-parameter", "--name", name)
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Parameter.Value != "interval=60" || got.Parameter.Version != 2 ||
		got.Parameter.ARN != arn || got.Parameter.Type != "String" || got.Parameter.DataType != "text" || got.Parameter.LastModifiedDate == 0 {
		t.Errorf("get-parameter = %s (%v)", out, err)
	}

	// The CLI pages through, one parameter per request.
	out = cli(t, p, "ssm", "get-parameters-by-path", "--path", "/hybrid", "--recursive", "--page-size", "1",
		"--query", "Parameters[].[Name,Version]", "--output", "text")
	if want := []string{name, "2", "/hybrid/config/hosts", "1", "/hybrid/region", "1"}; !slices.Equal(strings.Fields(out), want) {
		t.Errorf("get-parameters-by-path --recursive = %q, want %v", out, want)
	}
	out = cli(t, p, "ssm", "get-parameters-by-path", "--path", "/hybrid", "--query", "Parameters[].Name", "--output", "text")
	if got := strings.Fields(out); !slices.Equal(got, []string{"/hybrid/region"}) {
		t.Errorf("get-parameters-by-path (one level) = %q, want /hybrid/region", out)
	}

	var label struct {
		InvalidLabels    []string
		ParameterVersion int64
	}
	out = cli(t, p, "ssm", "label-parameter-version", "--name", name, "--parameter-version", "1", "--labels", "prod", "2bad")
	if err := json.Unmarshal([]byte(out), &label); err != nil || label.ParameterVersion != 1 || !slices.Equal(label.InvalidLabels, []string{"2bad"}) {
		t.Errorf("label-parameter-version = %s (%v), want version 1, invalid [2bad]", out, err)
	}
	out = cli(t, p, "ssm", "get-parameter", "--name", name+":prod", "--query", "Parameter.[Value,Version,Selector]", "--output", "text")
	if want := []string{"interval=30", "1", ":prod"}; !slices.Equal(strings.Fields(out), want) {
		t.Errorf("get-parameter :prod = %q, want %v", out, want)
	}

	var hist struct {
		Parameters []struct {
			Version                              int64
			Value, LastModifiedUser, Description string
			Labels                               []string
		}
	}
	out = cli(t, p, "ssm", "get-parameter-history", "--name", name)
	if err := json.Unmarshal([]byte(out), &hist); err != nil || len(hist.Parameters) != 2 {
		t.Fatalf("get-parameter-history = %s (%v)", out, err)
	}
	h := hist.Parameters[0]
	if h.Version != 1 || h.Value != "interval=30" || !slices.Equal(h.Labels, []string{"prod"}) || h.Description != "agent settings" ||
		h.LastModifiedUser != "arn:aws:iam::"+p.Account+":user/admin" || hist.Parameters[1].Version != 2 {
		t.Errorf("get-parameter-history = %s", out)
	}

	// Errors, as botocore reads them.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"put-parameter", "--name", name, "--type", "String", "--value", "again"}, "ParameterAlreadyExists"},
		{[]string{"put-parameter", "--name", "hybrid/relative", "--type", "String", "--value", "v"}, "fully qualified name"},
		{[]string{"get-parameter", "--name", name + ":9"}, "ParameterVersionNotFound"},
		{[]string{"get-parameters-by-path", "--path", "hybrid"}, "must begin with a forward slash"},
		{[]string{"label-parameter-version", "--name", name, "--parameter-version", "7", "--labels", "x"}, "ParameterVersionNotFound"},
	} {
		_, stderr, code := awsCLI(t, p, p.CredentialsFile(), append([]string{"ssm"}, tt.args...)...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("aws ssm %s: exit %d, %s; want an error containing %s", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}

	cli(t, p, "ssm", "delete-parameter", "--name", name)
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "get-parameter", "--name", name)
	if code == 0 || !strings.Contains(stderr, "ParameterNotFound") || !strings.Contains(stderr, "GetParameter") {
		t.Errorf("get-parameter of a deleted parameter: exit %d, %s; want ParameterNotFound", code, stderr)
	}
	out = cli(t, p, "ssm", "delete-parameters", "--names", "/hybrid/region", "/nope")
	var del struct{ DeletedParameters, InvalidParameters []string }
	if err := json.Unmarshal([]byte(out), &del); err != nil || !slices.Equal(del.DeletedParameters, []string{"/hybrid/region"}) ||
		!slices.Equal(del.InvalidParameters, []string{"/nope"}) {
		t.Errorf("delete-parameters = %s (%v)", out, err)
	}
}

// TestParamsSecureStringWithAWSCLI is seed 002's storage of activation
// codes: a customer KMS key, the code put as a SecureString under it and
// read back with --with-decryption by the administrator, while a user
// allowed ssm:GetParameter but not kms:Decrypt gets AccessDeniedException.
func TestParamsSecureStringWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--no-agent")
	keyID := strings.TrimSpace(cli(t, p, "kms", "create-key", "--description", "activation codes", "--query", "KeyMetadata.KeyId", "--output", "text"))
	cli(t, p, "ssm", "put-parameter", "--name", "/hybrid/activation/code", "--type", "SecureString", "--key-id", keyID, "--value", "Xy12-activation")
	cli(t, p, "ssm", "put-parameter", "--name", "/hybrid/activation/id", "--type", "String", "--value", "act-1")
	if out := cli(t, p, "ssm", "get-parameter", "--name", "/hybrid/activation/code", "--with-decryption", "--query", "Parameter.Value", "--output", "text"); strings.TrimSpace(out) != "Xy12-activation" {
		t.Errorf("get-parameter --with-decryption = %q", out)
	}
	if out := cli(t, p, "ssm", "get-parameter", "--name", "/hybrid/activation/code", "--query", "Parameter.Value", "--output", "text"); strings.Contains(out, "Xy12-activation") {
		t.Errorf("get-parameter without decryption shows the value: %q", out)
	}
	out := cli(t, p, "ssm", "get-parameters-by-path", "--path", "/hybrid", "--recursive", "--with-decryption",
		"--query", "Parameters[].[Name,Type,Value]", "--output", "text")
	if want := "/hybrid/activation/code SecureString Xy12-activation /hybrid/activation/id String act-1"; strings.Join(strings.Fields(out), " ") != want {
		t.Errorf("get-parameters-by-path --recursive --with-decryption = %q, want %q", out, want)
	}
	if out := cli(t, p, "ssm", "describe-parameters", "--query", "Parameters[?Name=='/hybrid/activation/code'].KeyId", "--output", "text"); !strings.Contains(out, keyID) {
		t.Errorf("describe-parameters KeyId = %q, want the key %s", out, keyID)
	}

	cli(t, p, "iam", "create-user", "--user-name", "reader")
	cli(t, p, "iam", "put-user-policy", "--user-name", "reader", "--policy-name", "read", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:GetParameter","ssm:GetParameters"],"Resource":"*"}]}`)
	var key struct{ AccessKeyId, SecretAccessKey string }
	if err := json.Unmarshal([]byte(cli(t, p, "iam", "create-access-key", "--user-name", "reader", "--query", "AccessKey")), &key); err != nil {
		t.Fatal(err)
	}
	reader := aws.Credentials{AccessKeyID: key.AccessKeyId, SecretAccessKey: key.SecretAccessKey}
	if out, stderr, code := awsAs(t, p, reader, "ssm", "get-parameter", "--name", "/hybrid/activation/id", "--query", "Parameter.Value", "--output", "text"); code != 0 || strings.TrimSpace(out) != "act-1" {
		t.Errorf("reader get-parameter (String): exit %d, %q %s", code, out, stderr)
	}
	_, stderr, code := awsAs(t, p, reader, "ssm", "get-parameter", "--name", "/hybrid/activation/code", "--with-decryption")
	if code == 0 || !strings.Contains(stderr, "AccessDeniedException") || !strings.Contains(stderr, "kms:Decrypt") {
		t.Errorf("reader get-parameter --with-decryption: exit %d, %s; want AccessDeniedException naming kms:Decrypt", code, stderr)
	}
}

// TestParamsExpirationWithAWSCLI puts advanced parameters with an
// Expiration policy through the AWS CLI: the one whose time comes is
// deleted by the server's periodic sweep (every 10 s), the one whose
// time is an hour away stays, and both show their policies as Pending
// until then.
func TestParamsExpirationWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "", "--no-agent")
	soon := time.Now().Add(2 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	policy := func(ts string) string {
		return `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"` + ts + `"}}]`
	}
	cli(t, p, "ssm", "put-parameter", "--name", "/lab/temporary", "--type", "SecureString", "--value", "s3cret",
		"--tier", "Advanced", "--policies", policy(soon))
	cli(t, p, "ssm", "put-parameter", "--name", "/lab/lasting", "--type", "String", "--value", "v",
		"--tier", "Advanced", "--policies", policy(later))
	out := cli(t, p, "ssm", "describe-parameters", "--query", "Parameters[].[Name,Policies[0].PolicyType,Policies[0].PolicyStatus]", "--output", "text")
	if want := []string{"/lab/lasting", "Expiration", "Pending", "/lab/temporary", "Expiration", "Pending"}; !slices.Equal(strings.Fields(out), want) {
		t.Errorf("describe-parameters = %q, want %v", out, want)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "ssm", "get-parameter", "--name", "/lab/temporary")
		if code != 0 {
			if !strings.Contains(stderr, "ParameterNotFound") {
				t.Fatalf("get-parameter of the expiring parameter: exit %d, %s", code, stderr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/lab/temporary still there 30 s after it expired at %s", soon)
		}
		time.Sleep(time.Second)
	}
	out = cli(t, p, "ssm", "describe-parameters", "--query", "Parameters[].Name", "--output", "text")
	if got := strings.Fields(out); !slices.Equal(got, []string{"/lab/lasting"}) {
		t.Errorf("describe-parameters after the expiry = %q, want only /lab/lasting", out)
	}
	if strings.Contains(p.Output(), "s3cret") {
		t.Error("the SecureString's value appears in the server's output")
	}

	// The deletion is in the audit trail as the service's own action.
	out = cli(t, p, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=DeleteParameter")
	var trail struct {
		Events []struct {
			EventName, EventSource, CloudTrailEvent string
			Resources                               []struct{ ResourceType, ResourceName string }
		}
	}
	if err := json.Unmarshal([]byte(out), &trail); err != nil || len(trail.Events) != 1 {
		t.Fatalf("lookup-events DeleteParameter = %s (%v), want one event", out, err)
	}
	ev := trail.Events[0]
	var rec struct {
		EventType    string
		UserIdentity struct{ InvokedBy string }
	}
	json.Unmarshal([]byte(ev.CloudTrailEvent), &rec)
	wantARN := "arn:aws:ssm:us-east-1:" + p.Account + ":parameter/lab/temporary"
	if ev.EventSource != "ssm.amazonaws.com" || len(ev.Resources) != 1 || ev.Resources[0].ResourceName != wantARN ||
		rec.EventType != "AwsServiceEvent" || rec.UserIdentity.InvokedBy != "ssm.amazonaws.com" || strings.Contains(out, "s3cret") {
		t.Errorf("the expiry's audit event = %+v %+v, want the service's DeleteParameter of %s", ev, rec, wantARN)
	}
}
