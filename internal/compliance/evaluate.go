// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kanri-dev/kanri/internal/inventory"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// maxDetail bounds a compliance item's detail value, as SSM's
// ComplianceItemDetails does.
const maxDetail = 4096

// matches reports whether an entry meets the condition, as an inventory
// filter passes it: an entry without the attribute meets none (NotEqual
// included); LessThan and GreaterThan compare in version order.
func (c *Condition) matches(e map[string]string) bool {
	v, ok := e[c.Attribute]
	if !ok {
		return false
	}
	switch c.Operator {
	case ssm.InventoryQueryOperatorTypeEqual, "":
		return slices.Contains(c.Values, v)
	case ssm.InventoryQueryOperatorTypeNotEqual:
		return !slices.Contains(c.Values, v)
	case ssm.InventoryQueryOperatorTypeBeginWith:
		return slices.ContainsFunc(c.Values, func(p string) bool { return strings.HasPrefix(v, p) })
	case ssm.InventoryQueryOperatorTypeLessThan:
		return slices.ContainsFunc(c.Values, func(x string) bool { return inventory.CompareValues(v, x) < 0 })
	case ssm.InventoryQueryOperatorTypeGreaterThan:
		return slices.ContainsFunc(c.Values, func(x string) bool { return inventory.CompareValues(v, x) > 0 })
	case ssm.InventoryQueryOperatorTypeExists:
		return true
	}
	return false
}

// String returns the condition as it reads: "Name BeginWith openjdk".
func (c Condition) String() string {
	op := c.Operator
	if op == "" {
		op = ssm.InventoryQueryOperatorTypeEqual
	}
	if op == ssm.InventoryQueryOperatorTypeExists {
		return c.Attribute + " Exists"
	}
	return c.Attribute + " " + op + " " + strings.Join(c.Values, "|")
}

// Matching returns the entries that meet every condition of the rule.
func (sp *Spec) Matching(entries []map[string]string) []map[string]string {
	var out []map[string]string
	for _, e := range entries {
		ok := true
		for i := range sp.Conditions {
			if !sp.Conditions[i].matches(e) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// Evaluate returns the rule's status on an instance whose item of the
// rule's type has entries: NON_COMPLIANT when a Forbidden rule matches an
// entry or a Required rule matches none, COMPLIANT otherwise. The details
// say why: the rule's kind and conditions, how many entries match, and
// which (by name and version).
func (sp *Spec) Evaluate(entries []map[string]string) (status string, details map[string]string) {
	match := sp.Matching(entries)
	status = ssm.ComplianceStatusCompliant
	if (sp.Kind == KindForbidden) == (len(match) > 0) {
		status = ssm.ComplianceStatusNonCompliant
	}
	conds := make([]string, len(sp.Conditions))
	for i, c := range sp.Conditions {
		conds[i] = c.String()
	}
	details = map[string]string{
		"Kind":            sp.Kind,
		"TypeName":        sp.TypeName,
		"Conditions":      truncate(strings.Join(conds, "; ")),
		"MatchingEntries": strconv.Itoa(len(match)),
	}
	if len(match) > 0 {
		names := make([]string, len(match))
		for i, e := range match {
			names[i] = describeEntry(e, sp.Conditions)
		}
		details["Entries"] = truncate(strings.Join(names, ", "))
	}
	return status, details
}

// describeEntry names an entry: its Name and Version, or else the
// attributes the conditions test.
func describeEntry(e map[string]string, conds []Condition) string {
	if name, ok := e["Name"]; ok {
		if v := e["Version"]; v != "" {
			return name + " " + v
		}
		return name
	}
	var parts []string
	for _, c := range conds {
		if v, ok := e[c.Attribute]; ok && !slices.Contains(parts, c.Attribute+"="+v) {
			parts = append(parts, c.Attribute+"="+v)
		}
	}
	if len(parts) == 0 {
		for _, k := range slices.Sorted(maps.Keys(e)) {
			parts = append(parts, k+"="+e[k])
		}
	}
	return strings.Join(parts, " ")
}

// truncate shortens s to a detail value's limit, marking the cut.
func truncate(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail - len(" …")
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + " …"
}

func utf8Start(b byte) bool { return b&0xc0 != 0x80 }

// severityRank orders severities, UNSPECIFIED lowest.
func severityRank(s string) int {
	switch s {
	case ssm.ComplianceSeverityCritical:
		return 5
	case ssm.ComplianceSeverityHigh:
		return 4
	case ssm.ComplianceSeverityMedium:
		return 3
	case ssm.ComplianceSeverityLow:
		return 2
	case ssm.ComplianceSeverityInformational:
		return 1
	}
	return 0
}

// inScope reports whether a rule applies to an instance: every instance
// when targeted is nil, else those in targeted.
func inScope(targeted map[string]bool, id string) bool { return targeted == nil || targeted[id] }
