// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"slices"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// defaultMaxResults is the page size of GetInventory,
// ListInventoryEntries and DescribeInventoryDeletions without MaxResults.
const defaultMaxResults = 50

// GetInventory queries the fleet's inventory. Without Aggregators it
// returns one entity per instance with inventory, in instance ID order:
// the instances that pass every filter, and only those with an item of
// the ResultAttributes type when it is given.
//
// A filter's Key is "Type.Attribute". The filters of one type select the
// entries of that type that pass them all; an instance passes when it has
// such an entry, and must pass the filters of every type named. An
// entity's Data holds, with ResultAttributes, that type's item; without,
// its AWS:InstanceInformation item and the item of each filtered type. The
// item of a filtered type holds only the entries that pass its filters.
//
// With Aggregators, the answer is one entity of counts instead (see
// aggregate); filters select the instances and entries counted.
//
// Errors: InvalidFilter for a key without a type and attribute, an
// attribute the type does not have, or an Exists filter without
// aggregators; InvalidTypeNameException for a type the account does not
// have; InvalidResultAttributeException for such a ResultAttributes type;
// InvalidAggregatorException and InvalidInventoryGroupException for bad
// aggregators and groups; InvalidNextToken.
func (s *Service) GetInventory(ctx context.Context, in *ssm.GetInventoryInput) (*ssm.GetInventoryOutput, error) {
	tfs, err := s.parseFilters(ctx, in.Filters, invalidFilter)
	if err != nil {
		return nil, err
	}
	if len(in.Aggregators) > 0 {
		return s.aggregate(ctx, tfs, in.Aggregators)
	}
	if hasExists(tfs) {
		return nil, ssm.NewInvalidFilter("The Exists filter type must be used with aggregators.")
	}
	var result string
	if len(in.ResultAttributes) > 0 {
		result = in.ResultAttributes[0].TypeName
		if _, err := s.schema(ctx, result); err != nil {
			return nil, ssm.NewInvalidResultAttributeException("The result attribute %s is not valid: it is not a known inventory type of this account.", result)
		}
	}
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after, err := decodeKey(in.NextToken)
	if err != nil {
		return nil, err
	}

	var ids []string
	if len(tfs) == 0 {
		ids, err = s.store.InventoryInstances(ctx, s.account, result, after, limit+1)
	} else {
		ids, err = s.selectInstances(ctx, tfs)
		if err == nil && result != "" && len(ids) > 0 {
			var have []string
			have, err = s.store.InventoryInstances(ctx, s.account, result, after, 0)
			ids = intersect(ids, have)
		}
		if after != "" {
			i, found := slices.BinarySearch(ids, after)
			if found {
				i++
			}
			ids = ids[i:]
		}
	}
	if err != nil {
		return nil, err
	}
	out := &ssm.GetInventoryOutput{}
	if len(ids) > limit {
		ids = ids[:limit]
		out.NextToken = encodeKey(ids[limit-1])
	}
	if len(ids) == 0 {
		return out, nil
	}

	types := []string{result}
	if result == "" {
		types = []string{TypeInstanceInformation}
		for _, tf := range tfs {
			if tf.typeName != TypeInstanceInformation {
				types = append(types, tf.typeName)
			}
		}
	}
	// The items of the page: unfiltered types whole, filtered ones with
	// the entries that pass their filters, read from the index where it
	// answers them.
	items, err := s.store.InventoryItems(ctx, s.account, ids, types, false)
	if err != nil {
		return nil, err
	}
	content := map[[2]string][]map[string]string{}
	var whole []string
	for _, t := range types {
		i := slices.IndexFunc(tfs, func(tf *typeFilters) bool { return tf.typeName == t })
		if i < 0 {
			whole = append(whole, t)
			continue
		}
		conds, _ := tfs[i].split()
		entries, err := s.store.InventoryEntries(ctx, EntryQuery{Account: s.account, TypeName: t, Conds: conds, Instances: ids})
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if tfs[i].matches(e.Content) {
				k := [2]string{e.InstanceID, t}
				content[k] = append(content[k], e.Content)
			}
		}
	}
	if len(whole) > 0 {
		full, err := s.store.InventoryItems(ctx, s.account, ids, whole, true)
		if err != nil {
			return nil, err
		}
		for _, it := range full {
			content[[2]string{it.InstanceID, it.TypeName}] = it.Content
		}
	}
	byInstance := map[string]map[string]*ssm.InventoryResultItem{}
	for _, it := range items {
		data := byInstance[it.InstanceID]
		if data == nil {
			data = map[string]*ssm.InventoryResultItem{}
			byInstance[it.InstanceID] = data
		}
		data[it.TypeName] = &ssm.InventoryResultItem{TypeName: it.TypeName, SchemaVersion: it.SchemaVersion, CaptureTime: it.CaptureTime,
			ContentHash: it.ContentHash, Content: content[[2]string{it.InstanceID, it.TypeName}]}
	}
	for _, id := range ids {
		out.Entities = append(out.Entities, &ssm.InventoryResultEntity{Id: id, Data: byInstance[id]})
	}
	return out, nil
}
