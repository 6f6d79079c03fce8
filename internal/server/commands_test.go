// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroups"
	rgtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroups/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

// rcEnv is a running system and the administrator's SSM client, for the
// Run Command tests.
type rcEnv struct {
	k    *kanritest.Kanri
	ctx  context.Context
	ssm  *ssm.Client
	acct string
}

// rcStart starts a system for t, with kanri dev's local agent (tagged
// env=dev) when agent is set.
func rcStart(t *testing.T, agent bool) *rcEnv {
	t.Helper()
	k := kanritest.Start(t, kanritest.Options{Agent: agent, Heartbeat: time.Second})
	return &rcEnv{k: k, ctx: context.Background(), ssm: ssm.NewFromConfig(k.Config()), acct: k.Server.Account()}
}

// rcWantErr fails t unless err is an AWS error with code whose message
// contains every one of msgs.
func rcWantErr(t testing.TB, what string, err error, code string, msgs ...string) {
	t.Helper()
	var ae smithy.APIError
	switch {
	case err == nil:
		t.Errorf("%s = success, want %s", what, code)
	case !errors.As(err, &ae):
		t.Errorf("%s error = %v, want an AWS error %s", what, err, code)
	case ae.ErrorCode() != code:
		t.Errorf("%s error = %s %q, want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
	default:
		for _, m := range msgs {
			if !strings.Contains(ae.ErrorMessage(), m) {
				t.Errorf("%s error message = %q, want it to contain %q", what, ae.ErrorMessage(), m)
			}
		}
	}
}

// rcMust fails t now if err is not nil.
func rcMust(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// rcEventually polls cond until it holds, failing t after d: the state
// polled belongs to agents and dispatchers that signal nothing else.
func rcEventually(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// register enrols an instance with tags through the agent endpoint (no
// agent runs for it: it stays ConnectionLost) and returns its ID.
func (e *rcEnv) register(t *testing.T, tags map[string]string) string {
	t.Helper()
	act, err := e.ssm.CreateActivation(e.ctx, &ssm.CreateActivationInput{IamRole: aws.String("kanri-dev-instance"), RegistrationLimit: aws.Int32(1)})
	rcMust(t, "CreateActivation", err)
	kp, err := nkeys.CreateUser()
	rcMust(t, "nkeys", err)
	pub, _ := kp.PublicKey()
	body, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: aws.ToString(act.ActivationId), ActivationCode: aws.ToString(act.ActivationCode),
		PublicKey: pub, Tags: tags, Facts: agentproto.Facts{ComputerName: "offline-host", PlatformType: "Linux"}})
	resp, err := http.Post(e.k.Endpoint+agentproto.PathRegister, "application/json", bytes.NewReader(body))
	rcMust(t, "register", err)
	defer resp.Body.Close()
	var r agentproto.RegisterResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 || r.InstanceID == "" {
		t.Fatalf("register: %d %+v %v", resp.StatusCode, r, err)
	}
	return r.InstanceID
}

// localInstance waits until kanri dev's local agent is Online and returns
// its instance ID.
func (e *rcEnv) localInstance(t *testing.T) string {
	t.Helper()
	var id string
	rcEventually(t, "the local instance Online", 30*time.Second, func() bool {
		out, err := e.ssm.DescribeInstanceInformation(e.ctx, &ssm.DescribeInstanceInformationInput{
			Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("PingStatus"), Values: []string{"Online"}}}})
		if err != nil || len(out.InstanceInformationList) == 0 {
			return false
		}
		id = aws.ToString(out.InstanceInformationList[0].InstanceId)
		return true
	})
	return id
}

// command returns a command as ListCommands shows it.
func (e *rcEnv) command(t *testing.T, id string) ssmtypes.Command {
	t.Helper()
	out, err := e.ssm.ListCommands(e.ctx, &ssm.ListCommandsInput{CommandId: aws.String(id)})
	rcMust(t, "ListCommands "+id, err)
	if len(out.Commands) != 1 {
		t.Fatalf("ListCommands(%s) = %d commands, want 1", id, len(out.Commands))
	}
	return out.Commands[0]
}

// wait waits until a command is in a terminal state and returns it.
func (e *rcEnv) wait(t *testing.T, id string) ssmtypes.Command {
	t.Helper()
	var c ssmtypes.Command
	rcEventually(t, "command "+id+" to end", 30*time.Second, func() bool {
		c = e.command(t, id)
		switch c.Status {
		case ssmtypes.CommandStatusSuccess, ssmtypes.CommandStatusFailed, ssmtypes.CommandStatusTimedOut, ssmtypes.CommandStatusCancelled:
			return true
		}
		return false
	})
	return c
}

// send sends a document and returns the command's ID.
func (e *rcEnv) send(t *testing.T, in *ssm.SendCommandInput) string {
	t.Helper()
	out, err := e.ssm.SendCommand(e.ctx, in)
	rcMust(t, "SendCommand", err)
	return aws.ToString(out.Command.CommandId)
}

// shell returns SendCommand's input for AWS-RunShellScript with commands.
func shell(targets []ssmtypes.Target, commands ...string) *ssm.SendCommandInput {
	return &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), Targets: targets,
		Parameters: map[string][]string{"commands": commands}}
}

