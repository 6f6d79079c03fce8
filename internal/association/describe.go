// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// defaultDocumentVersion is the version an association runs when it
// names none.
const defaultDocumentVersion = "$DEFAULT"

// describe returns an association as AssociationDescription shows it,
// with the spec of one of its versions.
func (s *Service) describe(a *Association, version int, sp *Spec) *ssm.AssociationDescription {
	d := &ssm.AssociationDescription{
		Name: sp.Name, InstanceId: sp.InstanceID, AssociationVersion: strconv.Itoa(version), Date: timestamp.Ptr(a.CreatedAt),
		LastUpdateAssociationDate: timestamp.Ptr(a.UpdatedAt), Overview: overview(a),
		DocumentVersion: firstNonEmpty(sp.DocumentVersion, defaultDocumentVersion), Parameters: sp.Parameters, AssociationId: a.ID,
		Targets: targetsOf(sp), ScheduleExpression: sp.ScheduleExpression, OutputLocation: sp.OutputLocation,
		LastExecutionDate: timePtr(a.LastExecutionAt), LastSuccessfulExecutionDate: timePtr(a.LastSuccessAt),
		AssociationName: sp.AssociationName, MaxErrors: sp.MaxErrors, MaxConcurrency: sp.MaxConcurrency,
		ComplianceSeverity: sp.ComplianceSeverity, SyncCompliance: sp.SyncCompliance, ApplyOnlyAtCronInterval: &sp.ApplyOnlyAtCronInterval,
		ScheduleOffset: int32Ptr(sp.ScheduleOffset), Duration: int32Ptr(sp.Duration), AutomationTargetParameterName: sp.AutomationTargetParameterName,
	}
	if sp.InstanceID != "" {
		// Associations made for one instance also carry the status of
		// the association with it.
		d.Status = &ssm.AssociationStatus{Date: timestamp.Ptr(a.CreatedAt), Name: "Associated", Message: "Associated with " + sp.Name}
	}
	return d
}

// overview is an association's status as its targets' latest runs make
// it: Failed if one failed, Pending while one has not finished, Success
// when all succeeded; before it has targets, Pending.
func overview(a *Association) *ssm.AssociationOverview {
	c := a.TargetCounts
	o := &ssm.AssociationOverview{}
	switch {
	case len(c) == 0 && a.LastExecutionAt.IsZero() && a.NextRunAt.Equal(a.UpdatedAt):
		o.Status, o.DetailedStatus = "Pending", "Creating"
	case len(c) == 0:
		o.Status, o.DetailedStatus = "Pending", "Associated"
	case c[TargetFailed] > 0:
		o.Status, o.DetailedStatus = "Failed", "Failed"
	case c[TargetInProgress] > 0:
		o.Status, o.DetailedStatus = "Pending", "InProgress"
	case c[TargetPending] > 0:
		o.Status, o.DetailedStatus = "Pending", "Pending"
	default:
		o.Status, o.DetailedStatus = "Success", "Success"
	}
	if len(c) > 0 {
		o.AssociationStatusAggregatedCount = map[string]int32{}
		for k, n := range c {
			o.AssociationStatusAggregatedCount[k] = int32(n)
		}
	}
	return o
}

// DescribeAssociation returns an association, in its latest version or
// the one asked for.
func (s *Service) DescribeAssociation(ctx context.Context, in *ssm.DescribeAssociationInput) (*ssm.DescribeAssociationOutput, error) {
	a, err := s.lookup(ctx, in.AssociationId, in.Name, in.InstanceId)
	if err != nil {
		return nil, err
	}
	if v := in.AssociationVersion; v != "" && v != "$LATEST" && v != strconv.Itoa(a.Version) {
		n, _ := strconv.Atoi(v)
		ver, err := s.store.GetAssociationVersion(ctx, s.account, a.ID, n)
		if errors.Is(err, awserr.NotFound) {
			return nil, ssm.NewInvalidAssociationVersion("The association %s has no version %s.", a.ID, v)
		}
		if err != nil {
			return nil, err
		}
		return &ssm.DescribeAssociationOutput{AssociationDescription: s.describe(a, ver.Number, &ver.Spec)}, nil
	}
	return &ssm.DescribeAssociationOutput{AssociationDescription: s.describe(a, a.Version, &a.Spec)}, nil
}

