// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/fleet"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// resourceTypeAssociation is the ResourceType of associations in tagging
// operations.
const resourceTypeAssociation = "Association"

// newAssociations returns the State Manager service of s, which runs
// associations as Run Command commands.
func (s *Server) newAssociations() *association.Service {
	return association.New(association.Config{Store: s.db, Commands: s.commands, Account: s.account, Region: s.cfg.Region,
		Timing: s.cfg.Associations, Logger: s.log})
}

// Associations returns the State Manager service.
func (s *Server) Associations() *association.Service { return s.associations }

// fleetAssociations tells the fleet how associations went on instances;
// State Manager is made after the fleet, so it is looked up on each call.
type fleetAssociations struct{ s *Server }

func (fa fleetAssociations) AssociationSummaries(ctx context.Context, instanceIDs []string) (map[string]*fleet.AssociationSummary, error) {
	return fa.s.associations.AssociationSummaries(ctx, instanceIDs)
}

// associationTagger tags associations.
type associationTagger struct{ a *association.Service }

func (at associationTagger) Tags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	return at.a.Tags(ctx, id)
}
func (at associationTagger) AddTags(ctx context.Context, id string, tags []*ssm.Tag) error {
	return at.a.SetTags(ctx, id, tags, nil)
}
func (at associationTagger) RemoveTags(ctx context.Context, id string, keys []string) error {
	return at.a.SetTags(ctx, id, nil, keys)
}
func (at associationTagger) ARN(id string) string { return at.a.ARN(id) }

// associationOperations are the State Manager operations of SSM, each
// authorized on the associations it names, and CreateAssociation on the
// document and the instance it names.
func associationOperations(a *association.Service, documentARN, instanceARN func(string) string) []*api.Operation {
	one := func(id string) []string { return []string{a.ARN(id)} }
	named := func(id, name, instanceID string) []string {
		if id != "" {
			return one(id)
		}
		out := []string{documentARN(name)}
		if instanceID != "" {
			out = append(out, instanceARN(instanceID))
		}
		return out
	}
	return []*api.Operation{
		api.Context(api.Resources(api.Op("CreateAssociation", a.CreateAssociation), func(ctx context.Context, in *ssm.CreateAssociationInput) []string {
			return named("", in.Name, in.InstanceId)
		}), func(ctx context.Context, in *ssm.CreateAssociationInput) map[string][]string {
			return ssmTagContext(in.Tags)
		}),
		api.Resources(api.Op("CreateAssociationBatch", a.CreateAssociationBatch), func(ctx context.Context, in *ssm.CreateAssociationBatchInput) []string {
			var out []string
			for _, e := range in.Entries {
				out = append(out, named("", e.Name, e.InstanceId)...)
			}
			return out
		}),
		api.Resources(api.Op("DescribeInstanceAssociationsStatus", a.DescribeInstanceAssociationsStatus).Read(), func(ctx context.Context, in *ssm.DescribeInstanceAssociationsStatusInput) []string {
			return []string{instanceARN(in.InstanceId)}
		}),
		api.Resources(api.Op("DescribeEffectiveInstanceAssociations", a.DescribeEffectiveInstanceAssociations).Read(), func(ctx context.Context, in *ssm.DescribeEffectiveInstanceAssociationsInput) []string {
			return []string{instanceARN(in.InstanceId)}
		}),
		api.Resources(api.Op("DescribeAssociation", a.DescribeAssociation).Read(), func(ctx context.Context, in *ssm.DescribeAssociationInput) []string {
			return named(in.AssociationId, in.Name, in.InstanceId)
		}),
		api.Op("ListAssociations", a.ListAssociations).Read(),
		api.Resources(api.Op("UpdateAssociation", a.UpdateAssociation), func(ctx context.Context, in *ssm.UpdateAssociationInput) []string {
			return one(in.AssociationId)
		}),
		api.Resources(api.Op("DeleteAssociation", a.DeleteAssociation), func(ctx context.Context, in *ssm.DeleteAssociationInput) []string {
			return named(in.AssociationId, in.Name, in.InstanceId)
		}),
		api.Resources(api.Op("ListAssociationVersions", a.ListAssociationVersions).Read(), func(ctx context.Context, in *ssm.ListAssociationVersionsInput) []string {
			return one(in.AssociationId)
		}),
		api.Resources(api.Op("DescribeAssociationExecutions", a.DescribeAssociationExecutions).Read(), func(ctx context.Context, in *ssm.DescribeAssociationExecutionsInput) []string {
			return one(in.AssociationId)
		}),
		api.Resources(api.Op("DescribeAssociationExecutionTargets", a.DescribeAssociationExecutionTargets).Read(), func(ctx context.Context, in *ssm.DescribeAssociationExecutionTargetsInput) []string {
			return one(in.AssociationId)
		}),
		api.Resources(api.Op("StartAssociationsOnce", a.StartAssociationsOnce), func(ctx context.Context, in *ssm.StartAssociationsOnceInput) []string {
			out := make([]string, len(in.AssociationIds))
			for i, id := range in.AssociationIds {
				out[i] = a.ARN(id)
			}
			return out
		}),
	}
}