func tagTarget(key string, values ...string) []ssmtypes.Target {
	return []ssmtypes.Target{{Key: aws.String("tag:" + key), Values: values}}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// echoDoc is a Command document with one step and one parameter.
const echoDoc = `{
  "schemaVersion": "2.2",
  "description": "Echo a message.",
  "parameters": {
    "msg": {
      "type": "String",
      "default": "hi",
      "description": "The message."
    }
  },
  "mainSteps": [
    {
      "action": "aws:runShellScript",
      "name": "echo",
      "inputs": {
        "runCommand": [
          "echo {{ msg }}"
        ]
      }
    }
  ]
}`

// echoDocV2 is echoDoc's second version, in YAML.
const echoDocV2 = `schemaVersion: "2.2"
description: Echo a message twice.
parameters:
  msg:
    type: String
    default: hi
    description: The message.
mainSteps:
  - action: aws:runShellScript
    name: echo
    inputs:
      runCommand:
        - echo {{ msg }}
        - echo {{ msg }}
`

// sessionDoc is a Session document.
const sessionDoc = `{
  "schemaVersion": "1.0",
  "description": "Session preferences.",
  "sessionType": "Standard_Stream",
  "inputs": {
    "idleSessionTimeout": "20"
  }
}`

// TestCommandDocuments drives the documents API through the SDK: create,
// versions, formats, default version, deletion, tags, and the AWS error
// codes of each.
func TestCommandDocuments(t *testing.T) {
	e := rcStart(t, false)
	ctx, c := e.ctx, e.ssm

	created, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDoc),
		DocumentType: ssmtypes.DocumentTypeCommand, VersionName: aws.String("first"),
		Tags: []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	rcMust(t, "CreateDocument(Echo)", err)
	d := created.DocumentDescription
	want := ssmtypes.DocumentDescription{
		Name: aws.String("Echo"), Hash: aws.String(sha256Hex(echoDoc)), HashType: ssmtypes.DocumentHashTypeSha256,
		Owner: aws.String(e.acct), Status: ssmtypes.DocumentStatusActive, DocumentVersion: aws.String("1"),
		Description: aws.String("Echo a message."), PlatformTypes: []ssmtypes.PlatformType{ssmtypes.PlatformTypeLinux, ssmtypes.PlatformTypeMacos},
		DocumentType: ssmtypes.DocumentTypeCommand, SchemaVersion: aws.String("2.2"), LatestVersion: aws.String("1"),
		DefaultVersion: aws.String("1"), DocumentFormat: ssmtypes.DocumentFormatJson, VersionName: aws.String("first"),
		Parameters: []ssmtypes.DocumentParameter{{Name: aws.String("msg"), Type: ssmtypes.DocumentParameterTypeString,
			Description: aws.String("The message."), DefaultValue: aws.String("hi")}},
		Tags: []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}},
	}
	if d == nil || d.CreatedDate == nil || time.Since(*d.CreatedDate) > time.Minute {
		t.Fatalf("CreateDocument = %+v, want a description created now", d)
	}
	opts := cmp.Options{ignoreUnexported, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".CreatedDate" }, cmp.Ignore())}
	if diff := cmp.Diff(want, *d, opts); diff != "" {
		t.Errorf("CreateDocument description (-want +got):\n%s", diff)
	}

	t.Run("create errors", func(t *testing.T) {
		_, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDocV2), DocumentFormat: ssmtypes.DocumentFormatYaml})
		rcWantErr(t, "CreateDocument(existing name)", err, "DocumentAlreadyExists", "Echo")
		for _, name := range []string{"aws-mine", "AWS-RunShellScript", "Amazon-Doc", "amzn.doc", "AwsLike"} {
			_, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String(name), Content: aws.String(echoDoc)})
			rcWantErr(t, "CreateDocument("+name+")", err, "ValidationException", name, "aws, amazon or amzn")
		}
		bad := strings.Replace(echoDoc, `"name": "echo"`, `"name": "bad name!"`, 1)
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(bad)})
		rcWantErr(t, "CreateDocument(bad step name)", err, "InvalidDocumentContent", `mainSteps[0].name: step name "bad name!" must match [a-zA-Z0-9_.-]+ (line 14, column 15)`)
		badYAML := strings.Replace(echoDocV2, "aws:runShellScript", "aws:runTheWorld", 1)
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(badYAML), DocumentFormat: ssmtypes.DocumentFormatYaml})
		rcWantErr(t, "CreateDocument(unknown action)", err, "InvalidDocumentContent", `mainSteps[0].action: unsupported action "aws:runTheWorld"`, "(line 9, column 13)")
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(`{"schemaVersion": "2.2", "mainSteps": []}`)})
		rcWantErr(t, "CreateDocument(no steps)", err, "InvalidDocumentContent", "mainSteps", "at least one step")
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(`{"schemaVersion": "9.9", "mainSteps": []}`)})
		rcWantErr(t, "CreateDocument(schema 9.9)", err, "InvalidDocumentSchemaVersion", "9.9")
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(`{"schemaVersion": "2.2",`)})
		rcWantErr(t, "CreateDocument(truncated JSON)", err, "InvalidDocumentContent")
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(echoDoc), DocumentType: ssmtypes.DocumentTypeSession})
		rcWantErr(t, "CreateDocument(Command content as Session)", err, "InvalidDocumentContent", "DocumentType is Session")
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Bad"), Content: aws.String(echoDoc), DocumentType: ssmtypes.DocumentTypeAutomation})
		rcWantErr(t, "CreateDocument(Automation)", err, "ValidationException", "DocumentType")

		// 64 KiB exactly is a document; one byte more is not.
		sized := func(n int) string {
			doc := strings.Replace(echoDoc, "Echo a message.", "Echo a message.PAD", 1)
			return strings.Replace(doc, "PAD", strings.Repeat("x", n-len(doc)+3), 1)
		}
		if s := sized(64 * 1024); len(s) != 65536 {
			t.Fatalf("sized(64 KiB) is %d bytes", len(s))
		}
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Big"), Content: aws.String(sized(64*1024 + 1))})
		rcWantErr(t, "CreateDocument(64 KiB + 1)", err, "MaxDocumentSizeExceeded", "65537")
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Big"), Content: aws.String(sized(64 * 1024))})
		rcMust(t, "CreateDocument(64 KiB)", err)
		_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Big")})
		rcMust(t, "DeleteDocument(Big)", err)
	})

	t.Run("update", func(t *testing.T) {
		up, err := c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDocV2),
			DocumentFormat: ssmtypes.DocumentFormatYaml, DocumentVersion: aws.String("$LATEST"), VersionName: aws.String("second")})
		rcMust(t, "UpdateDocument(Echo)", err)
		d := up.DocumentDescription
		if aws.ToString(d.DocumentVersion) != "2" || aws.ToString(d.LatestVersion) != "2" || aws.ToString(d.DefaultVersion) != "1" ||
			d.DocumentFormat != ssmtypes.DocumentFormatYaml || aws.ToString(d.VersionName) != "second" ||
			aws.ToString(d.Hash) != sha256Hex(echoDocV2) || aws.ToString(d.Description) != "Echo a message twice." {
			t.Errorf("UpdateDocument = version %s latest %s default %s format %s name %s description %q",
				aws.ToString(d.DocumentVersion), aws.ToString(d.LatestVersion), aws.ToString(d.DefaultVersion), d.DocumentFormat,
				aws.ToString(d.VersionName), aws.ToString(d.Description))
		}
		_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDocV2), DocumentFormat: ssmtypes.DocumentFormatYaml})
		rcWantErr(t, "UpdateDocument(same content)", err, "DuplicateDocumentContent")
		v3 := strings.Replace(echoDocV2, "twice", "two times", 1)
		_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(v3), VersionName: aws.String("first")})
		rcWantErr(t, "UpdateDocument(version name taken)", err, "DuplicateDocumentVersionName", "first")
		_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(v3), DocumentVersion: aws.String("1")})
		rcWantErr(t, "UpdateDocument(version 1 of 2)", err, "InvalidDocumentVersion")
		_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("AWS-RunShellScript"), Content: aws.String(echoDoc)})
		rcWantErr(t, "UpdateDocument(built-in)", err, "InvalidDocumentOperation", "AWS-RunShellScript")
		_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Nope"), Content: aws.String(echoDoc)})
		rcWantErr(t, "UpdateDocument(unknown)", err, "InvalidDocument", "Nope")
		_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(sessionDoc)})
		rcWantErr(t, "UpdateDocument(Session content)", err, "InvalidDocumentContent", "DocumentType is Command")
		// The JSON content, the format given, is a third version.
		up, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(strings.Replace(echoDoc, "Echo a message.", "Echo, JSON.", 1)),
			DocumentFormat: ssmtypes.DocumentFormatJson, DocumentVersion: aws.String("2")})
		rcMust(t, "UpdateDocument(v3)", err)
		if v := aws.ToString(up.DocumentDescription.DocumentVersion); v != "3" || up.DocumentDescription.DocumentFormat != ssmtypes.DocumentFormatJson {
			t.Errorf("UpdateDocument(v3) = version %s %s, want 3 JSON", v, up.DocumentDescription.DocumentFormat)
		}
	})

	t.Run("get", func(t *testing.T) {
		for _, tc := range []struct {
			in                   ssm.GetDocumentInput
			version, format, has string
		}{
			{ssm.GetDocumentInput{}, "1", "JSON", `"Echo a message."`},
			{ssm.GetDocumentInput{DocumentVersion: aws.String("$DEFAULT")}, "1", "JSON", `"Echo a message."`},
			{ssm.GetDocumentInput{DocumentVersion: aws.String("$LATEST")}, "3", "JSON", `"Echo, JSON."`},
			{ssm.GetDocumentInput{DocumentVersion: aws.String("2")}, "2", "YAML", "Echo a message twice."},
			{ssm.GetDocumentInput{VersionName: aws.String("second")}, "2", "YAML", "Echo a message twice."},
			{ssm.GetDocumentInput{VersionName: aws.String("second"), DocumentVersion: aws.String("2")}, "2", "YAML", "Echo a message twice."},
		} {
			in := tc.in
			in.Name = aws.String("Echo")
			out, err := c.GetDocument(ctx, &in)
			if err != nil || aws.ToString(out.DocumentVersion) != tc.version || string(out.DocumentFormat) != tc.format ||
				!strings.Contains(aws.ToString(out.Content), tc.has) || aws.ToString(out.Name) != "Echo" || out.DocumentType != ssmtypes.DocumentTypeCommand ||
				out.Status != ssmtypes.DocumentStatusActive {
				t.Errorf("GetDocument(%s, %s) = %+v, %v; want version %s in %s", aws.ToString(tc.in.DocumentVersion), aws.ToString(tc.in.VersionName), out, err, tc.version, tc.format)
			}
		}
		// JSON as YAML, YAML as JSON, and back: the same document.
		asYAML, err := c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), DocumentVersion: aws.String("1"), DocumentFormat: ssmtypes.DocumentFormatYaml})
		rcMust(t, "GetDocument(v1 as YAML)", err)
		wantYAML := `schemaVersion: "2.2"
description: Echo a message.
parameters:
  msg:
    type: String
    default: hi
    description: The message.
mainSteps:
  - action: aws:runShellScript
    name: echo
    inputs:
      runCommand:
        - echo {{ msg }}
`
		if got := aws.ToString(asYAML.Content); got != wantYAML || asYAML.DocumentFormat != ssmtypes.DocumentFormatYaml {
			t.Errorf("GetDocument(v1 as YAML) = %s\n%s\nwant\n%s", asYAML.DocumentFormat, got, wantYAML)
		}
		asJSON, err := c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), VersionName: aws.String("second"), DocumentFormat: ssmtypes.DocumentFormatJson})
		rcMust(t, "GetDocument(v2 as JSON)", err)
		wantJSON := strings.Replace(strings.Replace(echoDoc, "Echo a message.", "Echo a message twice.", 1),
			"\"echo {{ msg }}\"\n", "\"echo {{ msg }}\",\n          \"echo {{ msg }}\"\n", 1)
		if got := aws.ToString(asJSON.Content); got != wantJSON || asJSON.DocumentFormat != ssmtypes.DocumentFormatJson {
			t.Errorf("GetDocument(v2 as JSON) = %s\n%s\nwant\n%s", asJSON.DocumentFormat, got, wantJSON)
		}
		// A document created from the converted content is the same
		// document.
		_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Echo-Copy"), Content: asYAML.Content, DocumentFormat: ssmtypes.DocumentFormatYaml})
		rcMust(t, "CreateDocument(converted)", err)
		back, err := c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo-Copy"), DocumentFormat: ssmtypes.DocumentFormatJson})
		if err != nil || aws.ToString(back.Content) != echoDoc {
			t.Errorf("GetDocument(Echo-Copy as JSON) = %v\n%s\nwant the original\n%s", err, aws.ToString(back.Content), echoDoc)
		}
		_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Echo-Copy")})
		rcMust(t, "DeleteDocument(Echo-Copy)", err)
		builtin, err := c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("AWS-GatherSoftwareInventory"), DocumentFormat: ssmtypes.DocumentFormatJson})
		if err != nil || !strings.HasPrefix(aws.ToString(builtin.Content), "{\n  \"schemaVersion\": \"2.2\",\n  \"description\": ") || builtin.DocumentFormat != ssmtypes.DocumentFormatJson {
			t.Errorf("GetDocument(AWS-GatherSoftwareInventory as JSON) = %v\n%s", err, aws.ToString(builtin.Content))
		}

		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), DocumentVersion: aws.String("9")})
		rcWantErr(t, "GetDocument(version 9)", err, "InvalidDocumentVersion")
		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), VersionName: aws.String("none")})
		rcWantErr(t, "GetDocument(version name none)", err, "InvalidDocumentVersion")
		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), VersionName: aws.String("second"), DocumentVersion: aws.String("1")})
		rcWantErr(t, "GetDocument(version name of another version)", err, "InvalidDocumentVersion")
		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Nope")})
		rcWantErr(t, "GetDocument(unknown)", err, "InvalidDocument", "Nope")
		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("AWS-RunShellScript"), DocumentVersion: aws.String("2")})
		rcWantErr(t, "GetDocument(built-in version 2)", err, "InvalidDocumentVersion")
		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), DocumentFormat: ssmtypes.DocumentFormatText})
		rcWantErr(t, "GetDocument(as TEXT)", err, "ValidationException", "DocumentFormat")
	})

	t.Run("describe", func(t *testing.T) {
		out, err := c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String("Echo"), DocumentVersion: aws.String("2")})
		rcMust(t, "DescribeDocument(Echo 2)", err)
		d := out.Document
		if aws.ToString(d.DocumentVersion) != "2" || aws.ToString(d.LatestVersion) != "3" || aws.ToString(d.DefaultVersion) != "1" ||
			aws.ToString(d.VersionName) != "second" || d.DocumentFormat != ssmtypes.DocumentFormatYaml || aws.ToString(d.Owner) != e.acct ||
			len(d.Tags) != 1 || aws.ToString(d.Tags[0].Key) != "team" {
			t.Errorf("DescribeDocument(Echo 2) = %+v", d)
		}
		arn := "arn:aws:ssm:" + e.k.Server.Region() + ":" + e.acct + ":document/Echo"
		byARN, err := c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String(arn)})
		if err != nil || aws.ToString(byARN.Document.Name) != "Echo" || aws.ToString(byARN.Document.DocumentVersion) != "1" {
			t.Errorf("DescribeDocument(%s) = %+v, %v", arn, byARN, err)
		}
		b, err := c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String("AWS-RunShellScript")})
		rcMust(t, "DescribeDocument(AWS-RunShellScript)", err)
		var params []string
		for _, p := range b.Document.Parameters {
			params = append(params, aws.ToString(p.Name)+":"+string(p.Type)+"="+aws.ToString(p.DefaultValue))
		}
		if aws.ToString(b.Document.Owner) != "Amazon" || aws.ToString(b.Document.SchemaVersion) != "2.2" ||
			!slices.Equal(params, []string{"commands:StringList=", "workingDirectory:String=", "executionTimeout:String=3600"}) ||
			!slices.Equal(b.Document.PlatformTypes, []ssmtypes.PlatformType{ssmtypes.PlatformTypeLinux, ssmtypes.PlatformTypeMacos}) {
			t.Errorf("DescribeDocument(AWS-RunShellScript) = owner %s schema %s parameters %v platforms %v", aws.ToString(b.Document.Owner),
				aws.ToString(b.Document.SchemaVersion), params, b.Document.PlatformTypes)
		}
	})

	t.Run("versions and default", func(t *testing.T) {
		list := func() []string {
			var got []string
			p := ssm.NewListDocumentVersionsPaginator(c, &ssm.ListDocumentVersionsInput{Name: aws.String("Echo"), MaxResults: aws.Int32(1)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				rcMust(t, "ListDocumentVersions", err)
				if len(page.DocumentVersions) > 1 {
					t.Fatalf("ListDocumentVersions page of %d, want at most 1", len(page.DocumentVersions))
				}
				for _, v := range page.DocumentVersions {
					got = append(got, fmt.Sprintf("%s:%s:%s:%v", aws.ToString(v.DocumentVersion), aws.ToString(v.VersionName), v.DocumentFormat, v.IsDefaultVersion))
				}
			}
			return got
		}
		if got, want := list(), []string{"3::JSON:false", "2:second:YAML:false", "1:first:JSON:true"}; !slices.Equal(got, want) {
			t.Errorf("ListDocumentVersions = %v, want %v", got, want)
		}
		out, err := c.UpdateDocumentDefaultVersion(ctx, &ssm.UpdateDocumentDefaultVersionInput{Name: aws.String("Echo"), DocumentVersion: aws.String("2")})
		rcMust(t, "UpdateDocumentDefaultVersion(2)", err)
		if d := out.Description; aws.ToString(d.Name) != "Echo" || aws.ToString(d.DefaultVersion) != "2" || aws.ToString(d.DefaultVersionName) != "second" {
			t.Errorf("UpdateDocumentDefaultVersion = %+v", d)
		}
		if got, want := list(), []string{"3::JSON:false", "2:second:YAML:true", "1:first:JSON:false"}; !slices.Equal(got, want) {
			t.Errorf("ListDocumentVersions after the default changed = %v, want %v", got, want)
		}
		if g, err := c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo")}); err != nil || aws.ToString(g.DocumentVersion) != "2" {
			t.Errorf("GetDocument(default) = %+v, %v, want version 2", g, err)
		}
		_, err = c.UpdateDocumentDefaultVersion(ctx, &ssm.UpdateDocumentDefaultVersionInput{Name: aws.String("Echo"), DocumentVersion: aws.String("7")})
		rcWantErr(t, "UpdateDocumentDefaultVersion(7)", err, "InvalidDocumentVersion")
		_, err = c.UpdateDocumentDefaultVersion(ctx, &ssm.UpdateDocumentDefaultVersionInput{Name: aws.String("Nope"), DocumentVersion: aws.String("1")})
		rcWantErr(t, "UpdateDocumentDefaultVersion(unknown)", err, "InvalidDocument")
		_, err = c.UpdateDocumentDefaultVersion(ctx, &ssm.UpdateDocumentDefaultVersionInput{Name: aws.String("AWS-RunShellScript"), DocumentVersion: aws.String("1")})
		rcWantErr(t, "UpdateDocumentDefaultVersion(built-in)", err, "InvalidDocumentOperation")
		_, err = c.ListDocumentVersions(ctx, &ssm.ListDocumentVersionsInput{Name: aws.String("Nope")})
		rcWantErr(t, "ListDocumentVersions(unknown)", err, "InvalidDocument")
		_, err = c.ListDocumentVersions(ctx, &ssm.ListDocumentVersionsInput{Name: aws.String("Echo"), NextToken: aws.String("garbage!")})
		rcWantErr(t, "ListDocumentVersions(bad token)", err, "InvalidNextToken")
		bv, err := c.ListDocumentVersions(ctx, &ssm.ListDocumentVersionsInput{Name: aws.String("AWS-RunShellScript")})
		if err != nil || len(bv.DocumentVersions) != 1 || aws.ToString(bv.DocumentVersions[0].DocumentVersion) != "1" || !bv.DocumentVersions[0].IsDefaultVersion {
			t.Errorf("ListDocumentVersions(AWS-RunShellScript) = %+v, %v", bv, err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Echo"), DocumentVersion: aws.String("2")})
		rcWantErr(t, "DeleteDocument(default version)", err, "InvalidDocumentOperation", "default")
		_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Echo"), DocumentVersion: aws.String("8")})
		rcWantErr(t, "DeleteDocument(version 8)", err, "InvalidDocumentVersion")
		_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("AWS-RunShellScript")})
		rcWantErr(t, "DeleteDocument(built-in)", err, "InvalidDocumentOperation", "Amazon")
		_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Nope")})
		rcWantErr(t, "DeleteDocument(unknown)", err, "InvalidDocument", "Nope")
		_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Echo"), VersionName: aws.String("first")})
		rcMust(t, "DeleteDocument(version first)", err)
		vs, err := c.ListDocumentVersions(ctx, &ssm.ListDocumentVersionsInput{Name: aws.String("Echo")})
		rcMust(t, "ListDocumentVersions", err)
		var got []string
		for _, v := range vs.DocumentVersions {
			got = append(got, aws.ToString(v.DocumentVersion))
		}
		if !slices.Equal(got, []string{"3", "2"}) {
			t.Errorf("versions after deleting 1 = %v, want [3 2]", got)
		}
		_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("Echo"), DocumentVersion: aws.String("1")})
		rcWantErr(t, "GetDocument(deleted version 1)", err, "InvalidDocumentVersion")
		// A new version after a deletion is numbered after the latest.
		up, err := c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDoc)})
		if err != nil || aws.ToString(up.DocumentDescription.DocumentVersion) != "4" {
			t.Errorf("UpdateDocument after deleting version 1 = %+v, %v, want version 4", up, err)
		}
	})

	t.Run("tags", func(t *testing.T) {
		tags := func(id string) []string {
			out, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String(id)})
			rcMust(t, "ListTagsForResource("+id+")", err)
			var got []string
			for _, tg := range out.TagList {
				got = append(got, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
			}
			return got
		}
		if got := tags("Echo"); !slices.Equal(got, []string{"team=ops"}) {
			t.Errorf("tags of Echo = %v, want [team=ops]", got)
		}
		_, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String("Echo"),
			Tags: []ssmtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("dev")}}})
		rcMust(t, "AddTagsToResource(Echo)", err)
		if got := tags("Echo"); !slices.Equal(got, []string{"env=prod", "team=dev"}) {
			t.Errorf("tags of Echo = %v, want [env=prod team=dev]", got)
		}
		_, err = c.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String("Echo"),
			TagKeys: []string{"team"}})
		rcMust(t, "RemoveTagsFromResource(Echo)", err)
		if got := tags("Echo"); !slices.Equal(got, []string{"env=prod"}) {
			t.Errorf("tags of Echo = %v, want [env=prod]", got)
		}
		d, err := c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String("Echo")})
		if err != nil || len(d.Document.Tags) != 1 || aws.ToString(d.Document.Tags[0].Value) != "prod" {
			t.Errorf("DescribeDocument(Echo).Tags = %+v, %v", d, err)
		}
		_, err = c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String("Nope"),
			Tags: []ssmtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
		rcWantErr(t, "AddTagsToResource(unknown document)", err, "InvalidResourceId")
		_, err = c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String("AWS-RunShellScript"),
			Tags: []ssmtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
		rcWantErr(t, "AddTagsToResource(built-in)", err, "InvalidDocumentOperation")
		if got := tags("AWS-RunShellScript"); len(got) != 0 {
			t.Errorf("tags of AWS-RunShellScript = %v, want none", got)
		}
		many := make([]ssmtypes.Tag, 50)
		for i := range many {
			many[i] = ssmtypes.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")}
		}
		_, err = c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String("Echo"), Tags: many})
		rcWantErr(t, "AddTagsToResource(51 tags in all)", err, "TooManyTagsError")
	})

	t.Run("delete whole", func(t *testing.T) {
		_, err := c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Echo")})
		rcMust(t, "DeleteDocument(Echo)", err)
		_, err = c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String("Echo")})
		rcWantErr(t, "DescribeDocument(deleted)", err, "InvalidDocument", "Echo")
		// The name is free again, from version 1.
		out, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDoc)})
		if err != nil || aws.ToString(out.DocumentDescription.DocumentVersion) != "1" || len(out.DocumentDescription.Tags) != 0 {
			t.Errorf("CreateDocument(Echo again) = %+v, %v, want version 1 without tags", out, err)
		}
	})
}

