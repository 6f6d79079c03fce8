// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/command"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/params"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// resourceTypeDocument is the ResourceType of SSM documents in tagging
// operations.
const resourceTypeDocument = "Document"

// tagger is a kind of SSM resource that can be tagged.
type tagger interface {
	Tags(ctx context.Context, id string) ([]*ssm.Tag, error)
	AddTags(ctx context.Context, id string, tags []*ssm.Tag) error
	RemoveTags(ctx context.Context, id string, keys []string) error
	ARN(id string) string
}

// ssmTagging answers SSM's AddTagsToResource, RemoveTagsFromResource and
// ListTagsForResource by dispatching on ResourceType to the domain that
// owns the resource.
type ssmTagging struct {
	byType map[string]tagger
}

func (t *ssmTagging) tagger(resourceType string) (tagger, error) {
	tg, ok := t.byType[resourceType]
	if !ok {
		return nil, ssm.NewInvalidResourceType("The resource type %s is not valid.", resourceType)
	}
	return tg, nil
}

func (t *ssmTagging) add(ctx context.Context, in *ssm.AddTagsToResourceInput) (*ssm.AddTagsToResourceOutput, error) {
	tg, err := t.tagger(in.ResourceType)
	if err != nil {
		return nil, err
	}
	return &ssm.AddTagsToResourceOutput{}, tg.AddTags(ctx, in.ResourceId, in.Tags)
}

func (t *ssmTagging) remove(ctx context.Context, in *ssm.RemoveTagsFromResourceInput) (*ssm.RemoveTagsFromResourceOutput, error) {
	tg, err := t.tagger(in.ResourceType)
	if err != nil {
		return nil, err
	}
	return &ssm.RemoveTagsFromResourceOutput{}, tg.RemoveTags(ctx, in.ResourceId, in.TagKeys)
}

func (t *ssmTagging) list(ctx context.Context, in *ssm.ListTagsForResourceInput) (*ssm.ListTagsForResourceOutput, error) {
	tg, err := t.tagger(in.ResourceType)
	if err != nil {
		return nil, err
	}
	tags, err := tg.Tags(ctx, in.ResourceId)
	if err != nil {
		return nil, err
	}
	return &ssm.ListTagsForResourceOutput{TagList: tags}, nil
}

func (t *ssmTagging) arn(resourceType, id string) []string {
	if tg, ok := t.byType[resourceType]; ok {
		return []string{tg.ARN(id)}
	}
	return nil
}

// instanceTagger tags managed instances.
type instanceTagger struct{ f *fleet.Service }

func (i instanceTagger) Tags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	return i.f.InstanceTags(ctx, id)
}
func (i instanceTagger) AddTags(ctx context.Context, id string, tags []*ssm.Tag) error {
	return i.f.AddInstanceTags(ctx, id, tags)
}
func (i instanceTagger) RemoveTags(ctx context.Context, id string, keys []string) error {
	return i.f.RemoveInstanceTags(ctx, id, keys)
}
func (i instanceTagger) ARN(id string) string { return i.f.ARN(fleet.InstanceID(id)) }

// ssmService binds the Systems Manager operations.
func ssmService(f *fleet.Service, c *command.Service, p *params.Service, inv *inventory.Service, as *association.Service) *api.Service {
	tags := &ssmTagging{byType: map[string]tagger{
		fleet.ResourceTypeManagedInstance: instanceTagger{f},
		resourceTypeDocument:              documentTagger{c},
		resourceTypeParameter:             parameterTagger{p},
		resourceTypeAssociation:           associationTagger{as},
	}}
	ops := []*api.Operation{
		api.Context(api.Op("CreateActivation", f.CreateActivation), func(ctx context.Context, in *ssm.CreateActivationInput) map[string][]string {
			return ssmTagContext(in.Tags)
		}),
		api.Op("DescribeActivations", f.DescribeActivations).Read(),
		api.Op("DeleteActivation", f.DeleteActivation),
		api.Op("DescribeInstanceInformation", f.DescribeInstanceInformation).Read(),
		api.Resources(api.Op("DeregisterManagedInstance", f.DeregisterManagedInstance), func(ctx context.Context, in *ssm.DeregisterManagedInstanceInput) []string {
			return []string{f.ARN(fleet.InstanceID(in.InstanceId))}
		}),
		api.Context(api.Resources(api.Op("AddTagsToResource", tags.add), func(ctx context.Context, in *ssm.AddTagsToResourceInput) []string {
			return tags.arn(in.ResourceType, in.ResourceId)
		}), func(ctx context.Context, in *ssm.AddTagsToResourceInput) map[string][]string {
			return ssmTagContext(in.Tags)
		}),
		api.Resources(api.Op("RemoveTagsFromResource", tags.remove), func(ctx context.Context, in *ssm.RemoveTagsFromResourceInput) []string {
			return tags.arn(in.ResourceType, in.ResourceId)
		}),
		api.Resources(api.Op("ListTagsForResource", tags.list).Read(), func(ctx context.Context, in *ssm.ListTagsForResourceInput) []string {
			return tags.arn(in.ResourceType, in.ResourceId)
		}),
	}
	ops = append(ops, commandOperations(c, func(id string) string { return f.ARN(fleet.InstanceID(id)) })...)
	ops = append(ops, paramOperations(p)...)
	ops = append(ops, inventoryOperations(inv, func(id string) string { return f.ARN(fleet.InstanceID(id)) })...)
	ops = append(ops, associationOperations(as, c.DocumentARN, func(id string) string { return f.ARN(fleet.InstanceID(id)) })...)
	return &api.Service{Name: "ssm", Protocol: api.JSON, TargetPrefix: ssm.TargetPrefix, Operations: ops}
}

// ssmTagContext returns the condition keys of tags an SSM request sets.
func ssmTagContext(tags []*ssm.Tag) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	out := map[string][]string{}
	var keys []string
	for _, t := range tags {
		out["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	out["aws:TagKeys"] = keys
	return out
}
