// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"encoding/json"
	"testing"
	"time"
)

// TestServiceEventReadsAsCloudTrailShowsOne checks a service's own action
// as LookupEvents answers it: eventType AwsServiceEvent, the service as
// invoker, source address and user agent, the account, the resources
// with their types, and no access key or user.
func TestServiceEventReadsAsCloudTrailShowsOne(t *testing.T) {
	now := time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)
	keyARN := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	ev := ServiceEvent(now, "123456789012", "us-east-1", "kms.amazonaws.com", "DeleteKey", keyARN)
	if ev.ID == "" || ev.RequestID != ev.ID || !ev.Time.Equal(now) || ev.Outcome != Success || ev.ReadOnly {
		t.Errorf("ServiceEvent = %+v", ev)
	}
	ce := toCloudTrail(&ev)
	if ce.EventName != "DeleteKey" || ce.EventSource != "kms.amazonaws.com" || ce.AccessKeyId != "" || ce.Username != "" ||
		len(ce.Resources) != 1 || ce.Resources[0].ResourceType != "AWS::KMS::Key" || ce.Resources[0].ResourceName != keyARN {
		t.Errorf("toCloudTrail = %+v", ce)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(ce.CloudTrailEvent), &rec); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"eventType": "AwsServiceEvent", "sourceIPAddress": "kms.amazonaws.com", "userAgent": "kms.amazonaws.com",
		"recipientAccountId": "123456789012", "eventTime": "2026-12-07T21:00:00Z", "readOnly": false}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("CloudTrailEvent %s = %v, want %v", k, rec[k], v)
		}
	}
	id, _ := rec["userIdentity"].(map[string]any)
	if len(id) != 2 || id["accountId"] != "123456789012" || id["invokedBy"] != "kms.amazonaws.com" {
		t.Errorf("CloudTrailEvent userIdentity = %v, want only accountId and invokedBy", id)
	}

	// A request's record stays an AwsApiCall.
	call := Event{ID: NewID(now), Time: now, Account: "123456789012", Source: "sts.amazonaws.com", Name: "GetCallerIdentity",
		PrincipalARN: "arn:aws:iam::123456789012:user/admin", PrincipalType: "IAMUser", Outcome: Success}
	if err := json.Unmarshal([]byte(toCloudTrail(&call).CloudTrailEvent), &rec); err != nil || rec["eventType"] != "AwsApiCall" {
		t.Errorf("a request's eventType = %v (%v), want AwsApiCall", rec["eventType"], err)
	}
}

func TestResourceType(t *testing.T) {
	tests := []struct{ arn, want string }{
		{"arn:aws:iam::123456789012:user/alice", "AWS::IAM::User"},
		{"arn:aws:ssm:us-east-1:123456789012:managed-instance/mi-0123456789abcdef0", "AWS::SSM::ManagedInstance"},
		{"arn:aws:resource-groups:us-east-1:123456789012:group/web", "AWS::ResourceGroups::Group"},
		{"*", ""},
	}
	for _, tt := range tests {
		if got := ResourceType(tt.arn); got != tt.want {
			t.Errorf("ResourceType(%s) = %q, want %q", tt.arn, got, tt.want)
		}
	}
}