// associationFilter is what ListAssociations' filters select.
type associationFilter struct {
	instanceID, name, id, status, associationName, group string
	before, after                                        time.Time
}

func (f *associationFilter) match(a *Association) bool {
	switch {
	case f.instanceID != "" && a.InstanceID != f.instanceID,
		f.name != "" && a.Name != f.name,
		f.id != "" && a.ID != f.id,
		f.associationName != "" && a.AssociationName != f.associationName,
		f.status != "" && overview(a).Status != f.status,
		!f.before.IsZero() && (a.LastExecutionAt.IsZero() || !a.LastExecutionAt.Before(f.before)),
		!f.after.IsZero() && (a.LastExecutionAt.IsZero() || !a.LastExecutionAt.After(f.after)):
		return false
	case f.group != "":
		return slices.ContainsFunc(a.Targets, func(t *ssm.Target) bool {
			return t.Key == "resource-groups:Name" && slices.Contains(t.Values, f.group)
		})
	}
	return true
}

// parseTime reads a filter's time: an ISO 8601 date and time
// ("2026-05-06T10:00:00Z") or a date.
func parseTime(field, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, awserr.Validation(field, v, "must be a date and time such as 2026-05-06T10:00:00Z")
}

// ListAssociations lists the account's associations, oldest first,
// selected by AssociationFilterList (every filter must match).
func (s *Service) ListAssociations(ctx context.Context, in *ssm.ListAssociationsInput) (*ssm.ListAssociationsOutput, error) {
	var f associationFilter
	for i, flt := range in.AssociationFilterList {
		field := "associationFilterList." + strconv.Itoa(i+1) + ".member.value"
		switch flt.Key {
		case "InstanceId":
			f.instanceID = flt.Value
		case "Name":
			f.name = flt.Value
		case "AssociationId":
			f.id = flt.Value
		case "AssociationStatusName":
			f.status = flt.Value
		case "AssociationName":
			f.associationName = flt.Value
		case "ResourceGroupName":
			f.group = flt.Value
		case "LastExecutedBefore", "LastExecutedAfter":
			t, err := parseTime(field, flt.Value)
			if err != nil {
				return nil, err
			}
			if flt.Key == "LastExecutedBefore" {
				f.before = t
			} else {
				f.after = t
			}
		}
	}
	pos, err := decodeCursor(in.NextToken)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListAssociations(ctx, s.account)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults)
	out := &ssm.ListAssociationsOutput{Associations: []*ssm.Association{}}
	var last *Association
	for _, a := range all { // oldest first
		if pos != nil && pos.compare(a.CreatedAt, a.ID) >= 0 {
			continue
		}
		if !f.match(a) {
			continue
		}
		if len(out.Associations) == limit {
			out.NextToken = encodeCursor(last.CreatedAt, last.ID)
			break
		}
		last = a
		out.Associations = append(out.Associations, &ssm.Association{
			Name: a.Name, InstanceId: a.InstanceID, AssociationId: a.ID, AssociationVersion: strconv.Itoa(a.Version),
			DocumentVersion: firstNonEmpty(a.DocumentVersion, defaultDocumentVersion), Targets: targetsOf(&a.Spec),
			LastExecutionDate: timePtr(a.LastExecutionAt), Overview: overview(a), ScheduleExpression: a.ScheduleExpression,
			AssociationName: a.AssociationName, ScheduleOffset: int32Ptr(a.ScheduleOffset), Duration: int32Ptr(a.Duration),
		})
	}
	return out, nil
}

