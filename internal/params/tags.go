// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// tagKey returns the key of the parameter that the tagging operations
// name by ResourceId: its name, or its ARN. Anything else, and a
// parameter that does not exist, is InvalidResourceId.
func (s *Service) tagKey(id string) (string, error) {
	r, err := s.parseRef(id)
	if err != nil || r.text != "" {
		return "", ssm.NewInvalidResourceId("The resource ID %s isn't valid. Verify that you entered the correct ID and try again.", id)
	}
	return Key(r.name), nil
}

// tagError turns a store error of a tag change into SSM's.
func tagError(id string, err error) error {
	switch {
	case errors.Is(err, awserr.NotFound):
		return ssm.NewInvalidResourceId("The parameter %s doesn't exist. Verify that you entered the correct ID and try again.", id)
	case errors.Is(err, awserr.LimitExceeded):
		return ssm.NewTooManyTagsError("A parameter can have at most %d tags.", MaxTags)
	}
	return err
}

// ParameterTags returns the tags of a parameter, named by name or ARN,
// ordered by key.
func (s *Service) ParameterTags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	key, err := s.tagKey(id)
	if err != nil {
		return nil, err
	}
	p, err := s.store.GetParameter(ctx, s.account, key, Selector{})
	if err != nil {
		return nil, tagError(id, err)
	}
	keys := make([]string, 0, len(p.Tags))
	for k := range p.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*ssm.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, &ssm.Tag{Key: k, Value: p.Tags[k]})
	}
	return out, nil
}

// AddParameterTags adds tags to a parameter, replacing the values of keys
// it has. A parameter can have at most 50 tags.
func (s *Service) AddParameterTags(ctx context.Context, id string, tags []*ssm.Tag) error {
	key, err := s.tagKey(id)
	if err != nil {
		return err
	}
	set, err := checkTags(tags)
	if err != nil {
		return err
	}
	_, err = s.store.TagParameter(ctx, s.account, key, set, nil, MaxTags)
	return tagError(id, err)
}

// RemoveParameterTags removes tags from a parameter; keys it does not
// have are ignored.
func (s *Service) RemoveParameterTags(ctx context.Context, id string, keys []string) error {
	key, err := s.tagKey(id)
	if err != nil {
		return err
	}
	_, err = s.store.TagParameter(ctx, s.account, key, nil, keys, MaxTags)
	return tagError(id, err)
}

// ConditionKeys returns the condition keys of the parameter with ARN
// resourceARN for authorization: aws:ResourceTag/<key> and
// ssm:resourceTag/<key> for each of its tags. Other ARNs, and parameters
// that do not exist, have none.
func (s *Service) ConditionKeys(ctx context.Context, resourceARN string) map[string][]string {
	name, ok := strings.CutPrefix(resourceARN, s.arnPrefix())
	if !ok || name == "" {
		return nil
	}
	p, err := s.store.GetParameter(ctx, s.account, name, Selector{})
	if err != nil || len(p.Tags) == 0 {
		return nil
	}
	out := make(map[string][]string, 2*len(p.Tags))
	for k, v := range p.Tags {
		out["aws:ResourceTag/"+k] = []string{v}
		out["ssm:resourceTag/"+k] = []string{v}
	}
	return out
}
