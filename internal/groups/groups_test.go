// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package groups_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/groups"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

// fleetInstances finds instances with the fleet's store, as the server
// does.
type fleetInstances struct{ store fleet.Store }

func (f fleetInstances) InstanceIDsByTags(ctx context.Context, account string, tags []groups.TagFilter) ([]string, error) {
	var filter fleet.InstanceFilter
	for _, t := range tags {
		filter.Tags = append(filter.Tags, fleet.TagFilter{Key: t.Key, Values: t.Values})
	}
	ins, err := f.store.ListInstances(ctx, account, filter)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, in := range ins {
		ids = append(ids, string(in.ID))
	}
	return ids, nil
}

// setup returns a Service over a fresh SQLite store, whose account has an
// instance mi-…01 to mi-…05 for each of tags, in order.
func setup(t *testing.T, tags ...map[string]string) (*groups.Service, *store.DB) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLite(t))
	now := time.Now()
	act := &fleet.Activation{ID: "act", Account: acct, IAMRole: "role", RegistrationLimit: 100, Expiration: now.Add(time.Hour),
		CreateDate: now, CodeHash: "hash"}
	if err := db.CreateActivation(ctx, act); err != nil {
		t.Fatal(err)
	}
	for i, tg := range tags {
		inst := &fleet.Instance{ID: instanceID(i + 1), Account: acct, ActivationID: act.ID, PublicKey: fmt.Sprintf("UKEY%d", i), Tags: tg,
			RegisteredAt: now}
		if err := db.RegisterInstance(ctx, inst, act.CodeHash, now); err != nil {
			t.Fatal(err)
		}
	}
	return groups.New(groups.Config{Store: db, Instances: fleetInstances{db}, Account: acct, Region: region}), db
}

func instanceID(n int) fleet.InstanceID { return fleet.InstanceID(fmt.Sprintf("mi-%017x", n)) }

func ids(ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, string(instanceID(n)))
	}
	return out
}

func tagQuery(types, filters string) *rg.ResourceQuery {
	return &rg.ResourceQuery{Type: rg.QueryTypeTagFilters10, Query: `{"ResourceTypeFilters":` + types + `,"TagFilters":` + filters + `}`}
}

// wantCode checks that err is an *awserr.Error with code and a message
// containing msg.
func wantCode(t *testing.T, call string, err error, code, msg string) {
	t.Helper()
	e := awserr.As(err)
	if e == nil || e.Code != code || !strings.Contains(e.Message, msg) {
		t.Errorf("%s = %v, want %s containing %q", call, err, code, msg)
	}
}

