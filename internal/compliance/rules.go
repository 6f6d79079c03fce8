// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package compliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	"github.com/kanri-dev/kanri/internal/wire/kanri"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// PutInventoryRule creates an inventory rule, or replaces the rule of its
// name with a new version, and starts evaluating it on every instance
// (EvaluationStatus InProgress until done). Instances keep their results
// until the new version's evaluation replaces them.
//
// Errors: ValidationException naming the member and what is wrong with it
// (a TypeName that is not an inventory type, a condition on an attribute
// the type does not have, values with Exists or none without it, targets
// Run Command refuses, an action whose document does not exist, is not a
// Command document or does not take the parameters);
// LimitExceededException past MaxRules; AccessDeniedException when the
// caller may not send the action's document to the instances the rule
// targets (ssm:SendCommand), since the action runs with the server's
// identity.
func (s *Service) PutInventoryRule(ctx context.Context, in *kanri.PutInventoryRuleInput) (*kanri.PutInventoryRuleOutput, error) {
	sp := Spec{Description: in.Description, TypeName: in.TypeName, Kind: in.Kind, Severity: in.Severity}
	if sp.Severity == "" {
		sp.Severity = ssm.ComplianceSeverityUnspecified
	}
	attrs, err := s.attributes(ctx, in.TypeName)
	if err != nil {
		return nil, err
	}
	for i, c := range in.Conditions {
		cond, err := parseCondition(fmt.Sprintf("conditions.%d.member", i+1), in.TypeName, c, attrs)
		if err != nil {
			return nil, err
		}
		sp.Conditions = append(sp.Conditions, cond)
	}
	for _, t := range in.Targets {
		sp.Targets = append(sp.Targets, &ssm.Target{Key: t.Key, Values: t.Values})
	}
	var targeted []string
	if len(sp.Targets) > 0 || in.Action != nil {
		all := sp.Targets
		if len(all) == 0 {
			all = []*ssm.Target{{Key: "InstanceIds", Values: []string{"*"}}}
		}
		if targeted, err = s.commands.TargetInstances(ctx, all); err != nil {
			return nil, invalidFrom("targets", describeTargets(sp.Targets), err)
		}
	}
	if a := in.Action; a != nil {
		sp.Action = &Action{DocumentName: a.DocumentName, DocumentVersion: a.DocumentVersion, Parameters: a.Parameters}
		if err := s.commands.CheckRun(ctx, a.DocumentName, a.DocumentVersion, a.Parameters); err != nil {
			return nil, invalidFrom("action.documentName", a.DocumentName, err)
		}
		if err := s.authorizeAction(ctx, a.DocumentName, targeted); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	r := &Rule{Account: s.account, Name: in.Name, Spec: sp, CreatedAt: now, UpdatedAt: now}
	err = s.store.PutInventoryRule(ctx, r, MaxRules)
	switch {
	case errors.Is(err, awserr.LimitExceeded):
		return nil, kanri.NewLimitExceededException("The account has %d inventory rules, as many as it may have: delete one first.", MaxRules)
	case err != nil:
		return nil, err
	}
	s.log.Info("inventory rule put", "rule", r.Name, "version", r.Version, "type_name", r.TypeName, "kind", r.Kind)
	s.wake()
	counts, err := s.store.InventoryRuleCounts(ctx, s.account)
	if err != nil {
		return nil, err
	}
	return &kanri.PutInventoryRuleOutput{Rule: ruleShape(r, counts[r.Name])}, nil
}

// ListInventoryRules lists the account's rules by name (those of Names
// only, when given), with how many instances each finds compliant and
// non-compliant; MaxResults a page (default 50).
func (s *Service) ListInventoryRules(ctx context.Context, in *kanri.ListInventoryRulesInput) (*kanri.ListInventoryRulesOutput, error) {
	after, ok := decodeToken(in.NextToken, 1)
	if !ok {
		return nil, kanri.NewInvalidNextTokenException("The NextToken is not valid.")
	}
	limit := pageSize(in.MaxResults)
	rules, err := s.store.InventoryRules(ctx, RuleQuery{Account: s.account, Names: in.Names, After: after[0], Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	counts, err := s.store.InventoryRuleCounts(ctx, s.account)
	if err != nil {
		return nil, err
	}
	out := &kanri.ListInventoryRulesOutput{Rules: []*kanri.InventoryRule{}}
	if len(rules) > limit {
		rules = rules[:limit]
		out.NextToken = encodeToken(rules[limit-1].Name)
	}
	for _, r := range rules {
		out.Rules = append(out.Rules, ruleShape(r, counts[r.Name]))
	}
	return out, nil
}

// DeleteInventoryRule deletes a rule and its compliance items. Errors:
// ResourceNotFoundException for a rule the account does not have.
func (s *Service) DeleteInventoryRule(ctx context.Context, in *kanri.DeleteInventoryRuleInput) (*kanri.DeleteInventoryRuleOutput, error) {
	err := s.store.DeleteInventoryRule(ctx, s.account, in.Name)
	switch {
	case errors.Is(err, awserr.NotFound):
		return nil, kanri.NewResourceNotFoundException("The inventory rule %s does not exist.", in.Name)
	case err != nil:
		return nil, err
	}
	s.log.Info("inventory rule deleted", "rule", in.Name)
	return &kanri.DeleteInventoryRuleOutput{}, nil
}

// attributes returns the attribute names of an inventory type, or nil for
// a custom type the account has no data of yet (any attribute is then
// accepted). Any other type that is not one of the account's is a
// ValidationException.
func (s *Service) attributes(ctx context.Context, typeName string) ([]string, error) {
	out, err := s.inv.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: typeName})
	if err != nil {
		return nil, err
	}
	for _, sc := range out.Schemas {
		if sc.TypeName != typeName {
			continue
		}
		attrs := make([]string, len(sc.Attributes))
		for i, a := range sc.Attributes {
			attrs[i] = a.Name
		}
		return attrs, nil
	}
	if name, ok := strings.CutPrefix(typeName, "Custom:"); ok && validCustomName(name) {
		return nil, nil
	}
	return nil, awserr.Validation("typeName", typeName, "must be an AWS inventory type (such as AWS:Application) or Custom: followed by letters, digits, _, - or .")
}

// validCustomName reports whether a custom type's name, after Custom:,
// is letters, digits, _, - or . as inventory requires.
func validCustomName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// parseCondition checks a condition of a rule on typeName whose attributes
// are attrs (nil: any). Its key is the attribute, alone or after the type.
func parseCondition(field, typeName string, c *kanri.InventoryRuleCondition, attrs []string) (Condition, error) {
	attr := c.Key
	if t, a, ok := cutAttribute(c.Key); ok {
		if t != typeName {
			return Condition{}, awserr.Validation(field+".key", c.Key, "must be an attribute of "+typeName+", alone or after the type name")
		}
		attr = a
	}
	if attrs != nil && !slices.Contains(attrs, attr) {
		return Condition{}, awserr.Validation(field+".key", c.Key, typeName+" has no attribute "+attr+"; it has "+strings.Join(attrs, ", "))
	}
	op := c.Type
	if op == "" {
		op = ssm.InventoryQueryOperatorTypeEqual
	}
	switch {
	case op == ssm.InventoryQueryOperatorTypeExists && len(c.Values) > 0:
		return Condition{}, awserr.Validation(field+".values", strings.Join(c.Values, ","), "must be empty with the Exists type")
	case op != ssm.InventoryQueryOperatorTypeExists && len(c.Values) == 0:
		return Condition{}, awserr.Validation(field+".values", "", "must have at least one value with the "+op+" type")
	}
	return Condition{Attribute: attr, Operator: op, Values: c.Values}, nil
}

// cutAttribute splits a key "AWS:Application.Name" into its type and
// attribute, at the last dot after the type's prefix; ok is false for an
// attribute alone.
func cutAttribute(key string) (typeName, attr string, ok bool) {
	if !strings.HasPrefix(key, "AWS:") && !strings.HasPrefix(key, "Custom:") {
		return "", "", false
	}
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", "", false
	}
	return key[:i], key[i+1:], true
}

