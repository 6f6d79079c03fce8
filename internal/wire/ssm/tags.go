// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package ssm

import (
	"maps"
	"slices"
)

// TagMap returns an SSM tag list as a map, nil for none; of repeated keys
// the last wins.
func TagMap(tags []*Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// TagList returns a map of tags as SSM's tag list, ordered by key (an
// empty list for none).
func TagList(m map[string]string) []*Tag {
	out := make([]*Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, &Tag{Key: k, Value: m[k]})
	}
	return out
}
