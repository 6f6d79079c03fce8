// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package fleet

import (
	"context"
	"strings"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// maxTags is how many tags an instance may have, as SSM's.
const maxTags = 50

// InstanceTags returns a managed instance's tags.
func (s *Service) InstanceTags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	inst, err := s.Instance(ctx, InstanceID(id))
	if err != nil {
		return nil, err
	}
	return ssm.TagList(inst.Tags), nil
}

// AddInstanceTags adds or replaces tags of a managed instance.
func (s *Service) AddInstanceTags(ctx context.Context, id string, tags []*ssm.Tag) error {
	inst, err := s.Instance(ctx, InstanceID(id))
	if err != nil {
		return err
	}
	merged := map[string]string{}
	for k, v := range inst.Tags {
		merged[k] = v
	}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return ssm.NewInvalidTag("Tag keys starting with aws: are reserved.")
		}
		merged[t.Key] = t.Value
	}
	if len(merged) > maxTags {
		return ssm.NewTooManyTagsError("The resource %s would have more than %d tags.", id, maxTags)
	}
	return s.store.SetInstanceTags(ctx, inst.ID, merged)
}

// RemoveInstanceTags removes tags of a managed instance.
func (s *Service) RemoveInstanceTags(ctx context.Context, id string, keys []string) error {
	inst, err := s.Instance(ctx, InstanceID(id))
	if err != nil {
		return err
	}
	kept := map[string]string{}
	for k, v := range inst.Tags {
		if !containsString(keys, k) {
			kept[k] = v
		}
	}
	return s.store.SetInstanceTags(ctx, inst.ID, kept)
}