// invalidFrom turns an error of Run Command's checks into a
// ValidationException on the rule's member field; other errors pass.
func invalidFrom(field, value string, err error) error {
	e := awserr.As(err)
	if e == nil || e.Kind != awserr.Invalid && e.Kind != awserr.NotFound {
		return err
	}
	return awserr.Validation(field, value, e.Code+": "+e.Message)
}

// describeTargets writes targets as Key=…,Values=… pairs.
func describeTargets(targets []*ssm.Target) string {
	parts := make([]string, len(targets))
	for i, t := range targets {
		parts[i] = "Key=" + t.Key + ",Values=" + strings.Join(t.Values, ",")
	}
	return strings.Join(parts, " ")
}

// ruleShape returns a rule as the API shows it, with the number of
// instances of each status.
func ruleShape(r *Rule, counts map[string]int) *kanri.InventoryRule {
	version := int64(r.Version)
	compliant, nonCompliant := int32(counts[ssm.ComplianceStatusCompliant]), int32(counts[ssm.ComplianceStatusNonCompliant])
	out := &kanri.InventoryRule{
		Name: r.Name, Description: r.Description, TypeName: r.TypeName, Kind: r.Kind, Severity: r.Severity,
		Version: &version, CreatedDate: timestamp.Ptr(r.CreatedAt), UpdatedDate: timestamp.Ptr(r.UpdatedAt),
		EvaluationStatus: kanri.EvaluationStatusComplete, CompliantCount: &compliant, NonCompliantCount: &nonCompliant,
		Conditions: []*kanri.InventoryRuleCondition{}, Targets: []*kanri.Target{},
	}
	if !r.Sweep.Done {
		out.EvaluationStatus = kanri.EvaluationStatusInProgress
	}
	for _, c := range r.Conditions {
		out.Conditions = append(out.Conditions, &kanri.InventoryRuleCondition{Key: c.Attribute, Type: c.Operator, Values: c.Values})
	}
	for _, t := range r.Targets {
		out.Targets = append(out.Targets, &kanri.Target{Key: t.Key, Values: t.Values})
	}
	if a := r.Action; a != nil {
		out.Action = &kanri.InventoryRuleAction{DocumentName: a.DocumentName, DocumentVersion: a.DocumentVersion, Parameters: a.Parameters}
	}
	return out
}