// twoStepsDoc is a Command document with two steps.
const twoStepsDoc = `{
  "schemaVersion": "2.2",
  "description": "Two steps.",
  "mainSteps": [
    {
      "action": "aws:runShellScript",
      "name": "first",
      "inputs": {
        "runCommand": [
          "echo one"
        ]
      }
    },
    {
      "action": "aws:runShellScript",
      "name": "second",
      "inputs": {
        "runCommand": [
          "echo two >&2",
          "echo three"
        ]
      }
    }
  ]
}`

// windowsDoc is a Command document for Windows only.
const windowsDoc = `schemaVersion: "2.2"
mainSteps:
  - action: aws:runPowerShellScript
    name: ps
    precondition:
      StringEquals: [platformType, Windows]
    inputs:
      runCommand: [Get-Date]
`

// TestCommandListDocuments lists built-in and own documents together by
// name, on pages of every size, with each filter.
func TestCommandListDocuments(t *testing.T) {
	e := rcStart(t, false)
	ctx, c := e.ctx, e.ssm
	for _, d := range []struct {
		name, content string
		format        ssmtypes.DocumentFormat
		docType       ssmtypes.DocumentType
		tags          []ssmtypes.Tag
	}{
		{"A-Doc", echoDoc, ssmtypes.DocumentFormatJson, ssmtypes.DocumentTypeCommand, []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}},
		{"Build-Doc", echoDocV2, ssmtypes.DocumentFormatYaml, "", nil},
		{"Run-Two-Steps", twoStepsDoc, "", "", nil},
		{"Zz-Session", sessionDoc, ssmtypes.DocumentFormatJson, ssmtypes.DocumentTypeSession, nil},
		{"lower-doc", windowsDoc, ssmtypes.DocumentFormatYaml, ssmtypes.DocumentTypeCommand, []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("b")}}},
	} {
		_, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String(d.name), Content: aws.String(d.content),
			DocumentFormat: d.format, DocumentType: d.docType, Tags: d.tags})
		rcMust(t, "CreateDocument("+d.name+")", err)
	}
	filter := func(key string, values ...string) ssmtypes.DocumentKeyValuesFilter {
		return ssmtypes.DocumentKeyValuesFilter{Key: aws.String(key), Values: values}
	}
	builtins := []string{"AWS-GatherSoftwareInventory", "AWS-RunPowerShellScript", "AWS-RunShellScript", "SSM-SessionManagerRunShell"}
	all := []string{"A-Doc", "AWS-GatherSoftwareInventory", "AWS-RunPowerShellScript", "AWS-RunShellScript", "Build-Doc",
		"Run-Two-Steps", "SSM-SessionManagerRunShell", "Zz-Session", "lower-doc"}
	tests := []struct {
		name    string
		filters []ssmtypes.DocumentKeyValuesFilter
		want    []string
	}{
		{"no filter", nil, all},
		{"Owner All", []ssmtypes.DocumentKeyValuesFilter{filter("Owner", "All")}, all},
		{"Owner Self", []ssmtypes.DocumentKeyValuesFilter{filter("Owner", "Self")}, []string{"A-Doc", "Build-Doc", "Run-Two-Steps", "Zz-Session", "lower-doc"}},
		{"Owner Amazon", []ssmtypes.DocumentKeyValuesFilter{filter("Owner", "Amazon")}, builtins},
		{"Name prefix", []ssmtypes.DocumentKeyValuesFilter{filter("Name", "AWS-Run")}, []string{"AWS-RunPowerShellScript", "AWS-RunShellScript"}},
		{"Name prefixes", []ssmtypes.DocumentKeyValuesFilter{filter("Name", "A-", "Zz", "l")}, []string{"A-Doc", "Zz-Session", "lower-doc"}},
		{"PlatformTypes Windows", []ssmtypes.DocumentKeyValuesFilter{filter("PlatformTypes", "Windows")},
			[]string{"AWS-GatherSoftwareInventory", "AWS-RunPowerShellScript", "SSM-SessionManagerRunShell", "Zz-Session", "lower-doc"}},
		{"PlatformTypes Linux", []ssmtypes.DocumentKeyValuesFilter{filter("PlatformTypes", "Linux")},
			[]string{"A-Doc", "AWS-GatherSoftwareInventory", "AWS-RunPowerShellScript", "AWS-RunShellScript", "Build-Doc", "Run-Two-Steps", "SSM-SessionManagerRunShell", "Zz-Session"}},
		{"DocumentType Session", []ssmtypes.DocumentKeyValuesFilter{filter("DocumentType", "Session")}, []string{"SSM-SessionManagerRunShell", "Zz-Session"}},
		{"Owner Self and DocumentType Command", []ssmtypes.DocumentKeyValuesFilter{filter("Owner", "Self"), filter("DocumentType", "Command")},
			[]string{"A-Doc", "Build-Doc", "Run-Two-Steps", "lower-doc"}},
		{"tag", []ssmtypes.DocumentKeyValuesFilter{filter("tag:team", "a")}, []string{"A-Doc"}},
		{"tag values", []ssmtypes.DocumentKeyValuesFilter{filter("tag:team", "a", "b")}, []string{"A-Doc", "lower-doc"}},
		{"tag and platform", []ssmtypes.DocumentKeyValuesFilter{filter("tag:team", "a", "b"), filter("PlatformTypes", "Windows")}, []string{"lower-doc"}},
		{"no match", []ssmtypes.DocumentKeyValuesFilter{filter("tag:team", "c")}, nil},
	}
	for _, tt := range tests {
		for _, size := range []int32{1, 2, 3, 0} {
			t.Run(fmt.Sprintf("%s/MaxResults %d", tt.name, size), func(t *testing.T) {
				in := &ssm.ListDocumentsInput{Filters: tt.filters}
				if size > 0 {
					in.MaxResults = aws.Int32(size)
				}
				var got []string
				for page := 0; ; page++ {
					if page > len(all)+1 {
						t.Fatalf("ListDocuments did not end after %d pages: %v", page, got)
					}
					out, err := c.ListDocuments(ctx, in)
					rcMust(t, "ListDocuments", err)
					if size > 0 && len(out.DocumentIdentifiers) > int(size) {
						t.Errorf("page %d has %d documents, want at most %d", page, len(out.DocumentIdentifiers), size)
					}
					for _, d := range out.DocumentIdentifiers {
						got = append(got, aws.ToString(d.Name))
					}
					if out.NextToken == nil {
						break
					}
					if len(out.DocumentIdentifiers) == 0 {
						t.Errorf("page %d is empty but has a NextToken", page)
					}
					in.NextToken = out.NextToken
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("ListDocuments = %v, want %v", got, tt.want)
				}
			})
		}
	}

	t.Run("identifiers", func(t *testing.T) {
		out, err := c.ListDocuments(ctx, &ssm.ListDocumentsInput{Filters: []ssmtypes.DocumentKeyValuesFilter{filter("Name", "A-Doc", "AWS-RunShellScript")}})
		rcMust(t, "ListDocuments", err)
		if len(out.DocumentIdentifiers) != 2 {
			t.Fatalf("ListDocuments = %d documents, want 2", len(out.DocumentIdentifiers))
		}
		own, b := out.DocumentIdentifiers[0], out.DocumentIdentifiers[1]
		if aws.ToString(own.Owner) != e.acct || aws.ToString(own.DocumentVersion) != "1" || own.DocumentFormat != ssmtypes.DocumentFormatJson ||
			own.DocumentType != ssmtypes.DocumentTypeCommand || aws.ToString(own.SchemaVersion) != "2.2" ||
			!slices.Equal(own.PlatformTypes, []ssmtypes.PlatformType{"Linux", "MacOS"}) || len(own.Tags) != 1 || own.CreatedDate == nil {
			t.Errorf("A-Doc = %+v", own)
		}
		if aws.ToString(b.Owner) != "Amazon" || aws.ToString(b.DocumentVersion) != "1" || b.DocumentFormat != ssmtypes.DocumentFormatJson || len(b.Tags) != 0 {
			t.Errorf("AWS-RunShellScript = %+v", b)
		}
	})

	t.Run("legacy filter list", func(t *testing.T) {
		out, err := c.ListDocuments(ctx, &ssm.ListDocumentsInput{DocumentFilterList: []ssmtypes.DocumentFilter{{Key: ssmtypes.DocumentFilterKeyOwner, Value: aws.String("Amazon")}}})
		var got []string
		if err == nil {
			for _, d := range out.DocumentIdentifiers {
				got = append(got, aws.ToString(d.Name))
			}
		}
		if err != nil || !slices.Equal(got, builtins) {
			t.Errorf("ListDocuments(DocumentFilterList Owner=Amazon) = %v, %v, want %v", got, err, builtins)
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, err := c.ListDocuments(ctx, &ssm.ListDocumentsInput{Filters: []ssmtypes.DocumentKeyValuesFilter{filter("Color", "blue")}})
		rcWantErr(t, "ListDocuments(filter Color)", err, "InvalidFilterKey") // the model's InvalidFilterKey has no message
		_, err = c.ListDocuments(ctx, &ssm.ListDocumentsInput{NextToken: aws.String("%%%")})
		rcWantErr(t, "ListDocuments(bad token)", err, "InvalidNextToken")
		_, err = c.ListDocuments(ctx, &ssm.ListDocumentsInput{Filters: []ssmtypes.DocumentKeyValuesFilter{filter("Owner", "Self")},
			DocumentFilterList: []ssmtypes.DocumentFilter{{Key: ssmtypes.DocumentFilterKeyOwner, Value: aws.String("Self")}}})
		rcWantErr(t, "ListDocuments(both filter lists)", err, "ValidationException")
	})
}

