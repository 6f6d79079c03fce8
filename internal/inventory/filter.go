// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// attrTypeName is the pseudo-attribute that an Exists filter uses to ask
// whether an instance has an item of a type at all
// (AWS:Application.TypeName Exists), with or without entries.
const attrTypeName = "TypeName"

// filter is a parsed InventoryFilter on one attribute of one type.
type filter struct {
	attr   string
	op     string // an InventoryQueryOperatorType
	values []string
}

// matches reports whether an entry passes f. An entry without the
// attribute passes no filter (NotEqual included).
func (f *filter) matches(e map[string]string) bool {
	if f.attr == attrTypeName {
		return true // every entry is of its item's type
	}
	v, ok := e[f.attr]
	if !ok {
		return false
	}
	switch f.op {
	case ssm.InventoryQueryOperatorTypeEqual:
		return slices.Contains(f.values, v)
	case ssm.InventoryQueryOperatorTypeNotEqual:
		return !slices.Contains(f.values, v)
	case ssm.InventoryQueryOperatorTypeBeginWith:
		return slices.ContainsFunc(f.values, func(p string) bool { return strings.HasPrefix(v, p) })
	case ssm.InventoryQueryOperatorTypeLessThan:
		return slices.ContainsFunc(f.values, func(x string) bool { return CompareValues(v, x) < 0 })
	case ssm.InventoryQueryOperatorTypeGreaterThan:
		return slices.ContainsFunc(f.values, func(x string) bool { return CompareValues(v, x) > 0 })
	case ssm.InventoryQueryOperatorTypeExists:
		return true
	}
	return false
}

// cond returns the filter as a condition on an indexed column, if it is
// one the store answers from its index.
func (f *filter) cond() (Cond, bool) {
	col := Column(f.attr)
	if col != ColumnName && col != ColumnVersion {
		return Cond{}, false
	}
	switch f.op {
	case ssm.InventoryQueryOperatorTypeEqual:
		return Cond{Column: col, Values: f.values}, true
	case ssm.InventoryQueryOperatorTypeBeginWith:
		return Cond{Column: col, Prefix: true, Values: f.values}, true
	}
	return Cond{}, false
}

// typeFilters are the filters of a request on one type. An instance
// passes them when one of its entries of the type passes every one: the
// filters of a type select entries, and the instances that have them.
type typeFilters struct {
	typeName string
	filters  []*filter
}

// matches reports whether an entry passes every filter.
func (tf *typeFilters) matches(e map[string]string) bool {
	for _, f := range tf.filters {
		if !f.matches(e) {
			return false
		}
	}
	return true
}

// split returns the filters the store answers from its index, as
// conditions, and the others.
func (tf *typeFilters) split() (conds []Cond, rest []*filter) {
	for _, f := range tf.filters {
		if c, ok := f.cond(); ok {
			conds = append(conds, c)
		} else {
			rest = append(rest, f)
		}
	}
	return conds, rest
}

// onlyTypeExists reports whether the filters only ask for an item of the
// type (TypeName Exists), which an item without entries also passes.
func (tf *typeFilters) onlyTypeExists() bool {
	for _, f := range tf.filters {
		if f.attr != attrTypeName {
			return false
		}
	}
	return true
}

// hasExists reports whether any filter is of type Exists.
func hasExists(tfs []*typeFilters) bool {
	for _, tf := range tfs {
		for _, f := range tf.filters {
			if f.op == ssm.InventoryQueryOperatorTypeExists {
				return true
			}
		}
	}
	return false
}

// splitKey splits a filter key or aggregator expression
// "AWS:Application.Name" into its type and attribute, at the last dot.
func splitKey(key string) (typeName, attr string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i <= 0 || i == len(key)-1 {
		return "", "", false
	}
	return key[:i], key[i+1:], true
}

// parseFilters parses filters whose keys are "Type.Attribute", grouped by
// type in the order of their first filter. A key of an unknown type is an
// InvalidTypeNameException; any other problem is reported with invalid.
func (s *Service) parseFilters(ctx context.Context, in []*ssm.InventoryFilter, invalid func(format string, args ...any) error) ([]*typeFilters, error) {
	var out []*typeFilters
	for _, f := range in {
		typeName, attr, ok := splitKey(f.Key)
		if !ok {
			return nil, invalid("The filter key %s is not valid: use TypeName.AttributeName, for example AWS:Application.Name.", f.Key)
		}
		sc, err := s.schema(ctx, typeName)
		if err != nil {
			return nil, err
		}
		pf, err := newFilter(sc, attr, f, invalid)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(out, func(tf *typeFilters) bool { return tf.typeName == typeName })
		if i < 0 {
			out = append(out, &typeFilters{typeName: typeName})
			i = len(out) - 1
		}
		out[i].filters = append(out[i].filters, pf)
	}
	return out, nil
}

