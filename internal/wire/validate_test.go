// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/wire"
	"github.com/kanri-dev/kanri/internal/wire/iam"
	"github.com/kanri-dev/kanri/internal/wire/kms"
	"github.com/kanri-dev/kanri/internal/wire/ssm"
)

func ptr[T any](v T) *T { return &v }

type validator interface{ Validate() error }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		in   validator
		code string // "" when the input is valid
		msg  string
	}{
		{
			name: "valid",
			in:   &ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", InstanceIds: []string{"i-0123456789abcdef0"}},
		},
		{
			name: "operation without input",
			in:   &iam.GetAccountSummaryInput{},
		},
		{
			// Tag values may be empty: the model gives them a minimum length of 0.
			name: "empty required string allowed by the model",
			in:   &iam.TagRoleInput{RoleName: "app", Tags: []*iam.Tag{{Key: "env"}}},
		},
		{
			name: "required member of a list member missing",
			in:   &iam.TagRoleInput{RoleName: "app", Tags: []*iam.Tag{{Key: "env"}, {Value: "x"}}},
			code: "ValidationError",
			msg:  "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "required member missing",
			in:   &ssm.SendCommandInput{InstanceIds: []string{"i-0123456789abcdef0"}},
			code: "ValidationException",
			msg:  "1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "number above max",
			in:   &ssm.DescribeInstanceInformationInput{MaxResults: ptr[int32](51)},
			code: "ValidationException",
			msg:  "1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
		},
		{
			name: "number below min",
			in:   &ssm.DescribeInstanceInformationInput{MaxResults: ptr[int32](1)},
			code: "ValidationException",
			msg:  "1 validation error detected: Value '1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 5",
		},
		{
			// The pattern matches "bad", but AWS matches the whole value.
			name: "pattern of a query service",
			in:   &iam.CreateRoleInput{RoleName: "bad role", AssumeRolePolicyDocument: "{}"},
			code: "ValidationError",
			msg:  `1 validation error detected: Value 'bad role' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`,
		},
		{
			name: "string too long",
			in:   &iam.CreateRoleInput{RoleName: strings.Repeat("r", 65), AssumeRolePolicyDocument: "{}"},
			code: "ValidationError",
			msg:  "1 validation error detected: Value '" + strings.Repeat("r", 65) + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
		},
		{
			name: "enum",
			in:   &ssm.PutParameterInput{Name: "/app/db", Value: "v", Type: "Secret"},
			code: "ValidationException",
			msg:  "1 validation error detected: Value 'Secret' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [String, StringList, SecureString]",
		},
		{
			name: "two errors",
			in:   &iam.CreateRoleInput{Path: "/"},
			code: "ValidationError",
			msg: "2 validation errors detected: " +
				"Value null at 'roleName' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "sensitive string",
			in:   &iam.CreateLoginProfileInput{Password: strings.Repeat("hunter2", 20)},
			code: "ValidationError",
			msg:  "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128",
		},
		{
			name: "sensitive blob",
			in:   &kms.EncryptInput{KeyId: "alias/app", Plaintext: make([]byte, 4097)},
			code: "ValidationException",
			msg:  "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
		},
		{
			name: "member of a list of structures",
			in: &ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", Targets: []*ssm.Target{
				{Key: "tag:Env", Values: []string{"prod"}},
				{Key: "tag!", Values: []string{"x"}},
			}},
			code: "ValidationException",
			msg: `1 validation error detected: Value 'tag!' at 'targets.2.member.key' failed to satisfy constraint: ` +
				`Member must satisfy regular expression pattern: ^[\p{L}\p{Z}\p{N}_.:/=\-@]*$|resource-groups:ResourceTypeFilters|resource-groups:Name`,
		},
		{
			name: "member of a list of strings",
			in:   &ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", InstanceIds: []string{"i-0123456789abcdef0", "web-1"}},
			code: "ValidationException",
			msg: `1 validation error detected: Value '[i-0123456789abcdef0, web-1]' at 'instanceIds' failed to satisfy constraint: ` +
				`Member must satisfy constraint: [Member must satisfy regular expression pattern: (^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)]`,
		},
		{
			name: "list too long",
			in: &ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", Targets: []*ssm.Target{
				{Key: "a"}, {Key: "b"}, {Key: "c"}, {Key: "d"}, {Key: "e"}, {Key: "f", Values: []string{"1", "2"}},
			}},
			code: "ValidationException",
			msg: "1 validation error detected: Value '[Target(key=a, values=null), Target(key=b, values=null), " +
				"Target(key=c, values=null), Target(key=d, values=null), Target(key=e, values=null), Target(key=f, values=[1, 2])]' " +
				"at 'targets' failed to satisfy constraint: Member must have length less than or equal to 5",
		},
		{
			name: "map keys",
			in: &ssm.StartAutomationExecutionInput{DocumentName: "AWS-RestartEC2Instance", Parameters: map[string][]string{
				strings.Repeat("k", 51): {"v"},
			}},
			code: "ValidationException",
			msg: "1 validation error detected: Value '{" + strings.Repeat("k", 51) + "=[v]}' at 'parameters' failed to satisfy constraint: " +
				"Map keys must satisfy constraint: [Member must have length less than or equal to 50, Member must have length greater than or equal to 1]",
		},
		{
			name: "map values",
			in: &ssm.StartAutomationExecutionInput{DocumentName: "AWS-RestartEC2Instance", Parameters: map[string][]string{
				"InstanceId": {""},
			}},
			code: "ValidationException",
			msg: "1 validation error detected: Value '{InstanceId=[]}' at 'parameters' failed to satisfy constraint: " +
				"Map value must satisfy constraint: [Member must have length less than or equal to 50, Member must have length greater than or equal to 0, " +
				"Member must satisfy constraint: [Member must have length less than or equal to 512, Member must have length greater than or equal to 1]]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			e := awserr.As(err)
			if e == nil {
				t.Fatalf("Validate() = %v, want an *awserr.Error", err)
			}
			if !errors.Is(err, awserr.Invalid) {
				t.Errorf("Validate() kind = %v, want %v", e.Kind, awserr.Invalid)
			}
			if e.Code != tt.code {
				t.Errorf("Validate() code = %q, want %q", e.Code, tt.code)
			}
			if e.Message != tt.msg {
				t.Errorf("Validate() message:\n got %s\nwant %s", e.Message, tt.msg)
			}
			if strings.Contains(e.Message, "hunter2") {
				t.Errorf("Validate() message %q shows a sensitive value", e.Message)
			}
		})
	}
}

func TestValidatorPaths(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{wire.Join("", "name"), "name"},
		{wire.Join("alarmConfiguration", "alarms"), "alarmConfiguration.alarms"},
		{wire.Item("targets", 0), "targets.1.member"},
		{wire.Join(wire.Item("tags", 5), "value"), "tags.6.member.value"},
		{wire.Key("parameters", "commands"), "parameters.commands"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("path = %q, want %q", tt.got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"x", "x"},
		{ptr[int32](7), "7"},
		{(*int64)(nil), "null"},
		{ptr(1.5), "1.5"},
		{ptr(2.0), "2.0"},
		{[]string{"a", "b"}, "[a, b]"},
		{map[string]string{"b": "2", "a": "1"}, "{a=1, b=2}"},
		{[]byte("abc"), "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"},
		{&ssm.Tag{Key: "k", Value: "v"}, "Tag(key=k, value=v)"},
		{&ssm.Parameter{Name: "n", Value: "secret"}, "Parameter(name=n, type=null, value=***, version=null, selector=null, " +
			"sourceResult=null, lastModifiedDate=null, aRN=null, dataType=null)"},
	}
	for _, tt := range tests {
		if got := wire.Format(tt.in); got != tt.want {
			t.Errorf("Format(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
