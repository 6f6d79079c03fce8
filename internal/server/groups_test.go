// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroups"
	rgtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroups/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/kanritest"
)

// registerTagged registers an instance with tags through the agent
// endpoint and returns its ID.
func registerTagged(t *testing.T, endpoint, id, code string, tags map[string]string) string {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	body, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: id, ActivationCode: code, PublicKey: pub, Tags: tags,
		Facts: agentproto.Facts{ComputerName: "host", PlatformType: "Linux"}})
	resp, err := http.Post(endpoint+agentproto.PathRegister, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r agentproto.RegisterResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 || r.InstanceID == "" {
		t.Fatalf("register: %d %+v %v", resp.StatusCode, r, err)
	}
	return r.InstanceID
}

const (
	devQuery  = `{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["dev"]}]}`
	prodQuery = `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"env","Values":["prod"]},{"Key":"team"}]}`
)

// TestResourceGroupsSDK drives Resource Groups with aws-sdk-go-v2's client
// (REST-JSON: paths, query strings, JSON bodies, error headers) against
// instances registered with tags, on both engines.
func TestResourceGroupsSDK(t *testing.T) {
	engines(t, func(t *testing.T, opts kanritest.Options) {
		ctx := context.Background()
		k := kanritest.Start(t, opts)
		act, err := ssm.NewFromConfig(k.Config()).CreateActivation(ctx, &ssm.CreateActivationInput{
			IamRole: aws.String("kanri-dev-instance"), RegistrationLimit: aws.Int32(10)})
		if err != nil {
			t.Fatal(err)
		}
		reg := func(tags map[string]string) string {
			return registerTagged(t, k.Endpoint, *act.ActivationId, *act.ActivationCode, tags)
		}
		dev1, dev2 := reg(map[string]string{"env": "dev"}), reg(map[string]string{"env": "dev", "team": "web"})
		prod := reg(map[string]string{"env": "prod", "team": "db"})
		reg(map[string]string{"env": "prod"}) // no team: in no group
		devIDs := []string{dev1, dev2}
		slices.Sort(devIDs)
		arnOf := func(id string) string { return k.Server.ARN("ssm", "managed-instance/"+id) }

		client := resourcegroups.NewFromConfig(k.Config())
		created, err := client.CreateGroup(ctx, &resourcegroups.CreateGroupInput{
			Name: aws.String("dev"), Description: aws.String("dev servers"), Criticality: aws.Int32(2),
			ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(devQuery)},
			Tags:          map[string]string{"team": "ops"},
		})
		if err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		groupARN := k.Server.ARN("resource-groups", "group/dev")
		if aws.ToString(created.Group.GroupArn) != groupARN || aws.ToString(created.Group.Name) != "dev" ||
			aws.ToInt32(created.Group.Criticality) != 2 || aws.ToString(created.ResourceQuery.Query) != devQuery || created.Tags["team"] != "ops" {
			t.Errorf("CreateGroup = %+v %+v %v", created.Group, created.ResourceQuery, created.Tags)
		}
		if _, err := client.CreateGroup(ctx, &resourcegroups.CreateGroupInput{Name: aws.String("prod"),
			ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(prodQuery)}}); err != nil {
			t.Fatalf("CreateGroup(prod): %v", err)
		}

		// By name and by ARN; the deprecated GroupName too.
		for _, in := range []*resourcegroups.GetGroupInput{{Group: aws.String("dev")}, {Group: aws.String(groupARN)}, {GroupName: aws.String("dev")}} {
			got, err := client.GetGroup(ctx, in)
			if err != nil || aws.ToString(got.Group.GroupArn) != groupARN || aws.ToString(got.Group.Description) != "dev servers" {
				t.Errorf("GetGroup(%+v) = %+v, %v", in, got, err)
			}
		}

		// ListGroups pages with maxResults in the query string.
		var names []string
		pages := resourcegroups.NewListGroupsPaginator(client, &resourcegroups.ListGroupsInput{MaxResults: aws.Int32(1)})
		for n := 0; pages.HasMorePages(); n++ {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListGroups: %v", err)
			}
			if len(page.GroupIdentifiers) > 1 || n > 3 {
				t.Fatalf("ListGroups page %d has %d groups, want at most 1", n, len(page.GroupIdentifiers))
			}
			for _, g := range page.GroupIdentifiers {
				names = append(names, aws.ToString(g.GroupName))
			}
		}
		if want := []string{"dev", "prod"}; !slices.Equal(names, want) {
			t.Errorf("ListGroups = %v, want %v", names, want)
		}
		filtered, err := client.ListGroups(ctx, &resourcegroups.ListGroupsInput{Filters: []rgtypes.GroupFilter{
			{Name: rgtypes.GroupFilterNameResourceType, Values: []string{"AWS::SSM::ManagedInstance"}}}})
		if err != nil || len(filtered.GroupIdentifiers) != 1 || aws.ToString(filtered.GroupIdentifiers[0].GroupName) != "dev" {
			t.Errorf("ListGroups(resource-type filter) = %+v, %v", filtered, err)
		}

		// ListGroupResources resolves the query to the tagged instances.
		resources := func(group string, maxResults int32) []string {
			t.Helper()
			var arns []string
			pages := resourcegroups.NewListGroupResourcesPaginator(client, &resourcegroups.ListGroupResourcesInput{
				Group: aws.String(group), MaxResults: aws.Int32(maxResults)})
			for n := 0; pages.HasMorePages(); n++ {
				page, err := pages.NextPage(ctx)
				if err != nil || n > 10 {
					t.Fatalf("ListGroupResources(%s) page %d: %v", group, n, err)
				}
				for _, r := range page.Resources {
					if aws.ToString(r.Identifier.ResourceType) != "AWS::SSM::ManagedInstance" {
						t.Errorf("resource type %s", aws.ToString(r.Identifier.ResourceType))
					}
					arns = append(arns, aws.ToString(r.Identifier.ResourceArn))
				}
			}
			return arns
		}
		if got, want := resources("dev", 1), []string{arnOf(devIDs[0]), arnOf(devIDs[1])}; !slices.Equal(got, want) {
			t.Errorf("ListGroupResources(dev) = %v, want %v", got, want)
		}
		if got, want := resources(groupARN, 50), []string{arnOf(devIDs[0]), arnOf(devIDs[1])}; !slices.Equal(got, want) {
			t.Errorf("ListGroupResources(dev by ARN) = %v, want %v", got, want)
		}
		if got, want := resources("prod", 50), []string{arnOf(prod)}; !slices.Equal(got, want) {
			t.Errorf("ListGroupResources(prod) = %v, want %v", got, want)
		}
		ids, err := k.Server.Groups().Resolve(ctx, "dev")
		if err != nil || !slices.Equal(ids, devIDs) {
			t.Errorf("Resolve(dev) = %v, %v, want %v", ids, err, devIDs)
		}

		// UpdateGroupQuery changes what the group holds.
		if _, err := client.UpdateGroupQuery(ctx, &resourcegroups.UpdateGroupQueryInput{Group: aws.String("dev"),
			ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(prodQuery)}}); err != nil {
			t.Fatalf("UpdateGroupQuery: %v", err)
		}
		q, err := client.GetGroupQuery(ctx, &resourcegroups.GetGroupQueryInput{Group: aws.String("dev")})
		if err != nil || aws.ToString(q.GroupQuery.ResourceQuery.Query) != prodQuery || aws.ToString(q.GroupQuery.GroupName) != "dev" {
			t.Errorf("GetGroupQuery = %+v, %v", q, err)
		}
		if got, want := resources("dev", 50), []string{arnOf(prod)}; !slices.Equal(got, want) {
			t.Errorf("ListGroupResources(dev) after UpdateGroupQuery = %v, want %v", got, want)
		}

		// Tags are addressed by the group's ARN in the path.
		if _, err := client.Tag(ctx, &resourcegroups.TagInput{Arn: aws.String(groupARN), Tags: map[string]string{"cost": "42"}}); err != nil {
			t.Fatalf("Tag: %v", err)
		}
		if _, err := client.Untag(ctx, &resourcegroups.UntagInput{Arn: aws.String(groupARN), Keys: []string{"team"}}); err != nil {
			t.Fatalf("Untag: %v", err)
		}
		tags, err := client.GetTags(ctx, &resourcegroups.GetTagsInput{Arn: aws.String(groupARN)})
		if err != nil || !cmp.Equal(tags.Tags, map[string]string{"cost": "42"}) || aws.ToString(tags.Arn) != groupARN {
			t.Errorf("GetTags = %+v, %v", tags, err)
		}

		// Errors arrive as the SDK's modeled exceptions.
		_, err = client.GetGroup(ctx, &resourcegroups.GetGroupInput{Group: aws.String("nope")})
		var nf *rgtypes.NotFoundException
		if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "nope") {
			t.Errorf("GetGroup(nope) = %v, want NotFoundException", err)
		}
		var bad *rgtypes.BadRequestException
		for _, in := range []*resourcegroups.CreateGroupInput{
			{Name: aws.String("dev"), ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(devQuery)}},
			{Name: aws.String("bad name"), ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeTagFilters10, Query: aws.String(devQuery)}},
			{Name: aws.String("stack"), ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeCloudformationStack10,
				Query: aws.String(`{"ResourceTypeFilters":["AWS::AllSupported"],"StackIdentifier":"arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"}`)}},
			{Name: aws.String("notags"), ResourceQuery: &rgtypes.ResourceQuery{Type: rgtypes.QueryTypeTagFilters10,
				Query: aws.String(`{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[]}`)}},
		} {
			if _, err := client.CreateGroup(ctx, in); !errors.As(err, &bad) {
				t.Errorf("CreateGroup(%s) = %v, want BadRequestException", aws.ToString(in.Name), err)
			}
		}
		_, err = client.ListGroups(ctx, &resourcegroups.ListGroupsInput{NextToken: aws.String("!!")})
		if !errors.As(err, &bad) {
			t.Errorf("ListGroups(bad token) = %v, want BadRequestException", err)
		}

		// Authorization: a user without policies is denied, with 403.
		iamc := iam.NewFromConfig(k.Config())
		if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}); err != nil {
			t.Fatal(err)
		}
		key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
		if err != nil {
			t.Fatal(err)
		}
		nobody := resourcegroups.NewFromConfig(k.ConfigFor(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""))
		_, err = nobody.GetGroup(ctx, &resourcegroups.GetGroupInput{Group: aws.String("dev")})
		var re interface{ HTTPStatusCode() int }
		if errCode(err) != "AccessDeniedException" || !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
			t.Errorf("GetGroup as a user without policies = %v, want AccessDeniedException (403)", err)
		}

		deleted, err := client.DeleteGroup(ctx, &resourcegroups.DeleteGroupInput{Group: aws.String("dev")})
		if err != nil || aws.ToString(deleted.Group.GroupArn) != groupARN {
			t.Errorf("DeleteGroup = %+v, %v", deleted, err)
		}
		if _, err := client.DeleteGroup(ctx, &resourcegroups.DeleteGroupInput{Group: aws.String("dev")}); !errors.As(err, &nf) {
			t.Errorf("DeleteGroup(deleted) = %v, want NotFoundException", err)
		}
		if _, err := k.Server.Groups().Resolve(ctx, "dev"); !errors.Is(err, awserr.NotFound) || awserr.As(err).Code != "NotFoundException" {
			t.Errorf("Resolve(deleted) = %v, want NotFoundException", err)
		}

		// The audit trail names the service and the group.
		events, err := cloudtrail.NewFromConfig(k.Config()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("DeleteGroup")}}})
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []string
		for _, e := range events.Events {
			if aws.ToString(e.EventSource) != "resource-groups.amazonaws.com" || len(e.Resources) != 1 ||
				aws.ToString(e.Resources[0].ResourceName) != groupARN || aws.ToString(e.Resources[0].ResourceType) != "AWS::ResourceGroups::Group" {
				t.Errorf("DeleteGroup event = %+v", e)
			}
			var rec struct {
				ErrorCode string `json:"errorCode"`
			}
			json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec)
			outcomes = append(outcomes, rec.ErrorCode)
		}
		if want := []string{"NotFoundException", ""}; !slices.Equal(outcomes, want) {
			t.Errorf("DeleteGroup events' error codes = %q, want %q (newest first)", outcomes, want)
		}
	})
}

// TestResourceGroupsWire checks REST-JSON answers on the wire: routing
// errors, an unsigned request, and the shape of an error answer.
func TestResourceGroupsWire(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	tests := []struct {
		method, path, body string
		status             int
		errType            string
	}{
		{"POST", "/groups-list", "{}", 403, "MissingAuthenticationTokenException"},
		{"GET", "/groups-list", "", 405, "MethodNotAllowedException"},
		{"POST", "/no-such-operation", "{}", 404, "UnknownOperationException"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, k.Endpoint+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var msg struct{ Message string }
		if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.errType ||
			json.Unmarshal(body, &msg) != nil || msg.Message == "" || resp.Header.Get("x-amzn-RequestId") == "" {
			t.Errorf("%s %s = %d %q %s, want %d %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, tt.status, tt.errType)
		}
	}
}
