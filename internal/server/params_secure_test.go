// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) contains(v []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.b.Bytes(), v)
}

// randomSecret returns a value that appears nowhere by chance.
func randomSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "secret-" + hex.EncodeToString(b)
}

// TestParamsSecureStringAtRest writes SecureString values (under the AWS
// managed key and a customer key), reads them back decrypted, and finds
// the plaintext in no file of the data dir, no PostgreSQL dump and no log
// line, at debug level.
func TestParamsSecureStringAtRest(t *testing.T) {
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		t.Run(engine, func(t *testing.T) {
			var opts kanritest.Options
			var dbURL string
			if engine == "PostgreSQL" {
				dbURL = storetest.Postgres(t).URL
				opts.DatabaseURL = dbURL
			}
			logs := &syncBuffer{}
			opts.Log, opts.DataDir = logs, t.TempDir()
			k := kanritest.Start(t, opts)
			ctx, c := context.Background(), ssm.NewFromConfig(k.Config())
			key, err := kms.NewFromConfig(k.Config()).CreateKey(ctx, &kms.CreateKeyInput{})
			wantOK(t, "CreateKey", err)
			secrets := map[string]string{"/hybrid/activation/code": randomSecret(), "/hybrid/activation/id": randomSecret()}
			keyIDs := map[string]*string{"/hybrid/activation/code": nil, "/hybrid/activation/id": key.KeyMetadata.KeyId}
			for name, v := range secrets {
				_, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(v), Type: ssmtypes.ParameterTypeSecureString,
					KeyId: keyIDs[name]})
				wantOK(t, "PutParameter("+name+")", err)
				plain, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
				if err != nil || aws.ToString(plain.Parameter.Value) == v || aws.ToString(plain.Parameter.Value) == "" {
					t.Errorf("GetParameter(%s) without decryption = %v; want the ciphertext", name, err)
				}
				dec, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
				if err != nil || aws.ToString(dec.Parameter.Value) != v {
					t.Errorf("GetParameter(%s, WithDecryption) = %v; want the value", name, err)
				}
			}
			// A failed put names no value either.
			bad := randomSecret()
			_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/hybrid/bad"), Value: aws.String(bad), Type: ssmtypes.ParameterTypeSecureString,
				KeyId: aws.String("alias/none")})
			wantErr(t, "PutParameter under an unknown key", err, "InvalidKeyId")
			if strings.Contains(err.Error(), bad) {
				t.Errorf("the error names the value: %v", err)
			}
			secrets["bad"] = bad

			for _, v := range secrets {
				if logs.contains([]byte(v)) {
					t.Errorf("the server's log contains a SecureString value")
				}
			}
			filepath.WalkDir(opts.DataDir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				if err != nil {
					return nil
				}
				for _, v := range secrets {
					if bytes.Contains(b, []byte(v)) {
						t.Errorf("%s contains a SecureString value", path)
					}
				}
				return nil
			})
			if engine == "PostgreSQL" {
				u, _ := url.Parse(dbURL)
				schema := u.Query().Get("search_path")
				base := os.Getenv(storetest.EnvDatabaseURL)
				dump, err := exec.Command("pg_dump", "--schema="+schema, base).Output()
				if err != nil {
					t.Skipf("pg_dump: %v", err)
				}
				if !bytes.Contains(dump, []byte("/hybrid/activation/code")) {
					t.Fatalf("the dump of schema %s lacks the parameters: the check below would prove nothing", schema)
				}
				for _, v := range secrets {
					if bytes.Contains(dump, []byte(v)) {
						t.Errorf("the PostgreSQL dump contains a SecureString value")
					}
				}
			}
		})
	}
}

