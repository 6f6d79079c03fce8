// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"slices"
	"strconv"
	"strings"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// The attributes of aggregated content entries.
const (
	attrCount            = "Count"
	attrMatchingCount    = "matchingCount"
	attrNotMatchingCount = "notMatchingCount"
)

// path is one chain of aggregator expressions of one type, from an
// aggregator to one of its innermost nested aggregators: the attributes
// whose combined values are counted.
type path struct {
	typeName string
	attrs    []string
}

// group is a parsed InventoryGroup.
type group struct {
	name string
	tfs  []*typeFilters
}

// aggregation is a request's parsed aggregators.
type aggregation struct {
	paths  []path
	groups []group
}

// parseAggregators parses aggregators: an Expression is "Type.Attribute"
// of a type the account has, nested aggregators name attributes of the
// same type, and groups have distinct names and valid filters.
func (s *Service) parseAggregators(ctx context.Context, aggs []*ssm.InventoryAggregator) (*aggregation, error) {
	a := &aggregation{}
	var walk func(ag *ssm.InventoryAggregator, parent *path) error
	walk = func(ag *ssm.InventoryAggregator, parent *path) error {
		if ag.Expression == "" && len(ag.Groups) == 0 {
			return ssm.NewInvalidAggregatorException("An aggregator needs an Expression, such as AWS:Application.Name, or Groups.")
		}
		if parent != nil && len(ag.Groups) > 0 {
			return ssm.NewInvalidAggregatorException("Nested aggregators cannot have groups.")
		}
		for _, g := range ag.Groups {
			if slices.ContainsFunc(a.groups, func(x group) bool { return x.name == g.Name }) {
				return ssm.NewInvalidInventoryGroupException("The group name %s is used more than once.", g.Name)
			}
			if len(g.Filters) == 0 {
				return invalidGroup(g.Name)("it has no filters.")
			}
			tfs, err := s.parseFilters(ctx, g.Filters, invalidGroup(g.Name))
			if err != nil {
				return err
			}
			a.groups = append(a.groups, group{name: g.Name, tfs: tfs})
		}
		if ag.Expression == "" {
			if len(ag.Aggregators) > 0 {
				return ssm.NewInvalidAggregatorException("An aggregator with nested aggregators needs an Expression.")
			}
			return nil
		}
		typeName, attr, ok := splitKey(ag.Expression)
		if !ok {
			return ssm.NewInvalidAggregatorException("The aggregator expression %s is not valid: use TypeName.AttributeName, for example AWS:Application.Version.",
				ag.Expression)
		}
		sc, err := s.schema(ctx, typeName)
		if err != nil {
			return err
		}
		if !sc.has(attr) {
			return ssm.NewInvalidAggregatorException("The aggregator expression %s is not valid: %s has no attribute %s.", ag.Expression, typeName, attr)
		}
		p := path{typeName: typeName, attrs: []string{attr}}
		if parent != nil {
			if parent.typeName != typeName {
				return ssm.NewInvalidAggregatorException("The nested aggregator %s is not valid: it must aggregate the type of its parent, %s.",
					ag.Expression, parent.typeName)
			}
			if slices.Contains(parent.attrs, attr) {
				return ssm.NewInvalidAggregatorException("The nested aggregator %s is not valid: its parent aggregates %s already.", ag.Expression, attr)
			}
			p.attrs = append(slices.Clone(parent.attrs), attr)
		}
		if len(ag.Aggregators) == 0 {
			a.paths = append(a.paths, p)
			return nil
		}
		for _, n := range ag.Aggregators {
			if err := walk(n, &p); err != nil {
				return err
			}
		}
		return nil
	}
	for _, ag := range aggs {
		if err := walk(ag, nil); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// aggregate answers GetInventory with aggregators: one entity without an
// Id whose Data has, for each aggregated type, an item whose Content holds
// one entry per distinct value (or, with nested aggregators, combination
// of values in one entry) of the aggregated attributes, with the number of
// instances that have such an entry as Count ({"Version": "17.0.2",
// "Count": "120"}), most instances first; and, for each group, an item
// named after the group with the number of instances that pass its filters
// and that do not: [{"notMatchingCount": "6"}, {"matchingCount": "23"}].
// Only the instances that pass the request's filters are counted and, of a
// filtered type, only the entries that pass its filters; entries without
// an aggregated attribute are not counted.
func (s *Service) aggregate(ctx context.Context, tfs []*typeFilters, aggs []*ssm.InventoryAggregator) (*ssm.GetInventoryOutput, error) {
	a, err := s.parseAggregators(ctx, aggs)
	if err != nil {
		return nil, err
	}
	// selected is nil when no filter restricts the instances.
	var selected map[string]bool
	if len(tfs) > 0 {
		ids, err := s.selectInstances(ctx, tfs)
		if err != nil {
			return nil, err
		}
		selected = make(map[string]bool, len(ids))
		for _, id := range ids {
			selected[id] = true
		}
	}
	data := map[string]*ssm.InventoryResultItem{}
	entries := map[string][]*Entry{} // by type, loaded once
	for _, p := range a.paths {
		counts, err := s.countPath(ctx, p, tfs, selected, entries)
		if err != nil {
			return nil, err
		}
		item := data[p.typeName]
		if item == nil {
			sc, err := s.schema(ctx, p.typeName)
			if err != nil {
				return nil, err
			}
			item = &ssm.InventoryResultItem{TypeName: p.typeName, SchemaVersion: sc.Version}
			data[p.typeName] = item
		}
		item.Content = append(item.Content, counts...)
	}
	if len(a.groups) > 0 {
		universe, err := s.store.InventoryInstances(ctx, s.account, "", "", 0)
		if err != nil {
			return nil, err
		}
		if selected != nil {
			universe = slices.DeleteFunc(universe, func(id string) bool { return !selected[id] })
		}
		for _, g := range a.groups {
			ids, err := s.selectInstances(ctx, g.tfs)
			if err != nil {
				return nil, err
			}
			matching := len(intersect(universe, ids))
			data[g.name] = &ssm.InventoryResultItem{Content: []map[string]string{
				{attrNotMatchingCount: strconv.Itoa(len(universe) - matching)},
				{attrMatchingCount: strconv.Itoa(matching)},
			}}
		}
	}
	return &ssm.GetInventoryOutput{Entities: []*ssm.InventoryResultEntity{{Data: data}}}, nil
}

// countPath counts the instances with each combination of values of a
// path's attributes. When the store can count from its index — one
// indexed attribute, and filters only on indexed attributes of the same
// type — it does; otherwise the entries are counted here.
func (s *Service) countPath(ctx context.Context, p path, tfs []*typeFilters, selected map[string]bool, cache map[string][]*Entry) ([]map[string]string, error) {
	own := slices.IndexFunc(tfs, func(tf *typeFilters) bool { return tf.typeName == p.typeName })
	if len(p.attrs) == 1 && (p.attrs[0] == string(ColumnName) || p.attrs[0] == string(ColumnVersion)) &&
		(len(tfs) == 0 || len(tfs) == 1 && own == 0) {
		var conds []Cond
		var rest []*filter
		if own == 0 {
			conds, rest = tfs[0].split()
		}
		if len(rest) == 0 {
			counts, err := s.store.CountInventoryEntries(ctx, EntryQuery{Account: s.account, TypeName: p.typeName, Conds: conds}, Column(p.attrs[0]))
			if err != nil {
				return nil, err
			}
			out := make([]map[string]string, 0, len(counts))
			for v, n := range counts {
				out = append(out, map[string]string{p.attrs[0]: v, attrCount: strconv.Itoa(n)})
			}
			sortCounts(out, p.attrs)
			return out, nil
		}
	}

	entries, ok := cache[p.typeName]
	if !ok {
		q := EntryQuery{Account: s.account, TypeName: p.typeName}
		if own >= 0 {
			q.Conds, _ = tfs[own].split()
		}
		all, err := s.store.InventoryEntries(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if (selected == nil || selected[e.InstanceID]) && (own < 0 || tfs[own].matches(e.Content)) {
				entries = append(entries, e)
			}
		}
		cache[p.typeName] = entries
	}
	type combo struct {
		values    []string
		instances map[string]bool
	}
	combos := map[string]*combo{}
	var keys []string
	for _, e := range entries {
		values := make([]string, len(p.attrs))
		complete := true
		for i, attr := range p.attrs {
			v, ok := e.Content[attr]
			if !ok {
				complete = false
				break
			}
			values[i] = v
		}
		if !complete {
			continue
		}
		key := strings.Join(values, "\x00")
		c := combos[key]
		if c == nil {
			c = &combo{values: values, instances: map[string]bool{}}
			combos[key] = c
			keys = append(keys, key)
		}
		c.instances[e.InstanceID] = true
	}
	out := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		c := combos[k]
		m := map[string]string{attrCount: strconv.Itoa(len(c.instances))}
		for i, attr := range p.attrs {
			m[attr] = c.values[i]
		}
		out = append(out, m)
	}
	sortCounts(out, p.attrs)
	return out, nil
}

// sortCounts orders aggregated entries by count, largest first, then by
// their values in CompareValues order.
func sortCounts(out []map[string]string, attrs []string) {
	slices.SortFunc(out, func(a, b map[string]string) int {
		na, _ := strconv.Atoi(a[attrCount])
		nb, _ := strconv.Atoi(b[attrCount])
		if c := cmpInt(nb, na); c != 0 {
			return c
		}
		for _, attr := range attrs {
			if c := CompareValues(a[attr], b[attr]); c != 0 {
				return c
			}
		}
		return 0
	})
}
