// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// MaxInstanceIDs is how many InstanceIds a command may name.
const MaxInstanceIDs = 50

// Target keys of SendCommand's Targets besides tag:<key>.
const (
	targetInstanceIDs         = "InstanceIds"
	targetTagKey              = "tag-key"
	targetResourceGroup       = "resource-groups:Name"
	targetResourceTypeFilters = "resource-groups:ResourceTypeFilters"
)

// resolveTargets returns the instances a command runs on: those named by
// InstanceIds, or those every one of Targets selects, ordered by ID.
func (s *Service) resolveTargets(ctx context.Context, instanceIDs []string, targets []*ssm.Target) ([]*fleet.Instance, error) {
	switch {
	case len(instanceIDs) > 0 && len(targets) > 0:
		return nil, awserr.Validation("Targets", nil, "cannot be used together with InstanceIds")
	case len(instanceIDs) == 0 && len(targets) == 0:
		return nil, awserr.Validation("InstanceIds", nil, "name the instances to run on, with InstanceIds or Targets")
	case len(instanceIDs) > 0:
		return s.instancesByID(ctx, instanceIDs)
	}
	insts, err := s.matchTargets(ctx, targets)
	if err != nil {
		return nil, err
	}
	if len(insts) == 0 {
		return nil, ssm.NewInvalidTarget("The targets %s match no managed instances.", describeTargets(targets))
	}
	return insts, nil
}

// matchTargets returns the instances every one of targets selects,
// ordered by ID; none is not an error.
func (s *Service) matchTargets(ctx context.Context, targets []*ssm.Target) ([]*fleet.Instance, error) {
	var f fleet.InstanceFilter
	var groupTypes []string
	// ids, when not nil, are the only instances the targets may select.
	var ids []fleet.InstanceID
	for i, t := range targets {
		field := fmt.Sprintf("Targets[%d]", i)
		switch {
		case t.Key == targetInstanceIDs:
			if len(t.Values) == 0 {
				return nil, ssm.NewInvalidTarget("%s: InstanceIds needs at least one instance ID.", field)
			}
			named := make([]fleet.InstanceID, len(t.Values))
			for i, v := range t.Values {
				named[i] = fleet.InstanceID(v)
			}
			ids = intersect(ids, named)
		case t.Key == targetTagKey:
			if len(t.Values) == 0 {
				return nil, ssm.NewInvalidTarget("%s: tag-key needs at least one tag key.", field)
			}
			for _, k := range t.Values {
				f.Tags = append(f.Tags, fleet.TagFilter{Key: k})
			}
		case strings.HasPrefix(t.Key, "tag:") && len(t.Key) > 4:
			if len(t.Values) == 0 {
				return nil, ssm.NewInvalidTarget("%s: %s needs at least one tag value.", field, t.Key)
			}
			f.Tags = append(f.Tags, fleet.TagFilter{Key: t.Key[4:], Values: t.Values})
		case t.Key == targetResourceGroup:
			if len(t.Values) != 1 {
				return nil, ssm.NewInvalidTarget("%s: resource-groups:Name takes exactly one group name.", field)
			}
			if s.groups == nil {
				return nil, ssm.NewInvalidTarget("%s: resource groups are not available.", field)
			}
			members, err := s.groups.Resolve(ctx, t.Values[0])
			if errors.Is(err, awserr.NotFound) {
				return nil, ssm.NewInvalidTarget("%s: the resource group %s does not exist.", field, t.Values[0])
			}
			if err != nil {
				return nil, err
			}
			inGroup := make([]fleet.InstanceID, len(members))
			for i, m := range members {
				inGroup[i] = fleet.InstanceID(m)
			}
			ids = intersect(ids, inGroup)
		case t.Key == targetResourceTypeFilters:
			groupTypes = append(groupTypes, t.Values...)
		default:
			return nil, ssm.NewInvalidTarget("%s: the key %q is not valid: use InstanceIds, tag:<key>, tag-key or resource-groups:Name.", field, t.Key)
		}
	}
	if len(groupTypes) > 0 && !containsAny(groupTypes, "AWS::SSM::ManagedInstance", "AWS::EC2::Instance", "AWS::AllSupported") {
		return nil, ssm.NewInvalidTarget("resource-groups:ResourceTypeFilters must include AWS::SSM::ManagedInstance.")
	}
	if ids != nil && len(ids) == 0 {
		return nil, nil
	}
	f.IDs = ids
	return s.fleet.ListInstances(ctx, f)
}

