// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wire_test

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/wire"
	"github.com/kanri-dev/kanri/internal/wire/cloudtrail"
	"github.com/kanri-dev/kanri/internal/wire/iam"
	"github.com/kanri-dev/kanri/internal/wire/kms"
	"github.com/kanri-dev/kanri/internal/wire/resourcegroups"
	"github.com/kanri-dev/kanri/internal/wire/ssm"
	"github.com/kanri-dev/kanri/internal/wire/sts"
)

func TestMetadata(t *testing.T) {
	tests := []struct {
		name                                       string
		protocol, target, jsonVersion, ns, signing string
		got                                        [5]string
	}{
		{"sts", "query", "", "", "https://sts.amazonaws.com/doc/2011-06-15/", "sts",
			[5]string{sts.Protocol, sts.TargetPrefix, sts.JSONVersion, sts.XMLNamespace, sts.SigningName}},
		{"iam", "query", "", "", "https://iam.amazonaws.com/doc/2010-05-08/", "iam",
			[5]string{iam.Protocol, iam.TargetPrefix, iam.JSONVersion, iam.XMLNamespace, iam.SigningName}},
		{"ssm", "json", "AmazonSSM", "1.1", "", "ssm",
			[5]string{ssm.Protocol, ssm.TargetPrefix, ssm.JSONVersion, ssm.XMLNamespace, ssm.SigningName}},
		{"kms", "json", "TrentService", "1.1", "", "kms",
			[5]string{kms.Protocol, kms.TargetPrefix, kms.JSONVersion, kms.XMLNamespace, kms.SigningName}},
		{"cloudtrail", "json", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "1.1", "", "cloudtrail",
			[5]string{cloudtrail.Protocol, cloudtrail.TargetPrefix, cloudtrail.JSONVersion, cloudtrail.XMLNamespace, cloudtrail.SigningName}},
		{"resourcegroups", "rest-json", "", "", "", "resource-groups",
			[5]string{resourcegroups.Protocol, resourcegroups.TargetPrefix, resourcegroups.JSONVersion, resourcegroups.XMLNamespace, resourcegroups.SigningName}},
	}
	for _, tt := range tests {
		want := [5]string{tt.protocol, tt.target, tt.jsonVersion, tt.ns, tt.signing}
		if tt.got != want {
			t.Errorf("%s metadata = %q, want %q", tt.name, tt.got, want)
		}
	}
}

func TestOperations(t *testing.T) {
	tests := []struct {
		ops     map[string]wire.OperationInfo
		name    string
		wrapper string
		hasIn   bool
		hasOut  bool
		in, out any
		err     string
	}{
		{iam.Operations, "GetRole", "GetRoleResult", true, true, &iam.GetRoleInput{}, &iam.GetRoleOutput{}, iam.ErrCodeNoSuchEntityException},
		{iam.Operations, "GetAccountSummary", "GetAccountSummaryResult", false, true, &iam.GetAccountSummaryInput{}, &iam.GetAccountSummaryOutput{}, ""},
		{iam.Operations, "DeleteRole", "", true, false, &iam.DeleteRoleInput{}, &iam.DeleteRoleOutput{}, iam.ErrCodeDeleteConflictException},
		{sts.Operations, "GetCallerIdentity", "GetCallerIdentityResult", true, true, &sts.GetCallerIdentityInput{}, &sts.GetCallerIdentityOutput{}, ""},
		{ssm.Operations, "SendCommand", "", true, true, &ssm.SendCommandInput{}, &ssm.SendCommandOutput{}, ssm.ErrCodeInvalidInstanceId},
		{kms.Operations, "ListRetirableGrants", "", true, true, &kms.ListRetirableGrantsInput{}, &kms.ListRetirableGrantsOutput{}, kms.ErrCodeNotFoundException},
		{cloudtrail.Operations, "LookupEvents", "", true, true, &cloudtrail.LookupEventsInput{}, &cloudtrail.LookupEventsOutput{}, cloudtrail.ErrCodeInvalidLookupAttributesException},
		{resourcegroups.Operations, "GetGroup", "", true, true, &resourcegroups.GetGroupInput{}, &resourcegroups.GetGroupOutput{}, resourcegroups.ErrCodeNotFoundException},
		{resourcegroups.Operations, "GetAccountSettings", "", false, true, &resourcegroups.GetAccountSettingsInput{}, &resourcegroups.GetAccountSettingsOutput{}, ""},
	}
	for _, tt := range tests {
		op, ok := tt.ops[tt.name]
		if !ok {
			t.Errorf("Operations[%q] is missing", tt.name)
			continue
		}
		if op.Name != tt.name || op.ResultWrapper != tt.wrapper || op.HasInput != tt.hasIn || op.HasOutput != tt.hasOut {
			t.Errorf("Operations[%q] = {%q %q %v %v}, want {%q %q %v %v}", tt.name,
				op.Name, op.ResultWrapper, op.HasInput, op.HasOutput, tt.name, tt.wrapper, tt.hasIn, tt.hasOut)
		}
		if in := op.NewInput(); !sameType(in, tt.in) {
			t.Errorf("Operations[%q].NewInput() = %T, want %T", tt.name, in, tt.in)
		}
		if _, ok := op.NewInput().(interface{ Validate() error }); !ok {
			t.Errorf("Operations[%q].NewInput() has no Validate method", tt.name)
		}
		if out := op.NewOutput(); !sameType(out, tt.out) {
			t.Errorf("Operations[%q].NewOutput() = %T, want %T", tt.name, out, tt.out)
		}
		if tt.err != "" && !slices.Contains(op.Errors, tt.err) {
			t.Errorf("Operations[%q].Errors = %q, want it to hold %q", tt.name, op.Errors, tt.err)
		}
	}
}

