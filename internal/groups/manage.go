// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package groups

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/awserr"
	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

// service is the ARN service name of groups.
const service = "resource-groups"

// defaultMaxResults is the page size of listings without MaxResults.
const defaultMaxResults = 50

// ARN returns the ARN of the account's group name.
func (s *Service) ARN(name string) string {
	return arn.ARN{Partition: arn.DefaultPartition, Service: service, Region: s.region, Account: s.account, Resource: "group/" + name}.String()
}

// ARNOf returns the ARN of the group that an operation names by group
// (a name or an ARN, which is returned as it is) or, deprecated, by
// groupName; "*" when it names none.
func (s *Service) ARNOf(group, groupName string) string {
	switch {
	case strings.HasPrefix(group, "arn:"):
		return group
	case group != "":
		return s.ARN(group)
	case groupName != "":
		return s.ARN(groupName)
	}
	return "*"
}

func notFound(group string) error {
	return rg.NewNotFoundException("Cannot find group %s.", group)
}

// name returns the name of the group an operation names by group (a name
// or an ARN) or, deprecated, by groupName. An ARN of another account,
// region or service names no group of this account: NotFoundException.
func (s *Service) name(group, groupName string) (string, error) {
	if group == "" {
		group = groupName
	}
	if group == "" {
		return "", rg.NewBadRequestException("Either Group or GroupName must be specified.")
	}
	if !strings.HasPrefix(group, "arn:") {
		return group, nil
	}
	a, err := arn.Parse(group)
	name, ok := strings.CutPrefix(a.Resource, "group/")
	if err != nil || !ok || a.Service != service || a.Account != s.account || a.Region != s.region {
		return "", notFound(group)
	}
	return name, nil
}

// get returns the account's group that an operation names.
func (s *Service) get(ctx context.Context, group, groupName string) (*Group, error) {
	name, err := s.name(group, groupName)
	if err != nil {
		return nil, err
	}
	g, err := s.store.GetResourceGroup(ctx, s.account, name)
	if errors.Is(err, awserr.NotFound) {
		return nil, notFound(name)
	}
	return g, err
}

// checkName applies the rules of new group names beyond the model's
// pattern: names beginning with AWS or aws are reserved.
func checkName(name string) error {
	if strings.HasPrefix(name, "AWS") || strings.HasPrefix(name, "aws") {
		return rg.NewBadRequestException("Group name %s is not valid: names beginning with AWS or aws are reserved.", name)
	}
	return nil
}

// criticality converts the wire's optional criticality.
func criticality(c *int32) *int {
	if c == nil {
		return nil
	}
	n := int(*c)
	return &n
}

func (s *Service) groupShape(g *Group) *rg.Group {
	out := &rg.Group{GroupArn: s.ARN(g.Name), Name: g.Name, Description: g.Description, Owner: g.Owner, DisplayName: g.DisplayName}
	if g.Criticality != 0 {
		c := int32(g.Criticality)
		out.Criticality = &c
	}
	return out
}

func (s *Service) identifierShape(g *Group) *rg.GroupIdentifier {
	sh := s.groupShape(g)
	return &rg.GroupIdentifier{GroupName: sh.Name, GroupArn: sh.GroupArn, Description: sh.Description, Criticality: sh.Criticality,
		Owner: sh.Owner, DisplayName: sh.DisplayName}
}

func queryShape(q ResourceQuery) *rg.ResourceQuery {
	return &rg.ResourceQuery{Type: q.Type, Query: q.Query}
}

// resourceQuery checks the resource query of a request.
func resourceQuery(q *rg.ResourceQuery) (ResourceQuery, error) {
	if q == nil {
		return ResourceQuery{}, rg.NewBadRequestException("A ResourceQuery is required: kanri groups resources by a %s query.", rg.QueryTypeTagFilters10)
	}
	rq := ResourceQuery{Type: q.Type, Query: q.Query}
	if _, err := ParseQuery(rq); err != nil {
		return ResourceQuery{}, err
	}
	return rq, nil
}