func TestParseQuery(t *testing.T) {
	valid := []struct {
		query string
		want  *groups.TagQuery
	}{
		{`{"ResourceTypeFilters":["AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"env","Values":["dev"]}]}`,
			&groups.TagQuery{ResourceTypeFilters: []string{"AWS::SSM::ManagedInstance"}, TagFilters: []groups.TagFilter{{Key: "env", Values: []string{"dev"}}}}},
		{` {"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"env"},{"Key":"team","Values":["a","b"]}]} `,
			&groups.TagQuery{ResourceTypeFilters: []string{"AWS::AllSupported"}, TagFilters: []groups.TagFilter{{Key: "env"}, {Key: "team", Values: []string{"a", "b"}}}}},
		{`{"ResourceTypeFilters":["AWS::EC2::Instance","AWS::SSM::ManagedInstance","AWS::EC2::Instance"],"TagFilters":[{"Key":"k","Values":[]}]}`,
			&groups.TagQuery{ResourceTypeFilters: []string{"AWS::EC2::Instance", "AWS::SSM::ManagedInstance"}, TagFilters: []groups.TagFilter{{Key: "k", Values: []string{}}}}},
	}
	for _, tt := range valid {
		got, err := groups.ParseQuery(groups.ResourceQuery{Type: "TAG_FILTERS_1_0", Query: tt.query})
		if err != nil {
			t.Errorf("ParseQuery(%s) = %v", tt.query, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseQuery(%s) mismatch (-want +got):\n%s", tt.query, diff)
		}
	}

	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf(`{"Key":"k%d"}`, i)
	}
	values := `"` + strings.Repeat(`v","`, 20) + `v"`
	invalid := []struct{ typ, query, want string }{
		{"CLOUDFORMATION_STACK_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"StackIdentifier":"arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"}`,
			"CLOUDFORMATION_STACK_1_0 are not supported: kanri has no CloudFormation stacks"},
		{"SQL", `{}`, "Query type SQL is not valid"},
		{"TAG_FILTERS_1_0", ``, "must be a JSON object"},
		{"TAG_FILTERS_1_0", `[]`, "must be a JSON object"},
		{"TAG_FILTERS_1_0", `null`, "must be a JSON object"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"k"}]} {}`, "unexpected data"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"k"}],"Extra":1}`, `unknown field "Extra"`},
		{"TAG_FILTERS_1_0", `{"TagFilters":[{"Key":"k"}]}`, "ResourceTypeFilters must name at least one"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported","AWS::SSM::ManagedInstance"],"TagFilters":[{"Key":"k"}]}`, "cannot be combined"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["ManagedInstance"],"TagFilters":[{"Key":"k"}]}`, `resource type "ManagedInstance" is not valid`},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[]}`, "at least one tag filter"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"]}`, "at least one tag filter"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[` + strings.Join(many, ",") + `]}`, "at most 50 tag filters"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Values":["v"]}]}`, "tag filter 1 has no Key"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"k","Values":[` + values + `]}]}`, "at most 20 values"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":[{"Key":"` + strings.Repeat("k", 129) + `"}]}`, "longer than 128"},
		{"TAG_FILTERS_1_0", `{"ResourceTypeFilters":["AWS::AllSupported"],"TagFilters":"env"}`, "cannot unmarshal"},
	}
	for _, tt := range invalid {
		_, err := groups.ParseQuery(groups.ResourceQuery{Type: tt.typ, Query: tt.query})
		wantCode(t, fmt.Sprintf("ParseQuery(%s, %.60s)", tt.typ, tt.query), err, "BadRequestException", tt.want)
	}
}

func TestGroups(t *testing.T) {
	ctx := context.Background()
	s, _ := setup(t,
		map[string]string{"env": "dev"},
		map[string]string{"env": "prod", "team": "web"},
		map[string]string{"env": "dev", "team": "web"},
		map[string]string{"env": "prod"},
		map[string]string{"env": "dev", "team": "db"},
	)
	arn := "arn:aws:resource-groups:us-east-1:123456789012:group/dev"
	out, err := s.CreateGroup(ctx, &rg.CreateGroupInput{Name: "dev", Description: "dev servers", Owner: "ops",
		ResourceQuery: tagQuery(`["AWS::SSM::ManagedInstance"]`, `[{"Key":"env","Values":["dev"]}]`), Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &rg.CreateGroupOutput{Group: &rg.Group{GroupArn: arn, Name: "dev", Description: "dev servers", Owner: "ops"},
		ResourceQuery: tagQuery(`["AWS::SSM::ManagedInstance"]`, `[{"Key":"env","Values":["dev"]}]`), Tags: map[string]string{"k": "v"}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("CreateGroup mismatch (-want +got):\n%s", diff)
	}
	for _, in := range []*rg.CreateGroupInput{
		{Name: "web", ResourceQuery: tagQuery(`["AWS::AllSupported"]`, `[{"Key":"team","Values":["web"]}]`), Criticality: ptr[int32](1)},
		{Name: "ec2", ResourceQuery: tagQuery(`["AWS::EC2::Instance"]`, `[{"Key":"env"}]`), DisplayName: "EC2"},
		{Name: "mixed", ResourceQuery: tagQuery(`["AWS::EC2::Instance","AWS::SSM::ManagedInstance"]`, `[{"Key":"env"},{"Key":"team"}]`)},
	} {
		if _, err := s.CreateGroup(ctx, in); err != nil {
			t.Fatalf("CreateGroup(%s): %v", in.Name, err)
		}
	}

	for _, tt := range []struct {
		in   *rg.CreateGroupInput
		want string
	}{
		{&rg.CreateGroupInput{Name: "dev", ResourceQuery: tagQuery(`["AWS::AllSupported"]`, `[{"Key":"env"}]`)}, "already exists"},
		{&rg.CreateGroupInput{Name: "AWSStuff", ResourceQuery: tagQuery(`["AWS::AllSupported"]`, `[{"Key":"env"}]`)}, "reserved"},
		{&rg.CreateGroupInput{Name: "awsome", ResourceQuery: tagQuery(`["AWS::AllSupported"]`, `[{"Key":"env"}]`)}, "reserved"},
		{&rg.CreateGroupInput{Name: "noquery"}, "A ResourceQuery is required"},
		{&rg.CreateGroupInput{Name: "conf", ResourceQuery: tagQuery(`["AWS::AllSupported"]`, `[{"Key":"env"}]`),
			Configuration: []*rg.GroupConfigurationItem{{Type: "AWS::EC2::CapacityReservationPool"}}}, "configurations are not supported"},
		{&rg.CreateGroupInput{Name: "tags", ResourceQuery: tagQuery(`["AWS::AllSupported"]`, `[{"Key":"env"}]`),
			Tags: map[string]string{"aws:owner": "x"}}, "reserved"},
	} {
		_, err := s.CreateGroup(ctx, tt.in)
		wantCode(t, "CreateGroup("+tt.in.Name+")", err, "BadRequestException", tt.want)
	}

	// Resolution: the managed instances whose tags match.
	for _, tt := range []struct {
		group string
		want  []string
	}{
		{"dev", ids(1, 3, 5)},
		{arn, ids(1, 3, 5)},
		{"web", ids(2, 3)},
		{"ec2", nil},
		{"mixed", ids(2, 3, 5)},
	} {
		got, err := s.Resolve(ctx, tt.group)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Resolve(%s) = %v, %v, want %v", tt.group, got, err, tt.want)
		}
	}
	for _, name := range []string{"nope", "arn:aws:resource-groups:us-east-1:210987654321:group/dev", "arn:aws:resource-groups:eu-west-1:123456789012:group/dev",
		"arn:aws:iam::123456789012:group/dev"} {
		_, err := s.Resolve(ctx, name)
		if !errors.Is(err, awserr.NotFound) {
			t.Errorf("Resolve(%s) = %v, want NotFound", name, err)
		}
		wantCode(t, "Resolve("+name+")", err, "NotFoundException", "Cannot find group")
	}

	// ListGroupResources pages through them.
	var got []string
	in := &rg.ListGroupResourcesInput{Group: "dev", MaxResults: ptr[int32](2)}
	for page := 0; ; page++ {
		out, err := s.ListGroupResources(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Resources) > 2 || len(out.Resources) != len(out.ResourceIdentifiers) || page > 2 {
			t.Fatalf("ListGroupResources page %d = %+v", page, out)
		}
		for _, r := range out.Resources {
			if r.Identifier.ResourceType != "AWS::SSM::ManagedInstance" {
				t.Errorf("resource type %s", r.Identifier.ResourceType)
			}
			got = append(got, strings.TrimPrefix(r.Identifier.ResourceArn, "arn:aws:ssm:us-east-1:123456789012:managed-instance/"))
		}
		if out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if !slices.Equal(got, ids(1, 3, 5)) {
		t.Errorf("ListGroupResources(dev) pages = %v, want %v", got, ids(1, 3, 5))
	}
	mixed, err := s.ListGroupResources(ctx, &rg.ListGroupResourcesInput{GroupName: "mixed"})
	if err != nil || len(mixed.Resources) != 3 || len(mixed.QueryErrors) != 1 ||
		mixed.QueryErrors[0].ErrorCode != rg.QueryErrorCodeResourceTypeNotSupported || !strings.Contains(mixed.QueryErrors[0].Message, "AWS::EC2::Instance") {
		t.Errorf("ListGroupResources(mixed) = %+v, %v", mixed, err)
	}
	filtered, err := s.ListGroupResources(ctx, &rg.ListGroupResourcesInput{Group: "mixed",
		Filters: []*rg.ResourceFilter{{Name: "resource-type", Values: []string{"AWS::EC2::Instance"}}}})
	if err != nil || len(filtered.Resources) != 0 {
		t.Errorf("ListGroupResources(mixed, EC2 only) = %+v, %v", filtered, err)
	}
	_, err = s.ListGroupResources(ctx, &rg.ListGroupResourcesInput{Group: "dev", NextToken: "%%%"})
	wantCode(t, "ListGroupResources(bad token)", err, "BadRequestException", "NextToken")
	_, err = s.ListGroupResources(ctx, &rg.ListGroupResourcesInput{})
	wantCode(t, "ListGroupResources(no group)", err, "BadRequestException", "Either Group or GroupName")

	// ListGroups, filtered.
	for _, tt := range []struct {
		filters []*rg.GroupFilter
		want    []string
	}{
		{nil, []string{"dev", "ec2", "mixed", "web"}},
		{[]*rg.GroupFilter{{Name: "resource-type", Values: []string{"AWS::EC2::Instance"}}}, []string{"ec2", "mixed"}},
		{[]*rg.GroupFilter{{Name: "resource-type", Values: []string{"AWS::SSM::ManagedInstance"}}, {Name: "owner", Values: []string{"ops"}}}, []string{"dev"}},
		{[]*rg.GroupFilter{{Name: "criticality", Values: []string{"1", "2"}}}, []string{"web"}},
		{[]*rg.GroupFilter{{Name: "display-name", Values: []string{"EC2"}}}, []string{"ec2"}},
		{[]*rg.GroupFilter{{Name: "configuration-type", Values: []string{"AWS::EC2::CapacityReservationPool"}}}, nil},
	} {
		var names []string
		in := &rg.ListGroupsInput{Filters: tt.filters, MaxResults: ptr[int32](1)}
		for page := 0; ; page++ {
			out, err := s.ListGroups(ctx, in)
			if err != nil || page > 4 {
				t.Fatalf("ListGroups(%v) page %d: %+v, %v", tt.filters, page, out, err)
			}
			for i, g := range out.GroupIdentifiers {
				names = append(names, g.GroupName)
				if out.Groups[i].GroupArn != g.GroupArn {
					t.Errorf("ListGroups: Groups[%d] = %+v, GroupIdentifiers[%d] = %+v", i, out.Groups[i], i, g)
				}
			}
			if out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("ListGroups(%v) = %v, want %v", tt.filters, names, tt.want)
		}
	}
	_, err = s.ListGroups(ctx, &rg.ListGroupsInput{Filters: []*rg.GroupFilter{{Name: "criticality", Values: []string{"high"}}}})
	wantCode(t, "ListGroups(criticality high)", err, "BadRequestException", "Criticality filter value high")

	// Updates keep what they do not set.
	up, err := s.UpdateGroup(ctx, &rg.UpdateGroupInput{Group: arn, Criticality: ptr[int32](5)})
	if err != nil || up.Group.Description != "dev servers" || up.Group.Owner != "ops" || *up.Group.Criticality != 5 {
		t.Errorf("UpdateGroup = %+v, %v", up, err)
	}
	_, err = s.UpdateGroupQuery(ctx, &rg.UpdateGroupQueryInput{Group: "dev",
		ResourceQuery: &rg.ResourceQuery{Type: rg.QueryTypeCloudformationStack10, Query: "{}"}})
	wantCode(t, "UpdateGroupQuery(CloudFormation)", err, "BadRequestException", "CloudFormation")
	if _, err := s.UpdateGroupQuery(ctx, &rg.UpdateGroupQueryInput{GroupName: "dev",
		ResourceQuery: tagQuery(`["AWS::SSM::ManagedInstance"]`, `[{"Key":"team","Values":["db"]}]`)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Resolve(ctx, "dev"); err != nil || !slices.Equal(got, ids(5)) {
		t.Errorf("Resolve(dev) after UpdateGroupQuery = %v, %v, want %v", got, err, ids(5))
	}
	_, err = s.UpdateGroupQuery(ctx, &rg.UpdateGroupQueryInput{Group: "nope",
		ResourceQuery: tagQuery(`["AWS::SSM::ManagedInstance"]`, `[{"Key":"team"}]`)})
	wantCode(t, "UpdateGroupQuery(nope)", err, "NotFoundException", "nope")

	// Tags.
	if _, err := s.Tag(ctx, &rg.TagInput{Arn: arn, Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Untag(ctx, &rg.UntagInput{Arn: arn, Keys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := s.GetTags(ctx, &rg.GetTagsInput{Arn: arn})
	if err != nil || !cmp.Equal(tags.Tags, map[string]string{"a": "1"}) {
		t.Errorf("GetTags = %+v, %v", tags, err)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("t", i)] = ""
	}
	_, err = s.Tag(ctx, &rg.TagInput{Arn: arn, Tags: many})
	wantCode(t, "Tag(50 more)", err, "BadRequestException", "at most 50 tags")
	_, err = s.Tag(ctx, &rg.TagInput{Arn: "arn:aws:resource-groups:us-east-1:123456789012:group/nope", Tags: map[string]string{"a": "1"}})
	wantCode(t, "Tag(nope)", err, "NotFoundException", "nope")

	del, err := s.DeleteGroup(ctx, &rg.DeleteGroupInput{Group: "dev"})
	if err != nil || del.Group.GroupArn != arn {
		t.Errorf("DeleteGroup = %+v, %v", del, err)
	}
	_, err = s.GetGroup(ctx, &rg.GetGroupInput{GroupName: "dev"})
	wantCode(t, "GetGroup(deleted)", err, "NotFoundException", "dev")
}

func ptr[T any](v T) *T { return &v }