func TestHTTPBindings(t *testing.T) {
	tests := []struct {
		ops            map[string]wire.OperationInfo
		name           string
		method, uri    string
		responseStatus int
	}{
		{resourcegroups.Operations, "CreateGroup", "POST", "/groups", 0},
		{resourcegroups.Operations, "ListGroups", "POST", "/groups-list", 0},
		{resourcegroups.Operations, "GetTags", "GET", "/resources/{Arn}/tags", 0},
		{resourcegroups.Operations, "Untag", "PATCH", "/resources/{Arn}/tags", 0},
		{resourcegroups.Operations, "PutGroupConfiguration", "POST", "/put-group-configuration", 202},
		// JSON and Query operations have none.
		{ssm.Operations, "SendCommand", "", "", 0},
		{iam.Operations, "GetRole", "", "", 0},
	}
	for _, tt := range tests {
		op := tt.ops[tt.name]
		if op.HTTPMethod != tt.method || op.RequestURI != tt.uri || op.ResponseCode != tt.responseStatus {
			t.Errorf("Operations[%q] binding = %s %s %d, want %s %s %d", tt.name,
				op.HTTPMethod, op.RequestURI, op.ResponseCode, tt.method, tt.uri, tt.responseStatus)
		}
	}
}

// sameType reports whether a and b have the same dynamic type.
func sameType(a, b any) bool { return reflect.TypeOf(a) == reflect.TypeOf(b) }

func TestErrors(t *testing.T) {
	tests := []struct {
		err    *awserr.Error
		code   string
		kind   awserr.Kind
		status int
	}{
		{iam.NewNoSuchEntityException("The role with name %s cannot be found.", "app"), "NoSuchEntity", awserr.NotFound, http.StatusNotFound},
		{iam.NewEntityAlreadyExistsException("Role with name app already exists."), "EntityAlreadyExists", awserr.Exists, http.StatusConflict},
		{iam.NewLimitExceededException("Cannot exceed quota for RolesPerAccount: 1000"), "LimitExceeded", awserr.LimitExceeded, http.StatusConflict},
		{iam.NewServiceFailureException("failure"), "ServiceFailure", awserr.Internal, http.StatusInternalServerError},
		{sts.NewMalformedPolicyDocumentException("bad"), "MalformedPolicyDocument", awserr.Invalid, http.StatusBadRequest},
		{ssm.NewInvalidInstanceId("Instances [[i-1]] not in a valid state."), "InvalidInstanceId", awserr.Invalid, http.StatusBadRequest},
		{ssm.NewParameterNotFound(""), "ParameterNotFound", awserr.NotFound, http.StatusBadRequest},
		{ssm.NewTooManyUpdates(""), "TooManyUpdates", awserr.LimitExceeded, http.StatusBadRequest},
		{ssm.NewThrottlingException(""), "ThrottlingException", awserr.Throttled, http.StatusBadRequest},
		{ssm.NewInternalServerError(""), "InternalServerError", awserr.Internal, http.StatusInternalServerError},
		{kms.NewKMSInternalException(""), "KMSInternalException", awserr.Internal, http.StatusInternalServerError},
		{cloudtrail.NewInvalidNextTokenException(""), "InvalidNextTokenException", awserr.Invalid, http.StatusBadRequest},
		{resourcegroups.NewNotFoundException(""), "NotFoundException", awserr.NotFound, http.StatusNotFound},
		{resourcegroups.NewTooManyRequestsException(""), "TooManyRequestsException", awserr.Throttled, http.StatusTooManyRequests},
		{resourcegroups.NewForbiddenException(""), "ForbiddenException", awserr.Denied, http.StatusForbidden},
		{resourcegroups.NewMethodNotAllowedException(""), "MethodNotAllowedException", awserr.Invalid, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		e := tt.err
		if e.Code != tt.code || e.Kind != tt.kind || e.HTTPStatus() != tt.status {
			t.Errorf("error %q = {%q %v %d}, want {%q %v %d}", e.Message, e.Code, e.Kind, e.HTTPStatus(), tt.code, tt.kind, tt.status)
		}
		if !errors.Is(e, tt.kind) {
			t.Errorf("errors.Is(%v, %v) = false, want true", e, tt.kind)
		}
	}
	if got := iam.NewNoSuchEntityException("The role with name %s cannot be found.", "app").Message; got != "The role with name app cannot be found." {
		t.Errorf("NewNoSuchEntityException message = %q", got)
	}
}

func TestEnums(t *testing.T) {
	if got, want := ssm.ParameterTypeValues(), []string{"String", "StringList", "SecureString"}; !slices.Equal(got, want) {
		t.Errorf("ParameterTypeValues() = %q, want %q", got, want)
	}
	if got := kms.EncryptionAlgorithmSpecRsaesOaepSha256; got != "RSAES_OAEP_SHA_256" {
		t.Errorf("EncryptionAlgorithmSpecRsaesOaepSha256 = %q", got)
	}
	if got := iam.PolicyScopeTypeLocal; got != "Local" {
		t.Errorf("PolicyScopeTypeLocal = %q", got)
	}
}
