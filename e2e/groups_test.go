// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// TestGroupsWithAWSCLI drives Resource Groups (REST-JSON) with the real
// AWS CLI: a group over the tag env=dev holds kanri dev's own instance.
func TestGroupsWithAWSCLI(t *testing.T) {
	p := kanritest.StartDev(t, "")
	const query = `{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["dev"]}]}`
	resourceQuery := func(q string) string {
		b, _ := json.Marshal(map[string]string{"Type": "TAG_FILTERS_1_0", "Query": q})
		return string(b)
	}
	out := cli(t, p, "resource-groups", "create-group", "--name", "web", "--description", "dev servers",
		"--resource-query", resourceQuery(query), "--tags", "team=web")
	var created struct {
		Group         struct{ GroupArn, Name, Description string }
		ResourceQuery struct{ Type, Query string }
		Tags          map[string]string
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("create-group = %s (%v)", out, err)
	}
	arn := "arn:aws:resource-groups:us-east-1:" + p.Account + ":group/web"
	if created.Group.GroupArn != arn || created.Group.Name != "web" || created.Group.Description != "dev servers" ||
		created.ResourceQuery.Query != query || created.Tags["team"] != "web" {
		t.Errorf("create-group = %s", out)
	}
	cli(t, p, "resource-groups", "create-group", "--name", "db", "--resource-query",
		resourceQuery(`{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"role","Values":["db"]}]}`))

	// The CLI pages through every group, one per request (maxResults in
	// the query string, NextToken in the body).
	out = cli(t, p, "resource-groups", "list-groups", "--page-size", "1", "--query", "GroupIdentifiers[].[GroupName,GroupArn]", "--output", "text")
	if got := strings.Fields(out); strings.Join(got, " ") != "db "+strings.TrimSuffix(arn, "web")+"db web "+arn {
		t.Errorf("list-groups = %q, want db and web with their ARNs", out)
	}

	out = cli(t, p, "resource-groups", "get-group-query", "--group", "web")
	var gq struct {
		GroupQuery struct {
			GroupName     string
			ResourceQuery struct{ Type, Query string }
		}
	}
	if err := json.Unmarshal([]byte(out), &gq); err != nil || gq.GroupQuery.GroupName != "web" ||
		gq.GroupQuery.ResourceQuery.Type != "TAG_FILTERS_1_0" || gq.GroupQuery.ResourceQuery.Query != query {
		t.Errorf("get-group-query = %s (%v)", out, err)
	}

	// kanri dev's own instance, tagged env=dev, is in the group once it
	// has registered.
	var listed struct {
		Resources []struct {
			Identifier struct{ ResourceArn, ResourceType string }
		}
	}
	waitFor(t, "the local instance in the group", 15*time.Second, func() bool {
		out := cli(t, p, "resource-groups", "list-group-resources", "--group", "web")
		if err := json.Unmarshal([]byte(out), &listed); err != nil {
			t.Fatalf("list-group-resources = %s (%v)", out, err)
		}
		return len(listed.Resources) > 0
	})
	resources := listed.Resources
	prefix := "arn:aws:ssm:us-east-1:" + p.Account + ":managed-instance/mi-"
	if len(resources) != 1 || !strings.HasPrefix(resources[0].Identifier.ResourceArn, prefix) ||
		resources[0].Identifier.ResourceType != "AWS::SSM::ManagedInstance" {
		t.Errorf("list-group-resources = %+v, want the local instance", resources)
	}

	// A new query takes the instance out.
	cli(t, p, "resource-groups", "update-group-query", "--group", "web", "--resource-query",
		resourceQuery(`{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["prod"]}]}`))
	out = cli(t, p, "resource-groups", "list-group-resources", "--group", "web", "--query", "length(Resources || `[]`)")
	if strings.TrimSpace(out) != "0" {
		t.Errorf("list-group-resources after update-group-query = %s, want 0 resources", out)
	}

	// Tags, addressed by the ARN in the path.
	cli(t, p, "resource-groups", "tag", "--arn", arn, "--tags", "cost=42")
	out = cli(t, p, "resource-groups", "get-tags", "--arn", arn)
	var tags struct {
		Arn  string
		Tags map[string]string
	}
	if err := json.Unmarshal([]byte(out), &tags); err != nil || tags.Arn != arn || len(tags.Tags) != 2 || tags.Tags["cost"] != "42" {
		t.Errorf("get-tags = %s (%v)", out, err)
	}

	// Errors, as botocore reads them.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"create-group", "--name", "two words", "--resource-query", resourceQuery(query)}, "BadRequestException"},
		{[]string{"create-group", "--name", "stack", "--resource-query",
			`{"Type":"CLOUDFORMATION_STACK_1_0","Query":"{\"ResourceTypeFilters\":[\"AWS::AllSupported\"]}"}`}, "CloudFormation"},
		{[]string{"create-group", "--name", "broken", "--resource-query", resourceQuery(`{"TagFilters":"env"}`)}, "Query not valid"},
	} {
		_, stderr, code := awsCLI(t, p, p.CredentialsFile(), append([]string{"resource-groups"}, tt.args...)...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("aws resource-groups %s: exit %d, %s; want an error containing %s", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}

	cli(t, p, "resource-groups", "delete-group", "--group", "web")
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "resource-groups", "get-group", "--group", "web")
	if code == 0 || !strings.Contains(stderr, "NotFoundException") || !strings.Contains(stderr, "GetGroup") {
		t.Errorf("get-group of a deleted group: exit %d, %s; want NotFoundException", code, stderr)
	}
}
