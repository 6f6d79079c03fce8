// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// effectivePageSize is DescribeEffectiveInstanceAssociations' default and
// largest page, as AWS sets it: each item carries a document.
const effectivePageSize = 5

// instanceTargets returns the targets on a managed instance of the
// account's associations, ordered by association, from the position a
// NextToken gives; an instance the account does not manage is
// InvalidInstanceId.
func (s *Service) instanceTargets(ctx context.Context, instanceID, nextToken string) ([]*Target, error) {
	pos, err := decodeToken(nextToken, 1)
	if err != nil {
		return nil, err
	}
	found, err := s.commands.TargetInstances(ctx, []*ssm.Target{{Key: targetInstanceIDs, Values: []string{instanceID}}})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ssm.NewInvalidInstanceId("The instance %s is not a managed instance of account %s.", instanceID, s.account)
	}
	ts, err := s.store.InstanceTargets(ctx, s.account, []string{instanceID})
	if err != nil {
		return nil, err
	}
	if pos != nil {
		for len(ts) > 0 && ts[0].AssociationID <= pos[0] {
			ts = ts[1:]
		}
	}
	return ts, nil
}

// instanceAssociations returns the associations of a page of targets,
// each with its target; a target whose association was deleted meanwhile
// is left out.
func (s *Service) instanceAssociations(ctx context.Context, ts []*Target) ([]*Association, []*Target, error) {
	var as []*Association
	var kept []*Target
	for _, t := range ts {
		a, err := s.store.GetAssociation(ctx, s.account, t.AssociationID)
		if errors.Is(err, awserr.NotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		as, kept = append(as, a), append(kept, t)
	}
	return as, kept, nil
}

// page cuts targets to one page of limit and returns the NextToken of
// the rest, if any.
func page(ts []*Target, limit int) ([]*Target, string) {
	if len(ts) <= limit {
		return ts, ""
	}
	return ts[:limit], encodeToken(ts[limit-1].AssociationID)
}

// DescribeInstanceAssociationsStatus lists the associations that have
// run on an instance, each with how its latest run there went, ordered
// by association.
func (s *Service) DescribeInstanceAssociationsStatus(ctx context.Context, in *ssm.DescribeInstanceAssociationsStatusInput) (*ssm.DescribeInstanceAssociationsStatusOutput, error) {
	ts, err := s.instanceTargets(ctx, in.InstanceId, in.NextToken)
	if err != nil {
		return nil, err
	}
	ts, next := page(ts, pageSize(in.MaxResults))
	as, ts, err := s.instanceAssociations(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := &ssm.DescribeInstanceAssociationsStatusOutput{InstanceAssociationStatusInfos: []*ssm.InstanceAssociationStatusInfo{}, NextToken: next}
	for i, a := range as {
		t := ts[i]
		e, err := s.store.GetExecution(ctx, t.AssociationID, t.ExecutionID)
		if errors.Is(err, awserr.NotFound) {
			continue // deleted with its association meanwhile
		}
		if err != nil {
			return nil, err
		}
		summary, err := s.executionSummary(ctx, e.CommandID, t.InstanceID)
		if err != nil {
			return nil, err
		}
		info := &ssm.InstanceAssociationStatusInfo{
			AssociationId: a.ID, Name: a.Name, DocumentVersion: firstNonEmpty(a.DocumentVersion, defaultDocumentVersion),
			AssociationVersion: strconv.Itoa(e.Version), InstanceId: t.InstanceID, ExecutionDate: timestamp.Ptr(t.AppliedAt),
			Status: t.Status, DetailedStatus: t.DetailedStatus, ExecutionSummary: summary, AssociationName: a.AssociationName,
		}
		if e.CommandID == "" && t.Status == TargetFailed && t.DetailedStatus != ExecFailed {
			// The run's command could not be sent: the detailed status is
			// the error code SendCommand returned.
			info.ErrorCode = t.DetailedStatus
		}
		if info.OutputUrl, err = s.outputURL(ctx, e.CommandID, t.InstanceID); err != nil {
			return nil, err
		}
		out.InstanceAssociationStatusInfos = append(out.InstanceAssociationStatusInfos, info)
	}
	return out, nil
}

// outputURL returns where a run's command keeps its outputs on an
// instance, when the association names an output location.
func (s *Service) outputURL(ctx context.Context, commandID, instanceID string) (*ssm.InstanceAssociationOutputUrl, error) {
	if commandID == "" {
		return nil, nil
	}
	c, err := s.commands.Command(ctx, commandID)
	if errors.Is(err, awserr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u := s.commands.OutputURL(c, instanceID)
	if u == "" {
		return nil, nil
	}
	return &ssm.InstanceAssociationOutputUrl{S3OutputUrl: &ssm.S3OutputUrl{OutputUrl: u}}, nil
}

// executionSummary sums up, as State Manager does, how the steps of a
// run's command went on an instance once it ran there: "2 out of 2
// plugins processed, 1 success, 1 failed, 0 timedout, 0 skipped. ".
// Before that (or without a command) it is empty.
func (s *Service) executionSummary(ctx context.Context, commandID, instanceID string) (string, error) {
	if commandID == "" {
		return "", nil
	}
	details := true
	out, err := s.commands.ListCommandInvocations(ctx, &ssm.ListCommandInvocationsInput{CommandId: commandID, InstanceId: instanceID, Details: &details})
	if errors.Is(err, awserr.NotFound) || err == nil && len(out.CommandInvocations) == 0 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	plugins := out.CommandInvocations[0].CommandPlugins
	counts := map[string]int{}
	processed := 0
	for _, p := range plugins {
		switch p.Status {
		case command.StatusPending, command.StatusInProgress, command.StatusDelayed:
			continue
		case command.StatusSuccess, agentproto.StatusSkipped, command.StatusTimedOut:
			counts[p.Status]++
		default: // Failed, Cancelled
			counts[command.StatusFailed]++
		}
		processed++
	}
	if processed == 0 {
		return "", nil
	}
	noun := "plugins"
	if len(plugins) == 1 {
		noun = "plugin"
	}
	return fmt.Sprintf("%d out of %d %s processed, %d success, %d failed, %d timedout, %d skipped. ",
		processed, len(plugins), noun, counts[command.StatusSuccess], counts[command.StatusFailed], counts[command.StatusTimedOut],
		counts[agentproto.StatusSkipped]), nil
}

// DescribeEffectiveInstanceAssociations lists the associations that
// apply to an instance, each with the content of the document version it
// runs there (as JSON), ordered by association.
func (s *Service) DescribeEffectiveInstanceAssociations(ctx context.Context, in *ssm.DescribeEffectiveInstanceAssociationsInput) (*ssm.DescribeEffectiveInstanceAssociationsOutput, error) {
	ts, err := s.instanceTargets(ctx, in.InstanceId, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := effectivePageSize
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	ts, next := page(ts, limit)
	as, _, err := s.instanceAssociations(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := &ssm.DescribeEffectiveInstanceAssociationsOutput{Associations: []*ssm.InstanceAssociation{}, NextToken: next}
	for _, a := range as {
		doc, err := s.commands.GetDocument(ctx, &ssm.GetDocumentInput{Name: a.Name, DocumentVersion: a.DocumentVersion, DocumentFormat: "JSON"})
		if err != nil {
			return nil, err
		}
		out.Associations = append(out.Associations, &ssm.InstanceAssociation{
			AssociationId: a.ID, InstanceId: in.InstanceId, Content: doc.Content, AssociationVersion: strconv.Itoa(a.Version),
		})
	}
	return out, nil
}

// AssociationSummaries returns, by instance, how the associations that
// ran there last went; nil instanceIDs means every instance of the
// account. An instance no association ran on is not in the map.
func (s *Service) AssociationSummaries(ctx context.Context, instanceIDs []string) (map[string]*fleet.AssociationSummary, error) {
	ts, err := s.store.InstanceTargets(ctx, s.account, instanceIDs)
	if err != nil {
		return nil, err
	}
	out := map[string]*fleet.AssociationSummary{}
	for _, t := range ts {
		sum := out[t.InstanceID]
		if sum == nil {
			sum = &fleet.AssociationSummary{Counts: map[string]int{}}
			out[t.InstanceID] = sum
		}
		sum.Counts[t.Status]++
		if t.AppliedAt.After(sum.LastRun) {
			sum.LastRun = t.AppliedAt
		}
		if t.Status == TargetSuccess && t.AppliedAt.After(sum.LastSuccess) {
			sum.LastSuccess = t.AppliedAt
		}
	}
	return out, nil
}