// typedDoc is a Command document with parameters of several types.
const typedDoc = `{
  "schemaVersion": "2.2",
  "parameters": {
    "count": {
      "type": "Integer",
      "default": 1
    },
    "verbose": {
      "type": "Boolean",
      "default": false
    },
    "mode": {
      "type": "String",
      "default": "fast",
      "allowedValues": [
        "fast",
        "slow"
      ]
    },
    "lines": {
      "type": "StringList"
    }
  },
  "mainSteps": [
    {
      "action": "aws:runShellScript",
      "name": "run",
      "inputs": {
        "runCommand": "{{ lines }}"
      }
    }
  ]
}`

// TestSendCommandErrors sends commands the API must refuse, each with its
// AWS error code, and commands to instances no agent runs on, which stay
// Pending until cancelled.
func TestSendCommandErrors(t *testing.T) {
	e := rcStart(t, false)
	ctx, c := e.ctx, e.ssm
	dev := e.register(t, map[string]string{"env": "dev"})
	prod := e.register(t, map[string]string{"env": "prod", "team": "db"})
	rg := resourcegroups.NewFromConfig(e.k.Config())
	_, err := rg.CreateGroup(ctx, &resourcegroups.CreateGroupInput{Name: aws.String("prod-group"), ResourceQuery: &rgtypes.ResourceQuery{
		Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(`{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["prod"]}]}`)}})
	rcMust(t, "CreateGroup(prod-group)", err)
	for name, content := range map[string]string{"Typed": typedDoc, "My-Session": sessionDoc} {
		docType := ssmtypes.DocumentTypeCommand
		if name == "My-Session" {
			docType = ssmtypes.DocumentTypeSession
		}
		_, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String(name), Content: aws.String(content), DocumentType: docType})
		rcMust(t, "CreateDocument("+name+")", err)
	}
	cmds := map[string][]string{"commands": {"true"}}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("mi-%017x", i)
	}
	unknown := "mi-0123456789abcdef0"
	for _, tc := range []struct {
		name string
		in   ssm.SendCommandInput
		code string
		msg  []string
	}{
		{"InstanceIds and Targets", ssm.SendCommandInput{InstanceIds: []string{dev}, Targets: tagTarget("env", "dev"), Parameters: cmds},
			"ValidationException", []string{"Targets", "InstanceIds"}},
		{"neither InstanceIds nor Targets", ssm.SendCommandInput{Parameters: cmds}, "ValidationException", []string{"InstanceIds"}},
		{"51 InstanceIds", ssm.SendCommandInput{InstanceIds: many, Parameters: cmds}, "ValidationException", []string{"50"}},
		{"duplicate instance", ssm.SendCommandInput{InstanceIds: []string{dev, prod, dev}, Parameters: cmds}, "DuplicateInstanceId", nil},
		{"unknown instance", ssm.SendCommandInput{InstanceIds: []string{dev, unknown}, Parameters: cmds}, "InvalidInstanceId", nil},
		{"malformed instance ID", ssm.SendCommandInput{InstanceIds: []string{"server-1"}, Parameters: cmds}, "ValidationException", []string{"server-1"}},
		{"targets matching nothing", ssm.SendCommandInput{Targets: tagTarget("env", "nowhere"), Parameters: cmds},
			"InvalidTarget", []string{"tag:env=nowhere", "match no managed instances"}},
		{"tags matching separately but not together", ssm.SendCommandInput{Targets: append(tagTarget("env", "dev"), tagTarget("team", "db")...), Parameters: cmds},
			"InvalidTarget", []string{"match no managed instances"}},
		{"InstanceIds target of an unknown instance", ssm.SendCommandInput{Targets: []ssmtypes.Target{{Key: aws.String("InstanceIds"), Values: []string{unknown}}}, Parameters: cmds},
			"InvalidTarget", []string{"match no managed instances"}},
		{"unknown resource group", ssm.SendCommandInput{Targets: []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"no-such-group"}}}, Parameters: cmds},
			"InvalidTarget", []string{"no-such-group", "does not exist"}},
		{"two resource groups in one target", ssm.SendCommandInput{Targets: []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"prod-group", "other"}}}, Parameters: cmds},
			"InvalidTarget", []string{"exactly one group"}},
		{"resource type filters without instances", ssm.SendCommandInput{Targets: []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"prod-group"}},
			{Key: aws.String("resource-groups:ResourceTypeFilters"), Values: []string{"AWS::S3::Bucket"}}}, Parameters: cmds},
			"InvalidTarget", []string{"AWS::SSM::ManagedInstance"}},
		{"bad target key", ssm.SendCommandInput{Targets: []ssmtypes.Target{{Key: aws.String("color"), Values: []string{"blue"}}}, Parameters: cmds},
			"InvalidTarget", []string{`"color"`, "not valid"}},
		{"tag target without values", ssm.SendCommandInput{Targets: []ssmtypes.Target{{Key: aws.String("tag:env")}}, Parameters: cmds},
			"InvalidTarget", []string{"tag:env needs at least one tag value"}},
		{"MaxConcurrency 0", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, MaxConcurrency: aws.String("0")}, "ValidationException", []string{"maxConcurrency"}},
		{"MaxConcurrency 101%", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, MaxConcurrency: aws.String("101%")}, "ValidationException", []string{"maxConcurrency"}},
		{"MaxConcurrency abc", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, MaxConcurrency: aws.String("abc")}, "ValidationException", []string{"maxConcurrency"}},
		{"MaxErrors -1", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, MaxErrors: aws.String("-1")}, "ValidationException", []string{"maxErrors"}},
		{"MaxErrors 101%", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, MaxErrors: aws.String("101%")}, "ValidationException", []string{"maxErrors"}},
		{"TimeoutSeconds 10", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, TimeoutSeconds: aws.Int32(10)}, "ValidationException", []string{"timeoutSeconds"}},
		{"unknown parameter", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: map[string][]string{"commands": {"true"}, "colour": {"red"}}},
			"InvalidParameters", []string{`parameter "colour" is not defined in the document`}},
		{"missing parameter", ssm.SendCommandInput{InstanceIds: []string{dev}}, "InvalidParameters", []string{`parameter "commands" is required`}},
		{"integer parameter not a number", ssm.SendCommandInput{DocumentName: aws.String("Typed"), InstanceIds: []string{dev},
			Parameters: map[string][]string{"lines": {"true"}, "count": {"many"}}}, "InvalidParameters", []string{`parameter "count": value must be an integer`}},
		{"boolean parameter not a boolean", ssm.SendCommandInput{DocumentName: aws.String("Typed"), InstanceIds: []string{dev},
			Parameters: map[string][]string{"lines": {"true"}, "verbose": {"yes"}}}, "InvalidParameters", []string{`parameter "verbose": value must be true or false`}},
		{"string parameter with two values", ssm.SendCommandInput{DocumentName: aws.String("Typed"), InstanceIds: []string{dev},
			Parameters: map[string][]string{"lines": {"true"}, "mode": {"fast", "slow"}}}, "InvalidParameters", []string{`parameter "mode": a String parameter takes exactly one value, got 2`}},
		{"value not allowed", ssm.SendCommandInput{DocumentName: aws.String("Typed"), InstanceIds: []string{dev},
			Parameters: map[string][]string{"lines": {"true"}, "mode": {"medium"}}}, "InvalidParameters", []string{`parameter "mode": value is not one of allowedValues [fast, slow]`}},
		{"executionTimeout out of its pattern", ssm.SendCommandInput{InstanceIds: []string{dev},
			Parameters: map[string][]string{"commands": {"true"}, "executionTimeout": {"0"}}}, "InvalidParameters", []string{`parameter "executionTimeout"`, "allowedPattern"}},
		{"Session document", ssm.SendCommandInput{DocumentName: aws.String("My-Session"), InstanceIds: []string{dev}}, "InvalidDocument", []string{"Session"}},
		{"unknown document", ssm.SendCommandInput{DocumentName: aws.String("No-Such-Doc"), InstanceIds: []string{dev}}, "InvalidDocument", []string{"No-Such-Doc"}},
		{"unknown document version", ssm.SendCommandInput{DocumentName: aws.String("Typed"), DocumentVersion: aws.String("5"), InstanceIds: []string{dev},
			Parameters: map[string][]string{"lines": {"true"}}}, "InvalidDocumentVersion", nil},
		{"document hash mismatch", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, DocumentHash: aws.String(sha256Hex("other"))},
			"InvalidDocument", []string{"DocumentHash"}},
		{"key prefix without bucket", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, OutputS3KeyPrefix: aws.String("logs/")}, "InvalidOutputFolder", nil},
		{"bad bucket name", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds, OutputS3BucketName: aws.String("Bad_Bucket")}, "InvalidOutputFolder", nil},
		{"notification without role", ssm.SendCommandInput{InstanceIds: []string{dev}, Parameters: cmds,
			NotificationConfig: &ssmtypes.NotificationConfig{NotificationArn: aws.String("arn:aws:sns:us-east-1:123456789012:topic")}}, "InvalidRole", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.DocumentName == nil {
				in.DocumentName = aws.String("AWS-RunShellScript")
			}
			_, err := c.SendCommand(ctx, &in)
			rcWantErr(t, "SendCommand("+tc.name+")", err, tc.code, tc.msg...)
		})
	}
	list, err := c.ListCommands(ctx, &ssm.ListCommandsInput{})
	if err != nil || len(list.Commands) != 0 {
		t.Errorf("ListCommands after refused commands = %d commands, %v; want none", len(list.Commands), err)
	}

	t.Run("targets resolve", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			targets []ssmtypes.Target
			want    []string
		}{
			{"tag", tagTarget("env", "prod"), []string{prod}},
			{"tag values", tagTarget("env", "prod", "dev"), []string{dev, prod}},
			{"tag-key", []ssmtypes.Target{{Key: aws.String("tag-key"), Values: []string{"team"}}}, []string{prod}},
			{"resource group", []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"prod-group"}}}, []string{prod}},
			{"resource group by ARN", []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{e.k.Server.ARN("resource-groups", "group/prod-group")}}}, []string{prod}},
			{"resource group of managed instances", []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"prod-group"}},
				{Key: aws.String("resource-groups:ResourceTypeFilters"), Values: []string{"AWS::SSM::ManagedInstance"}}}, []string{prod}},
			{"InstanceIds", []ssmtypes.Target{{Key: aws.String("InstanceIds"), Values: []string{dev, prod}}}, []string{dev, prod}},
			{"InstanceIds and tag", []ssmtypes.Target{{Key: aws.String("InstanceIds"), Values: []string{dev, prod}}, {Key: aws.String("tag:env"), Values: []string{"dev"}}}, []string{dev}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := shell(tc.targets, "true")
				out, err := c.SendCommand(ctx, in)
				rcMust(t, "SendCommand", err)
				if out.Command.TargetCount != int32(len(tc.want)) || out.Command.Status != ssmtypes.CommandStatusPending {
					t.Errorf("SendCommand = %d targets %s, want %d Pending", out.Command.TargetCount, out.Command.Status, len(tc.want))
				}
				// ListCommands shows the targets the command was sent with.
				listed := e.command(t, aws.ToString(out.Command.CommandId))
				if diff := cmp.Diff(tc.targets, listed.Targets, ignoreUnexported); diff != "" || len(listed.InstanceIds) != 0 {
					t.Errorf("ListCommands Targets (-sent +listed):\n%s\nInstanceIds %v", diff, listed.InstanceIds)
				}
				invs, err := c.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{CommandId: out.Command.CommandId})
				rcMust(t, "ListCommandInvocations", err)
				var got []string
				for _, inv := range invs.CommandInvocations {
					got = append(got, aws.ToString(inv.InstanceId))
				}
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("invocations on %v, want %v", got, want)
				}
				_, err = c.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: out.Command.CommandId})
				rcMust(t, "CancelCommand", err)
			})
		}
	})

	t.Run("pending command", func(t *testing.T) {
		out, err := c.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{prod},
			Parameters: map[string][]string{"commands": {"echo a", "echo b"}}, Comment: aws.String("offline"), TimeoutSeconds: aws.Int32(600),
			MaxConcurrency: aws.String("10%"), MaxErrors: aws.String("1"), OutputS3BucketName: aws.String("my-output"), OutputS3KeyPrefix: aws.String("runs")})
		rcMust(t, "SendCommand", err)
		cm := out.Command
		if len(aws.ToString(cm.CommandId)) != 36 || aws.ToString(cm.DocumentName) != "AWS-RunShellScript" || aws.ToString(cm.DocumentVersion) != "1" ||
			aws.ToString(cm.Comment) != "offline" || cm.Status != ssmtypes.CommandStatusPending || aws.ToString(cm.StatusDetails) != "Pending" ||
			!slices.Equal(cm.InstanceIds, []string{prod}) || len(cm.Targets) != 0 || cm.TargetCount != 1 || cm.CompletedCount != 0 ||
			aws.ToString(cm.MaxConcurrency) != "10%" || aws.ToString(cm.MaxErrors) != "1" || cm.TimeoutSeconds == nil || *cm.TimeoutSeconds != 600 ||
			aws.ToString(cm.OutputS3BucketName) != "my-output" || aws.ToString(cm.OutputS3KeyPrefix) != "runs" ||
			aws.ToString(cm.OutputS3Region) != e.k.Server.Region() || !slices.Equal(cm.Parameters["commands"], []string{"echo a", "echo b"}) ||
			cm.ExpiresAfter == nil || cm.RequestedDateTime == nil || cm.ExpiresAfter.Sub(*cm.RequestedDateTime) != 600*time.Second {
			t.Errorf("SendCommand = %+v", cm)
		}
		listed := e.command(t, aws.ToString(cm.CommandId))
		if diff := cmp.Diff(*cm, listed, ignoreUnexported); diff != "" {
			t.Errorf("ListCommands differs from SendCommand's command (-sent +listed):\n%s", diff)
		}
		invs, err := c.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{CommandId: cm.CommandId, Details: true})
		rcMust(t, "ListCommandInvocations", err)
		if len(invs.CommandInvocations) != 1 {
			t.Fatalf("ListCommandInvocations = %d invocations, want 1", len(invs.CommandInvocations))
		}
		inv := invs.CommandInvocations[0]
		if aws.ToString(inv.InstanceId) != prod || inv.Status != ssmtypes.CommandInvocationStatusPending || aws.ToString(inv.StatusDetails) != "Pending" ||
			aws.ToString(inv.InstanceName) != "offline-host" || aws.ToString(inv.Comment) != "offline" || len(inv.CommandPlugins) != 1 ||
			aws.ToString(inv.CommandPlugins[0].Name) != "runShellScript" || inv.CommandPlugins[0].Status != ssmtypes.CommandPluginStatusPending ||
			inv.CommandPlugins[0].ResponseCode != -1 {
			t.Errorf("pending invocation = %+v, plugins %+v", inv, inv.CommandPlugins)
		}
		got, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: cm.CommandId, InstanceId: aws.String(prod)})
		rcMust(t, "GetCommandInvocation", err)
		if got.Status != ssmtypes.CommandInvocationStatusPending || aws.ToString(got.StatusDetails) != "Pending" || got.ResponseCode != -1 ||
			aws.ToString(got.PluginName) != "runShellScript" || aws.ToString(got.StandardOutputContent) != "" || aws.ToString(got.ExecutionElapsedTime) != "" {
			t.Errorf("GetCommandInvocation(pending) = %+v", got)
		}
		_, err = c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: cm.CommandId, InstanceId: aws.String(dev)})
		rcWantErr(t, "GetCommandInvocation(instance not targeted)", err, "InvocationDoesNotExist")
		_, err = c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: cm.CommandId, InstanceId: aws.String(prod), PluginName: aws.String("other")})
		rcWantErr(t, "GetCommandInvocation(unknown plugin)", err, "InvalidPluginName")
		_, err = c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String("00000000-0000-0000-0000-000000000000"), InstanceId: aws.String(prod)})
		rcWantErr(t, "GetCommandInvocation(unknown command)", err, "InvalidCommandId")
		_, err = c.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: cm.CommandId, InstanceIds: []string{dev}})
		rcWantErr(t, "CancelCommand(instance not targeted)", err, "InvalidInstanceId")
		_, err = c.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: cm.CommandId, InstanceIds: []string{prod}})
		rcMust(t, "CancelCommand", err)
		done := e.command(t, aws.ToString(cm.CommandId))
		if done.Status != ssmtypes.CommandStatusCancelled || aws.ToString(done.StatusDetails) != "Cancelled" || done.CompletedCount != 1 || done.ErrorCount != 0 {
			t.Errorf("cancelled command = %s (%s), %d completed, %d errors", done.Status, aws.ToString(done.StatusDetails), done.CompletedCount, done.ErrorCount)
		}
		got, err = c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: cm.CommandId, InstanceId: aws.String(prod)})
		if err != nil || got.Status != ssmtypes.CommandInvocationStatusCancelled || aws.ToString(got.StatusDetails) != "Cancelled" {
			t.Errorf("GetCommandInvocation(cancelled) = %+v, %v", got, err)
		}
	})
}

