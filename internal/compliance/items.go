// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// readBatch is how many rows a listing reads from the store at a time
// while it fills a page of the items that pass its filters.
const readBatch = 500

// The filter keys of each listing.
var (
	itemKeys            = []string{"ComplianceType", "Status", "Severity", "Id"}
	resourceSummaryKeys = []string{"ComplianceType", "Status", "OverallSeverity", "ResourceId"}
	summaryKeys         = []string{"ComplianceType"}
)

// stringFilter is a checked ComplianceStringFilter.
type stringFilter struct {
	key    string
	op     string // a ComplianceQueryOperatorType value
	values []string
}

// parseFilters checks filters against the keys a listing takes.
func parseFilters(in []*ssm.ComplianceStringFilter, keys []string) ([]stringFilter, error) {
	var out []stringFilter
	for _, f := range in {
		if !slices.Contains(keys, f.Key) {
			return nil, ssm.NewInvalidFilter("The filter key %s is not valid: use %s.", f.Key, strings.Join(keys, ", "))
		}
		op := f.Type
		if op == "" {
			op = ssm.ComplianceQueryOperatorTypeEqual
		}
		if len(f.Values) == 0 {
			return nil, ssm.NewInvalidFilter("The filter %s has no values.", f.Key)
		}
		out = append(out, stringFilter{key: f.Key, op: op, values: f.Values})
	}
	return out, nil
}

// pass reports whether the attributes of a listed thing pass every filter.
// Severities compare by rank (GREATER_THAN MEDIUM is HIGH and CRITICAL),
// other values in version order.
func pass(filters []stringFilter, attr func(key string) string) bool {
	for _, f := range filters {
		v := attr(f.key)
		cmp := inventory.CompareValues
		if strings.HasSuffix(f.key, "Severity") {
			cmp = func(a, b string) int { return severityRank(a) - severityRank(b) }
		}
		var ok bool
		switch f.op {
		case ssm.ComplianceQueryOperatorTypeEqual:
			ok = slices.Contains(f.values, v)
		case ssm.ComplianceQueryOperatorTypeNotEqual:
			ok = !slices.Contains(f.values, v)
		case ssm.ComplianceQueryOperatorTypeBeginWith:
			ok = slices.ContainsFunc(f.values, func(p string) bool { return strings.HasPrefix(v, p) })
		case ssm.ComplianceQueryOperatorTypeLessThan:
			ok = slices.ContainsFunc(f.values, func(x string) bool { return cmp(v, x) < 0 })
		case ssm.ComplianceQueryOperatorTypeGreaterThan:
			ok = slices.ContainsFunc(f.values, func(x string) bool { return cmp(v, x) > 0 })
		}
		if !ok {
			return false
		}
	}
	return true
}

// checkResourceTypes refuses resource types other than ManagedInstance.
func checkResourceTypes(types []string) error {
	for _, t := range types {
		if t != ResourceTypeManagedInstance {
			return ssm.NewInvalidResourceType("The resource type %s is not valid: compliance items are of ManagedInstance resources.", t)
		}
	}
	return nil
}