// ListAssociationVersions lists an association's versions, oldest first.
func (s *Service) ListAssociationVersions(ctx context.Context, in *ssm.ListAssociationVersionsInput) (*ssm.ListAssociationVersionsOutput, error) {
	a, err := s.lookup(ctx, in.AssociationId, "", "")
	if err != nil {
		return nil, err
	}
	pos, err := decodeToken(in.NextToken, 1)
	if err != nil {
		return nil, err
	}
	after := 0
	if pos != nil {
		if after, err = strconv.Atoi(pos[0]); err != nil {
			return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
		}
	}
	vs, err := s.store.ListAssociationVersions(ctx, s.account, a.ID)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults)
	out := &ssm.ListAssociationVersionsOutput{AssociationVersions: []*ssm.AssociationVersionInfo{}}
	for _, v := range vs {
		if v.Number <= after {
			continue
		}
		if len(out.AssociationVersions) == limit {
			out.NextToken = encodeToken(strconv.Itoa(v.Number - 1))
			break
		}
		sp := &v.Spec
		out.AssociationVersions = append(out.AssociationVersions, &ssm.AssociationVersionInfo{
			AssociationId: a.ID, AssociationVersion: strconv.Itoa(v.Number), CreatedDate: timestamp.Ptr(v.CreatedAt), Name: sp.Name,
			DocumentVersion: firstNonEmpty(sp.DocumentVersion, defaultDocumentVersion), Parameters: sp.Parameters, Targets: targetsOf(sp),
			ScheduleExpression: sp.ScheduleExpression, OutputLocation: sp.OutputLocation, AssociationName: sp.AssociationName,
			MaxErrors: sp.MaxErrors, MaxConcurrency: sp.MaxConcurrency, ComplianceSeverity: sp.ComplianceSeverity,
			SyncCompliance: sp.SyncCompliance, ApplyOnlyAtCronInterval: &sp.ApplyOnlyAtCronInterval,
			ScheduleOffset: int32Ptr(sp.ScheduleOffset), Duration: int32Ptr(sp.Duration),
		})
	}
	return out, nil
}

// executionFilter is what DescribeAssociationExecutions' filters select.
type executionFilter struct {
	id, status             string
	at, before, afterTime  time.Time
	hasAt, hasBef, hasAftr bool
}

func (f *executionFilter) match(e *Execution) bool {
	return (f.id == "" || e.ID == f.id) && (f.status == "" || e.Status == f.status) &&
		(!f.hasAt || e.CreatedAt.Equal(f.at)) && (!f.hasBef || e.CreatedAt.Before(f.before)) && (!f.hasAftr || e.CreatedAt.After(f.afterTime))
}

// DescribeAssociationExecutions lists an association's executions,
// newest first, selected by ExecutionId, Status (EQUAL) and CreatedTime
// (EQUAL, LESS_THAN, GREATER_THAN).
func (s *Service) DescribeAssociationExecutions(ctx context.Context, in *ssm.DescribeAssociationExecutionsInput) (*ssm.DescribeAssociationExecutionsOutput, error) {
	a, err := s.lookup(ctx, in.AssociationId, "", "")
	if err != nil {
		return nil, err
	}
	var f executionFilter
	for i, flt := range in.Filters {
		field := "filters." + strconv.Itoa(i+1) + ".member"
		if flt.Key != "CreatedTime" && flt.Type != "EQUAL" {
			return nil, awserr.Validation(field+".type", flt.Type, "must be EQUAL for the key "+flt.Key)
		}
		switch flt.Key {
		case "ExecutionId":
			f.id = flt.Value
		case "Status":
			f.status = flt.Value
		case "CreatedTime":
			t, err := parseTime(field+".value", flt.Value)
			if err != nil {
				return nil, err
			}
			switch flt.Type {
			case "EQUAL":
				f.at, f.hasAt = t, true
			case "LESS_THAN":
				f.before, f.hasBef = t, true
			case "GREATER_THAN":
				f.afterTime, f.hasAftr = t, true
			}
		}
	}
	pos, err := decodeCursor(in.NextToken)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListExecutions(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults)
	out := &ssm.DescribeAssociationExecutionsOutput{AssociationExecutions: []*ssm.AssociationExecution{}}
	var last *Execution
	for _, e := range all { // newest first
		if pos != nil && pos.compare(e.CreatedAt, e.ID) <= 0 {
			continue
		}
		if !f.match(e) {
			continue
		}
		if len(out.AssociationExecutions) == limit {
			out.NextToken = encodeCursor(last.CreatedAt, last.ID)
			break
		}
		last = e
		out.AssociationExecutions = append(out.AssociationExecutions, &ssm.AssociationExecution{
			AssociationId: a.ID, AssociationVersion: strconv.Itoa(e.Version), ExecutionId: e.ID, Status: e.Status,
			DetailedStatus: e.DetailedStatus, CreatedTime: timestamp.Ptr(e.CreatedAt), LastExecutionDate: timestamp.Ptr(e.UpdatedAt),
			ResourceCountByStatus: statusString(e.ResourceCounts),
		})
	}
	return out, nil
}