// elapsedPattern is ExecutionElapsedTime's format.
var elapsedPattern = regexp.MustCompile(`^PT[0-9]+\.[0-9]{3}S$`)

// invocations lists a command's invocations with their steps.
func (e *rcEnv) invocations(t *testing.T, id string) []ssmtypes.CommandInvocation {
	t.Helper()
	out, err := e.ssm.ListCommandInvocations(e.ctx, &ssm.ListCommandInvocationsInput{CommandId: aws.String(id), Details: true})
	rcMust(t, "ListCommandInvocations "+id, err)
	return out.CommandInvocations
}

// TestRunCommandLocalAgent runs commands on kanri dev's own instance
// (tagged env=dev), whose agent runs real shell commands: targeted by tag
// and by resource group, failing, with two steps, cancelled, and found
// again with ListCommands' filters and pages.
func TestRunCommandLocalAgent(t *testing.T) {
	e := rcStart(t, true)
	ctx, c := e.ctx, e.ssm
	local := e.localInstance(t)
	start := time.Now().UTC()
	var success, failed []string // command IDs, oldest first

	t.Run("by tag", func(t *testing.T) {
		id := e.send(t, shell(tagTarget("env", "dev"), "echo hello", "printf 'x=%s\\n' 42"))
		success = append(success, id)
		cm := e.wait(t, id)
		if cm.Status != ssmtypes.CommandStatusSuccess || aws.ToString(cm.StatusDetails) != "Success" || cm.TargetCount != 1 ||
			cm.CompletedCount != 1 || cm.ErrorCount != 0 || cm.DeliveryTimedOutCount != 0 {
			t.Errorf("command = %s (%s), %d targets, %d completed, %d errors, %d delivery timeouts; want Success, 1, 1, 0, 0",
				cm.Status, aws.ToString(cm.StatusDetails), cm.TargetCount, cm.CompletedCount, cm.ErrorCount, cm.DeliveryTimedOutCount)
		}
		invs := e.invocations(t, id)
		if len(invs) != 1 || len(invs[0].CommandPlugins) != 1 {
			t.Fatalf("invocations = %+v, want one with one plugin", invs)
		}
		inv, pl := invs[0], invs[0].CommandPlugins[0]
		if aws.ToString(inv.InstanceId) != local || inv.Status != ssmtypes.CommandInvocationStatusSuccess || aws.ToString(inv.StatusDetails) != "Success" ||
			aws.ToString(inv.DocumentName) != "AWS-RunShellScript" || aws.ToString(inv.DocumentVersion) != "1" {
			t.Errorf("invocation = %+v", inv)
		}
		if aws.ToString(pl.Name) != "runShellScript" || pl.Status != ssmtypes.CommandPluginStatusSuccess || aws.ToString(pl.StatusDetails) != "Success" ||
			pl.ResponseCode != 0 || aws.ToString(pl.Output) != "hello\nx=42\n" || pl.ResponseStartDateTime == nil || pl.ResponseFinishDateTime == nil ||
			pl.ResponseFinishDateTime.Before(*pl.ResponseStartDateTime) || aws.ToString(pl.StandardOutputUrl) != "" {
			t.Errorf("plugin = %s %s (%s) code %d output %q, started %v ended %v, url %q", aws.ToString(pl.Name), pl.Status, aws.ToString(pl.StatusDetails),
				pl.ResponseCode, aws.ToString(pl.Output), pl.ResponseStartDateTime, pl.ResponseFinishDateTime, aws.ToString(pl.StandardOutputUrl))
		}
		for _, plugin := range []*string{nil, aws.String("runShellScript"), aws.String("aws:runShellScript")} {
			got, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local), PluginName: plugin})
			rcMust(t, "GetCommandInvocation", err)
			if got.Status != ssmtypes.CommandInvocationStatusSuccess || aws.ToString(got.StatusDetails) != "Success" || got.ResponseCode != 0 ||
				aws.ToString(got.StandardOutputContent) != "hello\nx=42\n" || aws.ToString(got.StandardErrorContent) != "" ||
				aws.ToString(got.PluginName) != "runShellScript" || !elapsedPattern.MatchString(aws.ToString(got.ExecutionElapsedTime)) ||
				aws.ToString(got.DocumentName) != "AWS-RunShellScript" || aws.ToString(got.InstanceId) != local || aws.ToString(got.CommandId) != id {
				t.Errorf("GetCommandInvocation(PluginName %v) = %s (%s) code %d stdout %q stderr %q plugin %q elapsed %q", aws.ToString(plugin), got.Status,
					aws.ToString(got.StatusDetails), got.ResponseCode, aws.ToString(got.StandardOutputContent), aws.ToString(got.StandardErrorContent),
					aws.ToString(got.PluginName), aws.ToString(got.ExecutionElapsedTime))
			}
			st, err1 := time.Parse("2006-01-02T15:04:05.000Z", aws.ToString(got.ExecutionStartDateTime))
			en, err2 := time.Parse("2006-01-02T15:04:05.000Z", aws.ToString(got.ExecutionEndDateTime))
			if err1 != nil || err2 != nil || en.Before(st) || st.Before(start.Truncate(time.Millisecond)) {
				t.Errorf("ExecutionStartDateTime %q, ExecutionEndDateTime %q: want times since %v", aws.ToString(got.ExecutionStartDateTime),
					aws.ToString(got.ExecutionEndDateTime), start)
			}
		}
	})

	t.Run("by resource group", func(t *testing.T) {
		rg := resourcegroups.NewFromConfig(e.k.Config())
		_, err := rg.CreateGroup(ctx, &resourcegroups.CreateGroupInput{Name: aws.String("dev-servers"), ResourceQuery: &rgtypes.ResourceQuery{
			Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(`{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["dev"]}]}`)}})
		rcMust(t, "CreateGroup", err)
		id := e.send(t, shell([]ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"dev-servers"}}}, "echo from the group"))
		success = append(success, id)
		if cm := e.wait(t, id); cm.Status != ssmtypes.CommandStatusSuccess || cm.TargetCount != 1 {
			t.Errorf("command = %s, %d targets; want Success, 1", cm.Status, cm.TargetCount)
		}
		got, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local)})
		if err != nil || aws.ToString(got.StandardOutputContent) != "from the group\n" || got.ResponseCode != 0 {
			t.Errorf("GetCommandInvocation = %+v, %v", got, err)
		}
	})

	t.Run("failure", func(t *testing.T) {
		id := e.send(t, shell(tagTarget("env", "dev"), "echo out", "echo err >&2", "exit 3"))
		failed = append(failed, id)
		cm := e.wait(t, id)
		if cm.Status != ssmtypes.CommandStatusFailed || aws.ToString(cm.StatusDetails) != "Failed" || cm.CompletedCount != 1 || cm.ErrorCount != 1 {
			t.Errorf("command = %s (%s), %d completed, %d errors; want Failed (Failed), 1, 1", cm.Status, aws.ToString(cm.StatusDetails), cm.CompletedCount, cm.ErrorCount)
		}
		invs := e.invocations(t, id)
		if len(invs) != 1 || len(invs[0].CommandPlugins) != 1 {
			t.Fatalf("invocations = %+v", invs)
		}
		pl := invs[0].CommandPlugins[0]
		if invs[0].Status != ssmtypes.CommandInvocationStatusFailed || pl.Status != ssmtypes.CommandPluginStatusFailed || pl.ResponseCode != 3 ||
			aws.ToString(pl.Output) != "out\n\n----------ERROR-------\nerr\n" {
			t.Errorf("invocation %s, plugin %s code %d output %q", invs[0].Status, pl.Status, pl.ResponseCode, aws.ToString(pl.Output))
		}
		got, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local)})
		if err != nil || got.Status != ssmtypes.CommandInvocationStatusFailed || aws.ToString(got.StatusDetails) != "Failed" || got.ResponseCode != 3 ||
			aws.ToString(got.StandardOutputContent) != "out\n" || aws.ToString(got.StandardErrorContent) != "err\n" {
			t.Errorf("GetCommandInvocation = %+v, %v", got, err)
		}
		// Within MaxErrors the command is Failed but Incomplete.
		in := shell(tagTarget("env", "dev"), "exit 1")
		in.MaxErrors = aws.String("1")
		id = e.send(t, in)
		failed = append(failed, id)
		if cm := e.wait(t, id); cm.Status != ssmtypes.CommandStatusFailed || aws.ToString(cm.StatusDetails) != "Incomplete" || cm.ErrorCount != 1 {
			t.Errorf("command with MaxErrors 1 = %s (%s), %d errors; want Failed (Incomplete), 1", cm.Status, aws.ToString(cm.StatusDetails), cm.ErrorCount)
		}
	})

	t.Run("two steps", func(t *testing.T) {
		_, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Run-Two-Steps"), Content: aws.String(twoStepsDoc)})
		rcMust(t, "CreateDocument", err)
		id := e.send(t, &ssm.SendCommandInput{DocumentName: aws.String("Run-Two-Steps"), Targets: tagTarget("env", "dev")})
		success = append(success, id)
		if cm := e.wait(t, id); cm.Status != ssmtypes.CommandStatusSuccess || aws.ToString(cm.DocumentName) != "Run-Two-Steps" || aws.ToString(cm.DocumentVersion) != "1" {
			t.Errorf("command = %s %s v%s", cm.Status, aws.ToString(cm.DocumentName), aws.ToString(cm.DocumentVersion))
		}
		_, err = c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local)})
		rcWantErr(t, "GetCommandInvocation(two steps, no PluginName)", err, "InvalidPluginName")
		_, err = c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local), PluginName: aws.String("aws:runShellScript")})
		rcWantErr(t, "GetCommandInvocation(action as PluginName)", err, "InvalidPluginName")
		for _, st := range []struct{ name, stdout, stderr string }{{"first", "one\n", ""}, {"second", "three\n", "two\n"}} {
			got, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local), PluginName: aws.String(st.name)})
			if err != nil || aws.ToString(got.PluginName) != st.name || got.Status != ssmtypes.CommandInvocationStatusSuccess || got.ResponseCode != 0 ||
				aws.ToString(got.StandardOutputContent) != st.stdout || aws.ToString(got.StandardErrorContent) != st.stderr ||
				!elapsedPattern.MatchString(aws.ToString(got.ExecutionElapsedTime)) {
				t.Errorf("GetCommandInvocation(%s) = %+v, %v; want stdout %q stderr %q", st.name, got, err, st.stdout, st.stderr)
			}
		}
		invs := e.invocations(t, id)
		var plugins []string
		for _, pl := range invs[0].CommandPlugins {
			plugins = append(plugins, fmt.Sprintf("%s %s %d %q", aws.ToString(pl.Name), pl.Status, pl.ResponseCode, aws.ToString(pl.Output)))
		}
		want := []string{`first Success 0 "one\n"`, `second Success 0 "three\n\n----------ERROR-------\ntwo\n"`}
		if !slices.Equal(plugins, want) {
			t.Errorf("plugins = %q, want %q", plugins, want)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		id := e.send(t, shell(tagTarget("env", "dev"), "echo started", "sleep 60"))
		rcEventually(t, "the command to start", 20*time.Second, func() bool {
			invs := e.invocations(t, id)
			return len(invs) == 1 && invs[0].Status == ssmtypes.CommandInvocationStatusInProgress
		})
		_, err := c.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: aws.String(id)})
		rcMust(t, "CancelCommand", err)
		cm := e.wait(t, id)
		invs := e.invocations(t, id)
		if cm.Status != ssmtypes.CommandStatusCancelled || aws.ToString(cm.StatusDetails) != "Cancelled" || len(invs) != 1 ||
			invs[0].Status != ssmtypes.CommandInvocationStatusCancelled || aws.ToString(invs[0].StatusDetails) != "Cancelled" {
			t.Errorf("cancelled command = %s (%s), invocations %+v", cm.Status, aws.ToString(cm.StatusDetails), invs)
		}
		_, err = c.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: aws.String("00000000-0000-0000-0000-000000000000")})
		rcWantErr(t, "CancelCommand(unknown)", err, "InvalidCommandId")
	})

	t.Run("list commands", func(t *testing.T) {
		if t.Failed() || len(success) != 3 || len(failed) != 2 {
			t.Skipf("needs the commands above (%d succeeded, %d failed)", len(success), len(failed))
		}
		ids := func(in *ssm.ListCommandsInput) []string {
			t.Helper()
			var got []string
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatalf("ListCommands did not end: %v", got)
				}
				out, err := c.ListCommands(ctx, in)
				rcMust(t, "ListCommands", err)
				if in.MaxResults != nil && len(out.Commands) > int(*in.MaxResults) {
					t.Errorf("page of %d commands, want at most %d", len(out.Commands), *in.MaxResults)
				}
				for _, cm := range out.Commands {
					got = append(got, aws.ToString(cm.CommandId))
				}
				if out.NextToken == nil {
					return got
				}
				in.NextToken = out.NextToken
			}
		}
		all := ids(&ssm.ListCommandsInput{})
		if len(all) != 6 {
			t.Fatalf("ListCommands = %d commands, want 6", len(all))
		}
		cancelled := all[0]
		// Newest first: the order they were sent in, reversed.
		sent := []string{success[0], success[1], failed[0], failed[1], success[2], cancelled}
		newestFirst := slices.Clone(sent)
		slices.Reverse(newestFirst)
		if !slices.Equal(all, newestFirst) {
			t.Errorf("ListCommands = %v, want newest first %v", all, newestFirst)
		}
		for _, size := range []int32{1, 2, 4} {
			if got := ids(&ssm.ListCommandsInput{MaxResults: aws.Int32(size)}); !slices.Equal(got, newestFirst) {
				t.Errorf("ListCommands(MaxResults %d) = %v, want %v", size, got, newestFirst)
			}
		}
		f := func(k, v string) ssmtypes.CommandFilter {
			return ssmtypes.CommandFilter{Key: ssmtypes.CommandFilterKey(k), Value: aws.String(v)}
		}
		// The request time of the third command splits them.
		third := e.command(t, sent[2])
		after := third.RequestedDateTime.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
		for _, tc := range []struct {
			name    string
			filters []ssmtypes.CommandFilter
			want    []string
		}{
			{"Status Success", []ssmtypes.CommandFilter{f("Status", "Success")}, []string{success[2], success[1], success[0]}},
			{"Status Failed", []ssmtypes.CommandFilter{f("Status", "Failed")}, []string{failed[1], failed[0]}},
			{"Status Cancelled", []ssmtypes.CommandFilter{f("Status", "Cancelled")}, []string{cancelled}},
			{"Status Pending", []ssmtypes.CommandFilter{f("Status", "Pending")}, nil},
			{"DocumentName", []ssmtypes.CommandFilter{f("DocumentName", "Run-Two-Steps")}, []string{success[2]}},
			{"DocumentName and Status", []ssmtypes.CommandFilter{f("DocumentName", "AWS-RunShellScript"), f("Status", "Success")}, []string{success[1], success[0]}},
			{"InvokedAfter", []ssmtypes.CommandFilter{f("InvokedAfter", after)}, newestFirst[:4]},
			{"InvokedBefore", []ssmtypes.CommandFilter{f("InvokedBefore", after)}, newestFirst[4:]},
			{"InvokedAfter the start", []ssmtypes.CommandFilter{f("InvokedAfter", start.Add(-time.Second).Format(time.RFC3339))}, newestFirst},
			{"InvokedBefore the start", []ssmtypes.CommandFilter{f("InvokedBefore", start.Add(-time.Second).Format(time.RFC3339))}, nil},
			{"ExecutionStage Complete", []ssmtypes.CommandFilter{f("ExecutionStage", "Complete")}, newestFirst},
			{"ExecutionStage Executing", []ssmtypes.CommandFilter{f("ExecutionStage", "Executing")}, nil},
		} {
			for _, size := range []int32{1, 50} {
				got := ids(&ssm.ListCommandsInput{Filters: tc.filters, MaxResults: aws.Int32(size)})
				if !slices.Equal(got, tc.want) {
					t.Errorf("ListCommands(%s, MaxResults %d) = %v, want %v", tc.name, size, got, tc.want)
				}
			}
		}
		if got := ids(&ssm.ListCommandsInput{InstanceId: aws.String(local)}); !slices.Equal(got, newestFirst) {
			t.Errorf("ListCommands(InstanceId) = %v, want %v", got, newestFirst)
		}
		one := ids(&ssm.ListCommandsInput{CommandId: aws.String(success[0])})
		if !slices.Equal(one, []string{success[0]}) {
			t.Errorf("ListCommands(CommandId) = %v", one)
		}
		_, err := c.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: aws.String("00000000-0000-0000-0000-000000000000")})
		rcWantErr(t, "ListCommands(unknown CommandId)", err, "InvalidCommandId")
		_, err = c.ListCommands(ctx, &ssm.ListCommandsInput{NextToken: aws.String("bogus")})
		rcWantErr(t, "ListCommands(bad token)", err, "InvalidNextToken")
		_, err = c.ListCommands(ctx, &ssm.ListCommandsInput{Filters: []ssmtypes.CommandFilter{f("InvokedAfter", "last week")}})
		rcWantErr(t, "ListCommands(InvokedAfter last week)", err, "ValidationException")
		_, err = c.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{Filters: []ssmtypes.CommandFilter{f("ExecutionStage", "Complete")}})
		rcWantErr(t, "ListCommandInvocations(ExecutionStage)", err, "InvalidFilterKey")

		// Every invocation on the instance, one per page.
		var invs []string
		in := &ssm.ListCommandInvocationsInput{InstanceId: aws.String(local), MaxResults: aws.Int32(1)}
		for page := 0; page < 10; page++ {
			out, err := c.ListCommandInvocations(ctx, in)
			rcMust(t, "ListCommandInvocations", err)
			for _, inv := range out.CommandInvocations {
				invs = append(invs, aws.ToString(inv.CommandId))
				if len(inv.CommandPlugins) != 0 {
					t.Errorf("invocation without Details has %d plugins, want none", len(inv.CommandPlugins))
				}
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if !slices.Equal(invs, newestFirst) {
			t.Errorf("ListCommandInvocations(InstanceId, MaxResults 1) = %v, want %v", invs, newestFirst)
		}
		out, err := c.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{Filters: []ssmtypes.CommandFilter{f("Status", "Failed")}})
		var gotFailed []string
		if err == nil {
			for _, inv := range out.CommandInvocations {
				gotFailed = append(gotFailed, aws.ToString(inv.CommandId))
			}
		}
		if err != nil || !slices.Equal(gotFailed, []string{failed[1], failed[0]}) {
			t.Errorf("ListCommandInvocations(Status Failed) = %v, %v, want %v", gotFailed, err, []string{failed[1], failed[0]})
		}
	})

	// SSM documents more Status filter values than the CommandStatus and
	// CommandInvocationStatus enums: ListCommands also takes
	// DeliveryTimedOut, ExecutionTimedOut, Incomplete, NoInstancesInTag,
	// LimitExceeded and AccessDenied; ListCommandInvocations also takes
	// Delayed, Undeliverable, InvalidPlatform, Terminated, ….
	t.Run("documented status filter values", func(t *testing.T) {
		if len(failed) != 2 {
			t.Skip("needs the failed commands above")
		}
		out, err := c.ListCommands(ctx, &ssm.ListCommandsInput{Filters: []ssmtypes.CommandFilter{
			{Key: ssmtypes.CommandFilterKeyStatus, Value: aws.String("Incomplete")}}})
		if err != nil || len(out.Commands) != 1 || aws.ToString(out.Commands[0].CommandId) != failed[1] {
			t.Errorf("ListCommands(Status Incomplete) = %+v, %v; want the command Failed (Incomplete) %s", out, err, failed[1])
		}
		for _, v := range []string{"Delayed", "Undeliverable", "Terminated", "DeliveryTimedOut", "ExecutionTimedOut"} {
			out, err := c.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{Filters: []ssmtypes.CommandFilter{
				{Key: ssmtypes.CommandFilterKeyStatus, Value: aws.String(v)}}})
			if err != nil || len(out.CommandInvocations) != 0 {
				t.Errorf("ListCommandInvocations(Status %s) = %+v, %v; want no invocations and no error", v, out, err)
			}
		}
	})
}

