// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/groups"
	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

// fleetInstances resolves group queries to managed instances with the
// fleet's storage.
type fleetInstances struct{ store fleet.Store }

// InstanceIDsByTags returns the IDs of the account's managed instances
// whose tags match every filter, in ID order.
func (f fleetInstances) InstanceIDsByTags(ctx context.Context, account string, tags []groups.TagFilter) ([]string, error) {
	filter := fleet.InstanceFilter{Tags: make([]fleet.TagFilter, len(tags))}
	for i, t := range tags {
		filter.Tags[i] = fleet.TagFilter{Key: t.Key, Values: t.Values}
	}
	ins, err := f.store.ListInstances(ctx, account, filter)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = string(in.ID)
	}
	return ids, nil
}

// newGroups returns the resource groups service of s.
func (s *Server) newGroups() *groups.Service {
	return groups.New(groups.Config{Store: s.db, Instances: fleetInstances{s.db}, Account: s.account, Region: s.cfg.Region, Logger: s.log})
}

// Groups returns the resource groups service, which resolves
// resource-groups:Name targets.
func (s *Server) Groups() *groups.Service { return s.groups }

// rgTagContext returns the condition keys of tags a request sets.
func rgTagContext(tags map[string]string) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	out := map[string][]string{}
	var keys []string
	for k, v := range tags {
		out["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
	}
	out["aws:TagKeys"] = keys
	return out
}

// groupsService binds the Resource Groups operations (REST-JSON), each
// with the group ARN it acts on.
func groupsService(g *groups.Service) *api.Service {
	ops := []*api.Operation{
		api.Context(api.Resources(api.Op("CreateGroup", g.CreateGroup), func(ctx context.Context, in *rg.CreateGroupInput) []string {
			return []string{g.ARN(in.Name)}
		}), func(ctx context.Context, in *rg.CreateGroupInput) map[string][]string { return rgTagContext(in.Tags) }),
		api.Resources(api.Op("GetGroup", g.GetGroup).Read(), func(ctx context.Context, in *rg.GetGroupInput) []string {
			return []string{g.ARNOf(in.Group, in.GroupName)}
		}),
		api.Op("ListGroups", g.ListGroups).Read(),
		api.Resources(api.Op("UpdateGroup", g.UpdateGroup), func(ctx context.Context, in *rg.UpdateGroupInput) []string {
			return []string{g.ARNOf(in.Group, in.GroupName)}
		}),
		api.Resources(api.Op("DeleteGroup", g.DeleteGroup), func(ctx context.Context, in *rg.DeleteGroupInput) []string {
			return []string{g.ARNOf(in.Group, in.GroupName)}
		}),
		api.Resources(api.Op("GetGroupQuery", g.GetGroupQuery).Read(), func(ctx context.Context, in *rg.GetGroupQueryInput) []string {
			return []string{g.ARNOf(in.Group, in.GroupName)}
		}),
		api.Resources(api.Op("UpdateGroupQuery", g.UpdateGroupQuery), func(ctx context.Context, in *rg.UpdateGroupQueryInput) []string {
			return []string{g.ARNOf(in.Group, in.GroupName)}
		}),
		api.Resources(api.Op("ListGroupResources", g.ListGroupResources).Read(), func(ctx context.Context, in *rg.ListGroupResourcesInput) []string {
			return []string{g.ARNOf(in.Group, in.GroupName)}
		}),
		api.Resources(api.Op("GetTags", g.GetTags).Read(), func(ctx context.Context, in *rg.GetTagsInput) []string {
			return []string{in.Arn}
		}),
		api.Context(api.Resources(api.Op("Tag", g.Tag), func(ctx context.Context, in *rg.TagInput) []string {
			return []string{in.Arn}
		}), func(ctx context.Context, in *rg.TagInput) map[string][]string { return rgTagContext(in.Tags) }),
		api.Context(api.Resources(api.Op("Untag", g.Untag), func(ctx context.Context, in *rg.UntagInput) []string {
			return []string{in.Arn}
		}), func(ctx context.Context, in *rg.UntagInput) map[string][]string {
			return map[string][]string{"aws:TagKeys": in.Keys}
		}),
	}
	return &api.Service{Name: "resource-groups", Protocol: api.REST, Bindings: rg.Operations, Operations: ops}
}
