// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
)

// PrincipalService is the PrincipalType of an event that a service caused
// on its own rather than a request: CloudTrail's AwsServiceEvent.
const PrincipalService = "AWSService"

// ServiceEvent returns the record of an action that source (a service's
// host name, e.g. "kms.amazonaws.com") took on its own at now, as
// CloudTrail records one: the service is the invoker and the source
// address, and LookupEvents shows it with eventType AwsServiceEvent. A key
// deleted at the end of its waiting period, or a parameter deleted by its
// Expiration policy, is recorded so.
func ServiceEvent(now time.Time, account, region, source, name string, resourceARNs ...string) Event {
	id := NewID(now)
	ev := Event{ID: id, Time: now, RequestID: id, Account: account, Region: region, Source: source, Name: name,
		PrincipalType: PrincipalService, PrincipalID: source, SourceIP: source, UserAgent: source, Outcome: Success}
	for _, a := range resourceARNs {
		ev.Resources = append(ev.Resources, Resource{ARN: a, Type: ResourceType(a)})
	}
	return ev
}

// ResourceType names the CloudFormation-style type of an ARN's resource,
// e.g. "AWS::IAM::User" for arn:aws:iam::123456789012:user/alice and
// "AWS::ResourceGroups::Group" for a resource-groups group.
func ResourceType(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return ""
	}
	kind, _, _ := strings.Cut(a.Resource, "/")
	kind, _, _ = strings.Cut(kind, ":")
	var b strings.Builder
	b.WriteString("AWS::")
	if strings.Contains(a.Service, "-") {
		writeTitle(&b, a.Service)
	} else {
		b.WriteString(strings.ToUpper(a.Service))
	}
	b.WriteString("::")
	writeTitle(&b, kind)
	return b.String()
}

// writeTitle writes the dash-separated words of s, each capitalized.
func writeTitle(b *strings.Builder, s string) {
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
}