// instancesByID returns the named instances of the account, each once.
func (s *Service) instancesByID(ctx context.Context, ids []string) ([]*fleet.Instance, error) {
	if len(ids) > MaxInstanceIDs {
		return nil, awserr.Validation("InstanceIds", len(ids), "must have at most "+strconv.Itoa(MaxInstanceIDs)+" members; use Targets for more")
	}
	seen := map[string]bool{}
	f := fleet.InstanceFilter{}
	for _, id := range ids {
		if seen[id] {
			return nil, ssm.NewDuplicateInstanceId("The instance ID %s is given more than once.", id)
		}
		seen[id] = true
		f.IDs = append(f.IDs, fleet.InstanceID(id))
	}
	insts, err := s.fleet.ListInstances(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(insts) < len(ids) {
		found := map[string]bool{}
		for _, inst := range insts {
			found[string(inst.ID)] = true
		}
		var missing []string
		for _, id := range ids {
			if !found[id] {
				missing = append(missing, id)
			}
		}
		return nil, ssm.NewInvalidInstanceId("Instances [%s] not in a valid state for account %s.", strings.Join(missing, ", "), s.account)
	}
	return insts, nil
}

// intersect returns the IDs in both a and b; a nil a stands for every
// ID. The result is never nil.
func intersect(a, b []fleet.InstanceID) []fleet.InstanceID {
	out := []fleet.InstanceID{}
	if a == nil {
		return append(out, b...)
	}
	in := map[fleet.InstanceID]bool{}
	for _, id := range b {
		in[id] = true
	}
	for _, id := range a {
		if in[id] {
			out = append(out, id)
		}
	}
	return out
}

func containsAny(xs []string, ys ...string) bool {
	for _, x := range xs {
		for _, y := range ys {
			if x == y {
				return true
			}
		}
	}
	return false
}

func describeTargets(targets []*ssm.Target) string {
	var parts []string
	for _, t := range targets {
		parts = append(parts, t.Key+"="+strings.Join(t.Values, ","))
	}
	return strings.Join(parts, " ")
}

// rate is a MaxConcurrency or MaxErrors value: a number of targets or a
// percentage of them.
type rate struct {
	n       int
	percent bool
}

// parseRate reads a MaxConcurrency or MaxErrors value ("10", "10%").
func parseRate(field, v string, allowZero bool) (rate, error) {
	s, pct := strings.CutSuffix(v, "%")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || (n == 0 && !allowZero && !pct) || (pct && n > 100) || (n == 0 && pct && !allowZero) {
		rule := "must be a number of targets (at least 1) or a percentage of them (1% to 100%)"
		if allowZero {
			rule = "must be a number of errors (0 or more) or a percentage of the targets (0% to 100%)"
		}
		return rate{}, awserr.Validation(field, v, rule)
	}
	return rate{n: n, percent: pct}, nil
}

// of returns the rate for a number of targets. Percentages round down,
// as SSM's; minOne keeps a concurrency of at least one.
func (r rate) of(targets int, minOne bool) int {
	n := r.n
	if r.percent {
		n = r.n * targets / 100
	}
	if minOne && n < 1 {
		n = 1
	}
	return n
}

// maxConcurrency and maxErrors return a command's limits for its target
// count. A value that does not parse (it was checked when the command
// was sent) means SSM's default.
func maxConcurrency(c *Command) int {
	r, err := parseRate("MaxConcurrency", c.MaxConcurrency, false)
	if err != nil {
		r = rate{n: 50}
	}
	return r.of(c.TargetCount, true)
}

func maxErrors(c *Command) int {
	r, err := parseRate("MaxErrors", c.MaxErrors, true)
	if err != nil {
		return 0
	}
	return r.of(c.TargetCount, false)
}