// TestParamsSecureStringPermissions checks seed 002's arrangement: a
// principal allowed ssm:GetParameter but not kms:Decrypt reads String
// parameters and the ciphertext of a SecureString under a customer key,
// and is refused its value; kms:Decrypt on the key lets it in. Under the
// AWS managed key alias/aws/ssm, whose policy lets any principal of the
// account decrypt through SSM, it reads the value, as on AWS.
func TestParamsSecureStringPermissions(t *testing.T) {
	k := startKanri(t)
	ctx, admin := k.ctx, ssm.NewFromConfig(k.k.Config())
	key, err := kms.NewFromConfig(k.k.Config()).CreateKey(ctx, &kms.CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	for _, p := range []ssm.PutParameterInput{
		{Name: aws.String("/hybrid/region"), Value: aws.String("lab-1"), Type: ssmtypes.ParameterTypeString},
		{Name: aws.String("/hybrid/code"), Value: aws.String("c0de"), Type: ssmtypes.ParameterTypeSecureString, KeyId: key.KeyMetadata.KeyId},
		{Name: aws.String("/hybrid/default"), Value: aws.String("d3f"), Type: ssmtypes.ParameterTypeSecureString},
	} {
		_, err := admin.PutParameter(ctx, &p)
		wantOK(t, "PutParameter("+aws.ToString(p.Name)+")", err)
	}
	reader := k.newUser(t, "reader", policyDoc(allow("ssm:GetParameter,ssm:GetParameters,ssm:GetParametersByPath", "*")))
	c := ssm.NewFromConfig(reader.cfg)
	get := func(name string, decrypt bool) (string, error) {
		out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(decrypt)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Parameter.Value), nil
	}
	if v, err := get("/hybrid/region", false); err != nil || v != "lab-1" {
		t.Errorf("GetParameter(String) = %q, %v", v, err)
	}
	if v, err := get("/hybrid/code", false); err != nil || v == "c0de" || v == "" {
		t.Errorf("GetParameter(SecureString) without decryption = %q, %v; want the ciphertext", v, err)
	}
	_, err = get("/hybrid/code", true)
	wantErr(t, "GetParameter(SecureString, WithDecryption) without kms:Decrypt", err, "AccessDeniedException", "kms:Decrypt", keyARN)
	_, err = c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/hybrid"), WithDecryption: aws.Bool(true)})
	wantErr(t, "GetParametersByPath(WithDecryption) without kms:Decrypt", err, "AccessDeniedException", "kms:Decrypt")
	if v, err := get("/hybrid/default", true); err != nil || v != "d3f" {
		t.Errorf("GetParameter(SecureString under alias/aws/ssm, WithDecryption) = %q, %v; want the value", v, err)
	}
	k.putUserPolicy(t, "reader", "kms", policyDoc(allow("kms:Decrypt", keyARN)))
	if v, err := get("/hybrid/code", true); err != nil || v != "c0de" {
		t.Errorf("GetParameter(SecureString, WithDecryption) with kms:Decrypt = %q, %v", v, err)
	}
}

// TestRunCommandParameterReferences runs documents that reference
// Parameter Store: the values reach the instance, resolved at dispatch,
// while the command keeps the references; a sender who may not read a
// parameter, or decrypt it, is refused.
func TestRunCommandParameterReferences(t *testing.T) {
	e := rcStart(t, true)
	ctx, c := e.ctx, e.ssm
	k := &kanri{k: e.k, ctx: ctx, acct: e.acct, iam: iam.NewFromConfig(e.k.Config()), sts: sts.NewFromConfig(e.k.Config())}
	key, err := kms.NewFromConfig(e.k.Config()).CreateKey(ctx, &kms.CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/greeting"), Value: aws.String("hello from the store"), Type: ssmtypes.ParameterTypeString})
	wantOK(t, "PutParameter", err)
	_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/token"), Value: aws.String("t0ken"), Type: ssmtypes.ParameterTypeSecureString,
		KeyId: key.KeyMetadata.KeyId})
	wantOK(t, "PutParameter", err)
	local := e.localInstance(t)
	cmds := []string{"echo {{ssm:/app/greeting}}", "echo token={{ssm-secure:/app/token}}"}
	id := e.send(t, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
		Parameters: map[string][]string{"commands": cmds}})
	if cm := e.wait(t, id); cm.Status != ssmtypes.CommandStatusSuccess {
		t.Fatalf("command = %s (%s)", cm.Status, aws.ToString(cm.StatusDetails))
	}
	inv, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(local)})
	if err != nil || aws.ToString(inv.StandardOutputContent) != "hello from the store\ntoken=t0ken\n" {
		t.Errorf("output = %q, %v", aws.ToString(inv.StandardOutputContent), err)
	}
	if cm := e.command(t, id); strings.Join(cm.Parameters["commands"], "|") != strings.Join(cmds, "|") {
		t.Errorf("the command's parameters = %v, want the references %v", cm.Parameters["commands"], cmds)
	}

	_, err = c.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
		Parameters: map[string][]string{"commands": {"echo {{ssm:/app/none}}"}}})
	wantErr(t, "SendCommand referencing a missing parameter", err, "InvalidParameters", "/app/none")
	_, err = c.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
		Parameters: map[string][]string{"commands": {"echo {{ssm:/app/token}}"}}})
	wantErr(t, "SendCommand referencing a SecureString as ssm:", err, "InvalidParameters", "ssm-secure")

	sender := k.newUser(t, "sender", policyDoc(allow("ssm:SendCommand", "*"), allow("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/app/greeting")))
	sc := ssm.NewFromConfig(sender.cfg)
	_, err = sc.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
		Parameters: map[string][]string{"commands": {"echo {{ssm:/app/greeting}}"}}})
	wantOK(t, "SendCommand by a sender who may read the parameter", err)
	_, err = sc.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
		Parameters: map[string][]string{"commands": {"echo {{ssm-secure:/app/token}}"}}})
	wantErr(t, "SendCommand by a sender who may not read the parameter", err, "AccessDeniedException", "ssm:GetParameter")
	k.putUserPolicy(t, "sender", "p2", policyDoc(allow("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/app/token")))
	_, err = sc.SendCommand(ctx, &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{local},
		Parameters: map[string][]string{"commands": {"echo {{ssm-secure:/app/token}}"}}})
	wantErr(t, "SendCommand by a sender who may read but not decrypt the parameter", err, "AccessDeniedException", "kms:Decrypt")
}
