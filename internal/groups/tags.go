// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package groups

import (
	"context"
	"errors"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	rg "github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

// maxTags is how many tags a group can have, as on AWS.
const maxTags = 50

// checkTags refuses tags with keys that AWS reserves and more than
// maxTags tags.
func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return rg.NewBadRequestException("A group can have at most %d tags, not %d.", maxTags, len(tags))
	}
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return rg.NewBadRequestException("Tag key %s is not valid: keys beginning with aws: are reserved.", k)
		}
	}
	return nil
}

// tag changes the tags of the group with ARN groupARN.
func (s *Service) tag(ctx context.Context, groupARN string, set map[string]string, remove []string) (map[string]string, error) {
	name, err := s.name(groupARN, "")
	if err != nil {
		return nil, err
	}
	tags, err := s.store.TagResourceGroup(ctx, s.account, name, set, remove, maxTags)
	switch {
	case errors.Is(err, awserr.NotFound):
		return nil, notFound(groupARN)
	case errors.Is(err, awserr.LimitExceeded):
		return nil, rg.NewBadRequestException("A group can have at most %d tags.", maxTags)
	}
	return tags, err
}

// GetTags returns the tags of a group.
func (s *Service) GetTags(ctx context.Context, in *rg.GetTagsInput) (*rg.GetTagsOutput, error) {
	g, err := s.get(ctx, in.Arn, "")
	if err != nil {
		return nil, err
	}
	return &rg.GetTagsOutput{Arn: in.Arn, Tags: g.Tags}, nil
}

// Tag adds tags to a group, replacing the values of keys it has.
func (s *Service) Tag(ctx context.Context, in *rg.TagInput) (*rg.TagOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if _, err := s.tag(ctx, in.Arn, in.Tags, nil); err != nil {
		return nil, err
	}
	return &rg.TagOutput{Arn: in.Arn, Tags: in.Tags}, nil
}

// Untag removes tags from a group; keys it does not have are ignored.
func (s *Service) Untag(ctx context.Context, in *rg.UntagInput) (*rg.UntagOutput, error) {
	if _, err := s.tag(ctx, in.Arn, nil, in.Keys); err != nil {
		return nil, err
	}
	return &rg.UntagOutput{Arn: in.Arn, Keys: in.Keys}, nil
}