// ListComplianceItems lists compliance items: of ResourceIds (every
// resource without), of ResourceTypes (ManagedInstance, the only one),
// those passing Filters (keys ComplianceType, Status, Severity and Id),
// by resource, compliance type and ID, MaxResults a page (default 50).
// An inventory rule's items carry in their Details why the instance is
// (non-)compliant and, when its action ran, the command's ID.
//
// Errors: InvalidResourceType, InvalidFilter, InvalidNextToken.
func (s *Service) ListComplianceItems(ctx context.Context, in *ssm.ListComplianceItemsInput) (*ssm.ListComplianceItemsOutput, error) {
	if err := checkResourceTypes(in.ResourceTypes); err != nil {
		return nil, err
	}
	filters, err := parseFilters(in.Filters, itemKeys)
	if err != nil {
		return nil, err
	}
	parts, ok := decodeToken(in.NextToken, 4)
	if !ok {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	limit := pageSize(in.MaxResults)
	q := ItemQuery{Account: s.account, ResourceIDs: in.ResourceIds, Limit: readBatch,
		After: ItemKey{ResourceType: parts[0], ResourceID: parts[1], ComplianceType: parts[2], ID: parts[3]}}
	out := &ssm.ListComplianceItemsOutput{ComplianceItems: []*ssm.ComplianceItem{}}
	for {
		items, err := s.store.ComplianceItems(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			attrs := map[string]string{"ComplianceType": it.ComplianceType, "Status": it.Status, "Severity": it.Severity, "Id": it.ID}
			if !pass(filters, func(k string) string { return attrs[k] }) {
				continue
			}
			if len(out.ComplianceItems) == limit {
				last := out.ComplianceItems[limit-1]
				out.NextToken = encodeToken(last.ResourceType, last.ResourceId, last.ComplianceType, last.Id)
				return out, nil
			}
			out.ComplianceItems = append(out.ComplianceItems, itemShape(it))
		}
		if len(items) < q.Limit {
			return out, nil
		}
		last := items[len(items)-1]
		q.After = ItemKey{ResourceType: last.ResourceType, ResourceID: last.ResourceID, ComplianceType: last.ComplianceType, ID: last.ID}
	}
}

// itemShape returns a compliance item as SSM shows it. An inventory
// rule's action is shown in its Details: ActionStatus and ActionCommandId
// (ActionError when it was not sent).
func itemShape(it *Item) *ssm.ComplianceItem {
	details := maps.Clone(it.Details)
	if details == nil {
		details = map[string]string{}
	}
	switch it.Action {
	case "":
	case ActionFailed:
		details["ActionStatus"], details["ActionError"] = it.Action, it.ActionCommand
	default:
		details["ActionStatus"] = it.Action
		if it.ActionCommand != "" {
			details["ActionCommandId"] = it.ActionCommand
		}
	}
	return &ssm.ComplianceItem{
		ComplianceType: it.ComplianceType, ResourceType: it.ResourceType, ResourceId: it.ResourceID, Id: it.ID, Title: it.Title,
		Status: it.Status, Severity: it.Severity, Details: details,
		ExecutionSummary: &ssm.ComplianceExecutionSummary{ExecutionTime: timestamp.Ptr(it.ExecutionTime), ExecutionId: it.ExecutionID,
			ExecutionType: it.ExecutionType},
	}
}

// resourceSummary is a resource's compliance for one compliance type.
type resourceSummary struct {
	key                     ItemKey
	compliant, nonCompliant map[string]int // items by severity
	last                    Count
}

// status is the resource's status: NON_COMPLIANT when any item is.
func (r *resourceSummary) status() string {
	if len(r.nonCompliant) > 0 {
		return ssm.ComplianceStatusNonCompliant
	}
	return ssm.ComplianceStatusCompliant
}

// overallSeverity is the highest severity of the items of the resource's
// status.
func (r *resourceSummary) overallSeverity() string {
	bySeverity := r.compliant
	if len(r.nonCompliant) > 0 {
		bySeverity = r.nonCompliant
	}
	best := ssm.ComplianceSeverityUnspecified
	for sev := range bySeverity {
		if severityRank(sev) > severityRank(best) {
			best = sev
		}
	}
	return best
}

// summaries reads the resource summaries after a key, in batches, and
// calls fn with each until it returns false.
func (s *Service) summaries(ctx context.Context, after ItemKey, fn func(*resourceSummary) bool) error {
	for {
		counts, err := s.store.ComplianceCounts(ctx, s.account, after, readBatch)
		if err != nil {
			return err
		}
		var cur *resourceSummary
		resources := 0
		flush := func() bool { return cur == nil || fn(cur) }
		for _, c := range counts {
			key := ItemKey{ResourceType: c.ResourceType, ResourceID: c.ResourceID, ComplianceType: c.ComplianceType}
			if cur == nil || cur.key != key {
				if !flush() {
					return nil
				}
				cur = &resourceSummary{key: key, compliant: map[string]int{}, nonCompliant: map[string]int{}}
				resources++
				after = key
			}
			if c.Status == ssm.ComplianceStatusNonCompliant {
				cur.nonCompliant[c.Severity] += c.Items
			} else {
				cur.compliant[c.Severity] += c.Items
			}
			if c.LastExecution.After(cur.last.LastExecution) {
				cur.last = *c
			}
		}
		if !flush() || resources < readBatch {
			return nil
		}
	}
}

// ListResourceComplianceSummaries lists, for each resource and compliance
// type, the resource's status (NON_COMPLIANT when any of its items is),
// its overall severity (the highest of the items of that status), and
// the number of its compliant and non-compliant items by severity; those
// passing Filters (keys ComplianceType, Status, OverallSeverity and
// ResourceId), by resource and compliance type, MaxResults a page
// (default 50).
//
// Errors: InvalidFilter, InvalidNextToken.
func (s *Service) ListResourceComplianceSummaries(ctx context.Context, in *ssm.ListResourceComplianceSummariesInput) (*ssm.ListResourceComplianceSummariesOutput, error) {
	filters, err := parseFilters(in.Filters, resourceSummaryKeys)
	if err != nil {
		return nil, err
	}
	parts, ok := decodeToken(in.NextToken, 3)
	if !ok {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	limit := pageSize(in.MaxResults)
	out := &ssm.ListResourceComplianceSummariesOutput{ResourceComplianceSummaryItems: []*ssm.ResourceComplianceSummaryItem{}}
	var last ItemKey
	err = s.summaries(ctx, ItemKey{ResourceType: parts[0], ResourceID: parts[1], ComplianceType: parts[2]}, func(r *resourceSummary) bool {
		attrs := map[string]string{"ComplianceType": r.key.ComplianceType, "Status": r.status(), "OverallSeverity": r.overallSeverity(),
			"ResourceId": r.key.ResourceID}
		if !pass(filters, func(k string) string { return attrs[k] }) {
			return true
		}
		if len(out.ResourceComplianceSummaryItems) == limit {
			out.NextToken = encodeToken(last.ResourceType, last.ResourceID, last.ComplianceType)
			return false
		}
		last = r.key
		out.ResourceComplianceSummaryItems = append(out.ResourceComplianceSummaryItems, &ssm.ResourceComplianceSummaryItem{
			ComplianceType: r.key.ComplianceType, ResourceType: r.key.ResourceType, ResourceId: r.key.ResourceID,
			Status: r.status(), OverallSeverity: r.overallSeverity(),
			ExecutionSummary: &ssm.ComplianceExecutionSummary{ExecutionTime: timestamp.Ptr(r.last.LastExecution)},
			CompliantSummary: &ssm.CompliantSummary{CompliantCount: count(total(r.compliant)), SeveritySummary: severitySummary(r.compliant)},
			NonCompliantSummary: &ssm.NonCompliantSummary{NonCompliantCount: count(total(r.nonCompliant)),
				SeveritySummary: severitySummary(r.nonCompliant)},
		})
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListComplianceSummaries lists, for each compliance type, the number of
// resources compliant and non-compliant with it, each by its overall
// severity; those passing Filters (key ComplianceType), by compliance
// type, MaxResults a page (default 50).
//
// Errors: InvalidFilter, InvalidNextToken.
func (s *Service) ListComplianceSummaries(ctx context.Context, in *ssm.ListComplianceSummariesInput) (*ssm.ListComplianceSummariesOutput, error) {
	filters, err := parseFilters(in.Filters, summaryKeys)
	if err != nil {
		return nil, err
	}
	parts, ok := decodeToken(in.NextToken, 1)
	if !ok {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	type counts struct{ compliant, nonCompliant map[string]int } // resources by overall severity
	byType := map[string]*counts{}
	err = s.summaries(ctx, ItemKey{}, func(r *resourceSummary) bool {
		t := r.key.ComplianceType
		if t <= parts[0] || !pass(filters, func(string) string { return t }) {
			return true
		}
		c := byType[t]
		if c == nil {
			c = &counts{compliant: map[string]int{}, nonCompliant: map[string]int{}}
			byType[t] = c
		}
		if r.status() == ssm.ComplianceStatusNonCompliant {
			c.nonCompliant[r.overallSeverity()]++
		} else {
			c.compliant[r.overallSeverity()]++
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults)
	out := &ssm.ListComplianceSummariesOutput{ComplianceSummaryItems: []*ssm.ComplianceSummaryItem{}}
	types := slices.Sorted(maps.Keys(byType))
	if len(types) > limit {
		types = types[:limit]
		out.NextToken = encodeToken(types[limit-1])
	}
	for _, t := range types {
		c := byType[t]
		out.ComplianceSummaryItems = append(out.ComplianceSummaryItems, &ssm.ComplianceSummaryItem{
			ComplianceType:      t,
			CompliantSummary:    &ssm.CompliantSummary{CompliantCount: count(total(c.compliant)), SeveritySummary: severitySummary(c.compliant)},
			NonCompliantSummary: &ssm.NonCompliantSummary{NonCompliantCount: count(total(c.nonCompliant)), SeveritySummary: severitySummary(c.nonCompliant)},
		})
	}
	return out, nil
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func count(n int) *int32 {
	v := int32(n)
	return &v
}

// severitySummary returns counts by severity, every one present.
func severitySummary(m map[string]int) *ssm.SeveritySummary {
	return &ssm.SeveritySummary{
		CriticalCount: count(m[ssm.ComplianceSeverityCritical]), HighCount: count(m[ssm.ComplianceSeverityHigh]),
		MediumCount: count(m[ssm.ComplianceSeverityMedium]), LowCount: count(m[ssm.ComplianceSeverityLow]),
		InformationalCount: count(m[ssm.ComplianceSeverityInformational]), UnspecifiedCount: count(m[ssm.ComplianceSeverityUnspecified]),
	}
}

// PutComplianceItems records a managed instance's compliance items of a
// compliance type: with UploadType COMPLETE (the default) they replace
// every item it had of the type, with PARTIAL each replaces the item of
// its Id. An instance's role credentials report only that instance.
//
// Errors: InvalidResourceType for a type other than ManagedInstance;
// InvalidResourceId for an instance that is not a managed instance of the
// account (or, with an instance's credentials, not that instance);
// InvalidItemContentException for items with the same Id, or the type
// Custom:InventoryRule, which inventory rules own.
func (s *Service) PutComplianceItems(ctx context.Context, in *ssm.PutComplianceItemsInput) (*ssm.PutComplianceItemsOutput, error) {
	if err := checkResourceTypes([]string{in.ResourceType}); err != nil {
		return nil, err
	}
	if caller := s.callerInstance(ctx); caller != "" && caller != in.ResourceId {
		return nil, ssm.NewInvalidResourceId("The resource ID %s is not valid: instance %s may only report its own compliance.", in.ResourceId, caller)
	}
	if err := s.instances.CheckInstance(ctx, in.ResourceId); err != nil {
		return nil, ssm.NewInvalidResourceId("The resource ID %s is not a managed instance of this account.", in.ResourceId)
	}
	if in.ComplianceType == TypeInventoryRule {
		return nil, ssm.NewInvalidItemContentException("The compliance type %s is kept by inventory rules; report yours under another Custom: name.", TypeInventoryRule)
	}
	var execTime timestamp.Time
	var execID, execType string
	if es := in.ExecutionSummary; es != nil {
		if es.ExecutionTime != nil {
			execTime = *es.ExecutionTime
		}
		execID, execType = es.ExecutionId, es.ExecutionType
	}
	seen := map[string]bool{}
	items := make([]*Item, 0, len(in.Items))
	for _, e := range in.Items {
		if seen[e.Id] {
			return nil, ssm.NewInvalidItemContentException("The compliance item ID %q is in the request more than once.", e.Id)
		}
		seen[e.Id] = true
		items = append(items, &Item{
			Account: s.account, ResourceType: in.ResourceType, ResourceID: in.ResourceId, ComplianceType: in.ComplianceType,
			ID: e.Id, Title: e.Title, Status: e.Status, Severity: e.Severity, Details: e.Details,
			ExecutionID: execID, ExecutionType: execType, ExecutionTime: execTime.Time().UTC(),
		})
	}
	complete := in.UploadType != ssm.ComplianceUploadTypePartial
	if err := s.store.PutComplianceItems(ctx, s.account, in.ResourceType, in.ResourceId, in.ComplianceType, items, complete); err != nil {
		return nil, err
	}
	return &ssm.PutComplianceItemsOutput{}, nil
}