// newFilter checks a filter on attribute attr of schema sc.
func newFilter(sc *Schema, attr string, f *ssm.InventoryFilter, invalid func(format string, args ...any) error) (*filter, error) {
	op := f.Type
	if op == "" {
		op = ssm.InventoryQueryOperatorTypeEqual
	}
	if !slices.Contains(ssm.InventoryQueryOperatorTypeValues(), op) {
		return nil, invalid("The filter type %s is not valid.", op)
	}
	switch {
	case attr == attrTypeName && op == ssm.InventoryQueryOperatorTypeExists:
	case attr == attrTypeName:
		return nil, invalid("The filter key %s.%s is only valid with the Exists filter type.", sc.TypeName, attr)
	case !sc.has(attr):
		return nil, invalid("The filter key %s is not valid: %s has no attribute %s.", f.Key, sc.TypeName, attr)
	}
	if len(f.Values) == 0 && op != ssm.InventoryQueryOperatorTypeExists {
		return nil, invalid("The filter %s has no values.", f.Key)
	}
	return &filter{attr: attr, op: op, values: f.Values}, nil
}

// selectInstances returns, in order, the IDs of the account's instances
// that pass every type's filters.
func (s *Service) selectInstances(ctx context.Context, tfs []*typeFilters) ([]string, error) {
	var ids []string
	for i, tf := range tfs {
		got, err := s.instancesPassing(ctx, tf)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			ids = got
		} else {
			ids = intersect(ids, got)
		}
		if len(ids) == 0 {
			return nil, nil
		}
	}
	return ids, nil
}

// instancesPassing returns, in order, the IDs of the instances that pass
// one type's filters, from the store's index when it can answer them all.
func (s *Service) instancesPassing(ctx context.Context, tf *typeFilters) ([]string, error) {
	if tf.onlyTypeExists() {
		return s.store.InventoryInstances(ctx, s.account, tf.typeName, "", 0)
	}
	conds, rest := tf.split()
	q := EntryQuery{Account: s.account, TypeName: tf.typeName, Conds: conds}
	if len(rest) == 0 {
		return s.store.InventoryEntryInstances(ctx, q)
	}
	entries, err := s.store.InventoryEntries(ctx, q)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if (len(ids) == 0 || ids[len(ids)-1] != e.InstanceID) && tf.matches(e.Content) {
			ids = append(ids, e.InstanceID)
		}
	}
	return ids, nil
}

// intersect returns the IDs in both of two sorted lists.
func intersect(a, b []string) []string {
	var out []string
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := strings.Compare(a[i], b[j]); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// CompareValues orders attribute values for the LessThan and GreaterThan
// filters: naturally, so that versions and numbers compare as people read
// them. Each value is read as a sequence of runs of ASCII digits and runs
// of other characters; digit runs compare as numbers ("9" < "10",
// "1.8.0_381" < "11.0.2" < "17.0.10"), other runs by bytes, and a value
// that is a proper prefix of the other, run by run, is less ("2.0" <
// "2.0.1"). Values equal run by run (as "01" and "1") are then ordered by
// bytes. It returns -1, 0 or +1.
func CompareValues(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		rx, ry := run(x), run(y)
		x, y = x[len(rx):], y[len(ry):]
		dx, dy := isDigit(rx[0]), isDigit(ry[0])
		if dx && dy {
			nx, ny := strings.TrimLeft(rx, "0"), strings.TrimLeft(ry, "0")
			if c := cmpInt(len(nx), len(ny)); c != 0 {
				return c
			}
			if c := strings.Compare(nx, ny); c != 0 {
				return c
			}
			continue
		}
		if c := strings.Compare(rx, ry); c != 0 {
			return c
		}
	}
	switch {
	case x == "" && y != "":
		return -1
	case x != "" && y == "":
		return 1
	}
	return strings.Compare(a, b)
}

// run returns the leading run of digits or of non-digits of a non-empty s.
func run(s string) string {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// invalidFilter returns an InvalidFilter error.
func invalidFilter(format string, args ...any) error { return ssm.NewInvalidFilter(format, args...) }

// invalidGroup returns an InvalidInventoryGroupException.
func invalidGroup(group string) func(format string, args ...any) error {
	return func(format string, args ...any) error {
		return ssm.NewInvalidInventoryGroupException("The group %s is not valid: %s", group, fmt.Sprintf(format, args...))
	}
}