// TestSendCommandAuthorization checks the instances Targets resolve to
// against the caller's policies: a user may send commands only to
// instances tagged env=prod (ssm:resourceTag/env).
func TestSendCommandAuthorization(t *testing.T) {
	e := rcStart(t, true)
	ctx := e.ctx
	local := e.localInstance(t)
	prod := e.register(t, map[string]string{"env": "prod"})
	admin := iam.NewFromConfig(e.k.Config())
	region := e.k.Server.Region()
	docARN := "arn:aws:ssm:" + region + "::document/AWS-RunShellScript"
	instances := "arn:aws:ssm:" + region + ":" + e.acct + ":managed-instance/*"
	user := func(name string, statements ...string) *ssm.Client {
		_, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		rcMust(t, "CreateUser", err)
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
		_, err = admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
		rcMust(t, "PutUserPolicy", err)
		key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		rcMust(t, "CreateAccessKey", err)
		return ssm.NewFromConfig(e.k.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	}
	onDocument := fmt.Sprintf(`{"Effect":"Allow","Action":"ssm:SendCommand","Resource":%q}`, docARN)
	onProd := fmt.Sprintf(`{"Effect":"Allow","Action":"ssm:SendCommand","Resource":%q,"Condition":{"StringEquals":{"ssm:resourceTag/env":"prod"}}}`, instances)
	prodOnly := user("prod-operator", onDocument, onProd)
	documentOnly := user("document-only", onDocument)
	instancesOnly := user("instances-only", onProd)
	rg := resourcegroups.NewFromConfig(e.k.Config())
	_, err := rg.CreateGroup(ctx, &resourcegroups.CreateGroupInput{Name: aws.String("dev-servers"), ResourceQuery: &rgtypes.ResourceQuery{
		Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(`{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["dev"]}]}`)}})
	rcMust(t, "CreateGroup", err)

	for _, tc := range []struct {
		name    string
		client  *ssm.Client
		in      *ssm.SendCommandInput
		allowed bool
		msg     []string
	}{
		{"targets resolving to the env=dev instance", prodOnly, shell(tagTarget("env", "dev"), "true"), false,
			[]string{"ssm:SendCommand", "managed-instance/" + local}},
		{"targets resolving to the env=prod instance", prodOnly, shell(tagTarget("env", "prod"), "true"), true, nil},
		{"targets resolving to both", prodOnly, shell([]ssmtypes.Target{{Key: aws.String("tag-key"), Values: []string{"env"}}}, "true"), false,
			[]string{"managed-instance/" + local}},
		{"resource group of the env=dev instance", prodOnly, shell([]ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"dev-servers"}}}, "true"), false,
			[]string{"managed-instance/" + local}},
		{"InstanceIds naming the env=dev instance", prodOnly, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
			Parameters: map[string][]string{"commands": {"true"}}}, false, []string{"managed-instance/" + local}},
		{"InstanceIds naming the env=prod instance", prodOnly, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{prod},
			Parameters: map[string][]string{"commands": {"true"}}}, true, nil},
		{"document alone, targets", documentOnly, shell(tagTarget("env", "prod"), "true"), false, []string{"managed-instance/" + prod}},
		{"document alone, InstanceIds", documentOnly, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{prod},
			Parameters: map[string][]string{"commands": {"true"}}}, false, []string{"managed-instance/" + prod}},
		{"instances alone", instancesOnly, shell(tagTarget("env", "prod"), "true"), false, []string{"document/AWS-RunShellScript"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.allCommands(t))
			out, err := tc.client.SendCommand(ctx, tc.in)
			after := len(e.allCommands(t))
			if tc.allowed {
				if err != nil || out.Command.TargetCount != 1 || after != before+1 {
					t.Errorf("SendCommand = %v (%d commands before, %d after), want a command to 1 instance", err, before, after)
				} else {
					_, err := e.ssm.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: out.Command.CommandId})
					rcMust(t, "CancelCommand", err)
				}
				return
			}
			rcWantErr(t, "SendCommand", err, "AccessDeniedException", tc.msg...)
			if after != before {
				t.Errorf("a denied SendCommand made a command: %d commands before, %d after", before, after)
			}
		})
	}
}