// resourceTypeInstance is the ResourceType of execution targets that are
// managed instances.
const resourceTypeInstance = "ManagedInstance"

// DescribeAssociationExecutionTargets lists the instances an execution
// ran on, with how it went on each and the command that ran it (the
// OutputSource), ordered by instance; filters Status, ResourceId and
// ResourceType select them.
func (s *Service) DescribeAssociationExecutionTargets(ctx context.Context, in *ssm.DescribeAssociationExecutionTargetsInput) (*ssm.DescribeAssociationExecutionTargetsOutput, error) {
	a, err := s.lookup(ctx, in.AssociationId, "", "")
	if err != nil {
		return nil, err
	}
	e, err := s.store.GetExecution(ctx, a.ID, in.ExecutionId)
	if errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewAssociationExecutionDoesNotExist("The association %s has no execution %s.", a.ID, in.ExecutionId)
	}
	if err != nil {
		return nil, err
	}
	want := map[string]string{}
	for _, flt := range in.Filters {
		want[flt.Key] = flt.Value
	}
	pos, err := decodeToken(in.NextToken, 1)
	if err != nil {
		return nil, err
	}
	targets, err := s.executionTargets(ctx, e)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults)
	out := &ssm.DescribeAssociationExecutionTargetsOutput{AssociationExecutionTargets: []*ssm.AssociationExecutionTarget{}}
	for _, t := range targets {
		if pos != nil && t.ResourceId <= pos[0] {
			continue
		}
		if v, ok := want["Status"]; ok && t.Status != v {
			continue
		}
		if v, ok := want["ResourceId"]; ok && t.ResourceId != v {
			continue
		}
		if v, ok := want["ResourceType"]; ok && t.ResourceType != v {
			continue
		}
		if len(out.AssociationExecutionTargets) == limit {
			out.NextToken = encodeToken(out.AssociationExecutionTargets[limit-1].ResourceId)
			break
		}
		out.AssociationExecutionTargets = append(out.AssociationExecutionTargets, t)
	}
	return out, nil
}

// executionTargets returns an execution's targets, from its command's
// invocations once it has one.
func (s *Service) executionTargets(ctx context.Context, e *Execution) ([]*ssm.AssociationExecutionTarget, error) {
	byInstance := map[string]*command.Invocation{}
	if e.CommandID != "" {
		_, invs, err := s.commands.Progress(ctx, e.CommandID)
		if err != nil && !errors.Is(err, awserr.NotFound) {
			return nil, err
		}
		for _, inv := range invs {
			byInstance[inv.InstanceID] = inv
		}
	}
	var out []*ssm.AssociationExecutionTarget
	for _, id := range e.Instances {
		t := &ssm.AssociationExecutionTarget{
			AssociationId: e.AssociationID, AssociationVersion: strconv.Itoa(e.Version), ExecutionId: e.ID, ResourceId: id,
			ResourceType: resourceTypeInstance, Status: TargetPending, DetailedStatus: "Pending", LastExecutionDate: timestamp.Ptr(e.CreatedAt),
		}
		if inv := byInstance[id]; inv != nil {
			t.Status, t.DetailedStatus = targetStatus(inv)
			t.LastExecutionDate = timestamp.Ptr(lastChange(inv, e.CreatedAt))
		} else if ExecutionDone(e.Status) {
			// The execution ended without running here (its command
			// could not be sent).
			t.Status, t.DetailedStatus = TargetFailed, e.DetailedStatus
		}
		if e.CommandID != "" {
			t.OutputSource = &ssm.OutputSource{OutputSourceId: e.CommandID, OutputSourceType: "RunCommand"}
		}
		out = append(out, t)
	}
	return out, nil
}

// lastChange returns when an invocation last changed: its end, its start
// or, before either, when it was requested (at least from).
func lastChange(inv *command.Invocation, from time.Time) time.Time {
	for _, t := range []time.Time{inv.EndedAt, inv.StartedAt, inv.RequestedAt} {
		if !t.IsZero() {
			return t
		}
	}
	return from
}

func timePtr(t time.Time) *timestamp.Time {
	if t.IsZero() {
		return nil
	}
	return timestamp.Ptr(t)
}

func int32Ptr(n int) *int32 {
	if n == 0 {
		return nil
	}
	v := int32(n)
	return &v
}
