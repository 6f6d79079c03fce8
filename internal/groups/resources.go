// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package groups

import (
	"context"
	"fmt"
	"slices"

	"github.com/kanri-dev/kanri/internal/arn"
	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

// members returns the IDs of the managed instances a group's query
// selects, in ID order.
func (s *Service) members(ctx context.Context, g *Group) ([]string, *TagQuery, error) {
	q, err := ParseQuery(g.Query)
	if err != nil {
		// Stored queries were checked when they were set.
		return nil, nil, fmt.Errorf("group %s: stored query: %w", g.Name, err)
	}
	if !q.selects(ResourceTypeManagedInstance) {
		return nil, q, nil
	}
	ids, err := s.instances.InstanceIDsByTags(ctx, s.account, q.TagFilters)
	if err != nil {
		return nil, nil, fmt.Errorf("group %s: %w", g.Name, err)
	}
	return ids, q, nil
}

// Resolve returns the IDs of the managed instances in the account's group
// name (a name or an ARN), in ID order: those whose tags match the group's
// query, if it selects managed instances. A missing group is a
// NotFoundException (kind awserr.NotFound).
func (s *Service) Resolve(ctx context.Context, name string) ([]string, error) {
	g, err := s.get(ctx, name, "")
	if err != nil {
		return nil, err
	}
	ids, _, err := s.members(ctx, g)
	return ids, err
}

// instanceARN returns the ARN of a managed instance of the account.
func (s *Service) instanceARN(id string) string {
	return arn.ARN{Partition: arn.DefaultPartition, Service: "ssm", Region: s.region, Account: s.account, Resource: "managed-instance/" + id}.String()
}

// ListGroupResources lists the resources in a group, in ID order: the
// managed instances its query selects. The query's other resource types
// are reported as QueryErrors (RESOURCE_TYPE_NOT_SUPPORTED): kanri has no
// resources of them.
func (s *Service) ListGroupResources(ctx context.Context, in *rg.ListGroupResourcesInput) (*rg.ListGroupResourcesOutput, error) {
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	g, err := s.get(ctx, in.Group, in.GroupName)
	if err != nil {
		return nil, err
	}
	ids, q, err := s.members(ctx, g)
	if err != nil {
		return nil, err
	}
	for _, f := range in.Filters {
		if f.Name != rg.ResourceFilterNameResourceType {
			return nil, rg.NewBadRequestException("Filter name %s is not valid.", f.Name)
		}
		if !slices.Contains(f.Values, ResourceTypeManagedInstance) {
			ids = nil
		}
	}
	out := &rg.ListGroupResourcesOutput{}
	for _, t := range q.unsupported() {
		out.QueryErrors = append(out.QueryErrors, &rg.QueryError{ErrorCode: rg.QueryErrorCodeResourceTypeNotSupported,
			Message: fmt.Sprintf("Resource type %s is not supported: kanri groups only %s resources.", t, ResourceTypeManagedInstance)})
	}
	if after != "" {
		i, _ := slices.BinarySearch(ids, after)
		for i < len(ids) && ids[i] <= after {
			i++
		}
		ids = ids[i:]
	}
	if len(ids) > limit {
		ids = ids[:limit]
		out.NextToken = encodeToken(ids[limit-1])
	}
	for _, id := range ids {
		ri := &rg.ResourceIdentifier{ResourceArn: s.instanceARN(id), ResourceType: ResourceTypeManagedInstance}
		out.Resources = append(out.Resources, &rg.ListGroupResourcesItem{Identifier: ri})
		out.ResourceIdentifiers = append(out.ResourceIdentifiers, ri)
	}
	return out, nil
}
