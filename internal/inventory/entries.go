// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"strings"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// ListInventoryEntries returns one instance's entries of one type, those
// that pass every filter, in the order the instance reported them. A
// filter's Key is an attribute of the type, alone ("Name") or after the
// type ("AWS:Application.Name"). An instance without an item of the type
// has no entries.
//
// Errors: InvalidInstanceId for an instance that is not a managed instance
// of the account; InvalidTypeNameException for a type the account does
// not have; InvalidFilter for a key that is not an attribute of the type;
// InvalidNextToken.
func (s *Service) ListInventoryEntries(ctx context.Context, in *ssm.ListInventoryEntriesInput) (*ssm.ListInventoryEntriesOutput, error) {
	if err := s.instances.CheckInstance(ctx, in.InstanceId); err != nil {
		return nil, err
	}
	sc, err := s.schema(ctx, in.TypeName)
	if err != nil {
		return nil, err
	}
	tf := &typeFilters{typeName: in.TypeName}
	for _, f := range in.Filters {
		attr := f.Key
		if a, ok := strings.CutPrefix(f.Key, in.TypeName+"."); ok {
			attr = a
		} else if strings.Contains(f.Key, ":") {
			return nil, ssm.NewInvalidFilter("The filter key %s is not valid: it must be an attribute of %s.", f.Key, in.TypeName)
		}
		pf, err := newFilter(sc, attr, f, invalidFilter)
		if err != nil {
			return nil, err
		}
		tf.filters = append(tf.filters, pf)
	}
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	start, err := decodeOffset(in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ssm.ListInventoryEntriesOutput{TypeName: in.TypeName, InstanceId: in.InstanceId}
	items, err := s.store.InventoryItems(ctx, s.account, []string{in.InstanceId}, []string{in.TypeName}, true)
	if err != nil || len(items) == 0 {
		return out, err
	}
	it := items[0]
	out.SchemaVersion, out.CaptureTime = it.SchemaVersion, it.CaptureTime
	var entries []map[string]string
	for _, e := range it.Content {
		if tf.matches(e) {
			entries = append(entries, e)
		}
	}
	if start > len(entries) {
		start = len(entries)
	}
	end := min(start+limit, len(entries))
	out.Entries = entries[start:end]
	if end < len(entries) {
		out.NextToken = encodeOffset(end)
	}
	return out, nil
}