// CreateGroup creates a group of resources that match a tag query.
// Service configurations (Configuration) are not supported.
func (s *Service) CreateGroup(ctx context.Context, in *rg.CreateGroupInput) (*rg.CreateGroupOutput, error) {
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if len(in.Configuration) > 0 {
		return nil, rg.NewBadRequestException("Group configurations are not supported: create the group with a %s ResourceQuery.",
			rg.QueryTypeTagFilters10)
	}
	q, err := resourceQuery(in.ResourceQuery)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	g := &Group{Account: s.account, Name: in.Name, Description: in.Description, Query: q, Owner: in.Owner, DisplayName: in.DisplayName,
		Tags: in.Tags, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if c := criticality(in.Criticality); c != nil {
		g.Criticality = *c
	}
	err = s.store.CreateResourceGroup(ctx, g)
	if errors.Is(err, awserr.Exists) {
		return nil, rg.NewBadRequestException("Cannot create group %s: a group with this name already exists.", in.Name)
	}
	if err != nil {
		return nil, err
	}
	return &rg.CreateGroupOutput{Group: s.groupShape(g), ResourceQuery: queryShape(q), Tags: g.Tags}, nil
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, in *rg.GetGroupInput) (*rg.GetGroupOutput, error) {
	g, err := s.get(ctx, in.Group, in.GroupName)
	if err != nil {
		return nil, err
	}
	return &rg.GetGroupOutput{Group: s.groupShape(g)}, nil
}

// GetGroupQuery returns a group's resource query.
func (s *Service) GetGroupQuery(ctx context.Context, in *rg.GetGroupQueryInput) (*rg.GetGroupQueryOutput, error) {
	g, err := s.get(ctx, in.Group, in.GroupName)
	if err != nil {
		return nil, err
	}
	return &rg.GetGroupQueryOutput{GroupQuery: &rg.GroupQuery{GroupName: g.Name, ResourceQuery: queryShape(g.Query)}}, nil
}

// update applies u to the group an operation names.
func (s *Service) update(ctx context.Context, group, groupName string, u Update) (*Group, error) {
	name, err := s.name(group, groupName)
	if err != nil {
		return nil, err
	}
	g, err := s.store.UpdateResourceGroup(ctx, s.account, name, u)
	if errors.Is(err, awserr.NotFound) {
		return nil, notFound(name)
	}
	return g, err
}

// UpdateGroup changes a group's description, criticality, owner or display
// name; members left out keep their value.
func (s *Service) UpdateGroup(ctx context.Context, in *rg.UpdateGroupInput) (*rg.UpdateGroupOutput, error) {
	var u Update
	if in.Description != "" {
		u.Description = &in.Description
	}
	if in.Owner != "" {
		u.Owner = &in.Owner
	}
	if in.DisplayName != "" {
		u.DisplayName = &in.DisplayName
	}
	u.Criticality = criticality(in.Criticality)
	g, err := s.update(ctx, in.Group, in.GroupName, u)
	if err != nil {
		return nil, err
	}
	return &rg.UpdateGroupOutput{Group: s.groupShape(g)}, nil
}

// UpdateGroupQuery replaces a group's resource query.
func (s *Service) UpdateGroupQuery(ctx context.Context, in *rg.UpdateGroupQueryInput) (*rg.UpdateGroupQueryOutput, error) {
	q, err := resourceQuery(in.ResourceQuery)
	if err != nil {
		return nil, err
	}
	g, err := s.update(ctx, in.Group, in.GroupName, Update{Query: &q})
	if err != nil {
		return nil, err
	}
	return &rg.UpdateGroupQueryOutput{GroupQuery: &rg.GroupQuery{GroupName: g.Name, ResourceQuery: queryShape(g.Query)}}, nil
}

// DeleteGroup deletes a group; the resources in it are not affected.
func (s *Service) DeleteGroup(ctx context.Context, in *rg.DeleteGroupInput) (*rg.DeleteGroupOutput, error) {
	g, err := s.get(ctx, in.Group, in.GroupName)
	if err != nil {
		return nil, err
	}
	err = s.store.DeleteResourceGroup(ctx, s.account, g.Name)
	if errors.Is(err, awserr.NotFound) {
		return nil, notFound(g.Name)
	}
	if err != nil {
		return nil, err
	}
	return &rg.DeleteGroupOutput{Group: s.groupShape(g)}, nil
}

// groupFilter returns whether a group passes one ListGroups filter.
func groupFilter(f *rg.GroupFilter) (func(g *Group) bool, error) {
	switch f.Name {
	case rg.GroupFilterNameResourceType:
		return func(g *Group) bool {
			q, err := ParseQuery(g.Query)
			if err != nil {
				return false
			}
			for _, v := range f.Values {
				if slices.Contains(q.ResourceTypeFilters, v) {
					return true
				}
			}
			return false
		}, nil
	case rg.GroupFilterNameConfigurationType:
		// Groups with service configurations are not supported.
		return func(*Group) bool { return false }, nil
	case rg.GroupFilterNameOwner:
		return func(g *Group) bool { return slices.Contains(f.Values, g.Owner) }, nil
	case rg.GroupFilterNameDisplayName:
		return func(g *Group) bool { return slices.Contains(f.Values, g.DisplayName) }, nil
	case rg.GroupFilterNameCriticality:
		var want []int
		for _, v := range f.Values {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10 {
				return nil, rg.NewBadRequestException("Criticality filter value %s is not valid: use a number from 1 to 10.", v)
			}
			want = append(want, n)
		}
		return func(g *Group) bool { return slices.Contains(want, g.Criticality) }, nil
	}
	return nil, rg.NewBadRequestException("Filter name %s is not valid.", f.Name)
}

// ListGroups lists the account's groups by name, those every filter
// passes.
func (s *Service) ListGroups(ctx context.Context, in *rg.ListGroupsInput) (*rg.ListGroupsOutput, error) {
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	var filters []func(*Group) bool
	for _, f := range in.Filters {
		fn, err := groupFilter(f)
		if err != nil {
			return nil, err
		}
		filters = append(filters, fn)
	}
	out := &rg.ListGroupsOutput{}
	const batch = 200
	for {
		page, err := s.store.ListResourceGroups(ctx, s.account, after, batch)
		if err != nil {
			return nil, err
		}
	groups:
		for _, g := range page {
			after = g.Name
			for _, pass := range filters {
				if !pass(g) {
					continue groups
				}
			}
			if len(out.GroupIdentifiers) == limit {
				out.NextToken = encodeToken(out.GroupIdentifiers[limit-1].GroupName)
				return out, nil
			}
			out.GroupIdentifiers = append(out.GroupIdentifiers, s.identifierShape(g))
			out.Groups = append(out.Groups, s.groupShape(g))
		}
		if len(page) < batch {
			return out, nil
		}
	}
}

// encodeToken returns the NextToken that continues a listing after key.
func encodeToken(key string) string {
	return base64.StdEncoding.EncodeToString([]byte(key))
}

// decodeToken returns the key a NextToken continues after; "" for none.
func decodeToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(b) == 0 {
		return "", rg.NewBadRequestException("The specified NextToken is not valid.")
	}
	return string(b), nil
}