// allCommands returns every command's ID.
func (e *rcEnv) allCommands(t *testing.T) []string {
	t.Helper()
	var ids []string
	p := ssm.NewListCommandsPaginator(e.ssm, &ssm.ListCommandsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		rcMust(t, "ListCommands", err)
		for _, c := range page.Commands {
			ids = append(ids, aws.ToString(c.CommandId))
		}
	}
	return ids
}

// ignoreUnexported ignores the SDK's unexported noSmithyDocumentSerde
// fields.
var ignoreUnexported = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() != "" && strings.ToLower(sf.Name()[:1]) == sf.Name()[:1]
}, cmp.Ignore())

// TestCommandListingForgedTokens sends NextTokens that decode but name
// no command: each listing answers InvalidNextToken, never a 500.
func TestCommandListingForgedTokens(t *testing.T) {
	e := rcStart(t, false)
	ctx, c := e.ctx, e.ssm
	forged := func(parts ...string) *string {
		return aws.String(base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00"))))
	}
	_, err := c.ListCommands(ctx, &ssm.ListCommandsInput{NextToken: forged("bogus")})
	rcWantErr(t, "ListCommands(forged token)", err, "InvalidNextToken")
	_, err = c.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{NextToken: forged("bogus", "mi-00000000000000001")})
	rcWantErr(t, "ListCommandInvocations(forged token)", err, "InvalidNextToken")
	_, err = c.ListCommands(ctx, &ssm.ListCommandsInput{NextToken: aws.String("%%%")})
	rcWantErr(t, "ListCommands(undecodable token)", err, "InvalidNextToken")
	_, err = c.ListDocuments(ctx, &ssm.ListDocumentsInput{Filters: []ssmtypes.DocumentKeyValuesFilter{{Key: aws.String("Owner"), Values: []string{}}}})
	rcWantErr(t, "ListDocuments(Owner with no values)", err, "ValidationException", "Value '[]' at 'Filters.Owner.Values'", "at least one value")
}
