// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package fleet

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Ping statuses, as SSM's.
const (
	PingOnline         = "Online"
	PingConnectionLost = "ConnectionLost"
	PingInactive       = "Inactive"
)

// ResourceTypeManagedInstance is the resource type of managed instances.
const ResourceTypeManagedInstance = "ManagedInstance"

// onlineSince returns the time after which a last ping means Online: two
// heartbeat intervals ago.
func (s *Service) onlineSince() time.Time { return s.now().Add(-2 * s.heartbeat) }

// ConditionKeys returns an instance's condition keys for policies: its
// tags as aws:ResourceTag/<key> and ssm:resourceTag/<key>.
func ConditionKeys(inst *Instance) map[string][]string {
	out := make(map[string][]string, 2*len(inst.Tags))
	for k, v := range inst.Tags {
		out["aws:ResourceTag/"+k] = []string{v}
		out["ssm:resourceTag/"+k] = []string{v}
	}
	return out
}

// OnlineSince returns the time after which an instance's last ping means
// it is Online now.
func (s *Service) OnlineSince() time.Time { return s.onlineSince() }

// ListInstances returns the account's instances that f selects, ordered
// by ID.
func (s *Service) ListInstances(ctx context.Context, f InstanceFilter) ([]*Instance, error) {
	return s.store.ListInstances(ctx, s.account, f)
}

// PingStatus returns an instance's ping status now.
func (s *Service) PingStatus(inst *Instance) string {
	if !inst.LastPing.IsZero() && !inst.LastPing.Before(s.onlineSince()) {
		return PingOnline
	}
	return PingConnectionLost
}

// Instance returns a managed instance of the account.
func (s *Service) Instance(ctx context.Context, id InstanceID) (*Instance, error) {
	inst, err := s.store.GetInstance(ctx, id)
	if errors.Is(err, awserr.NotFound) || (err == nil && inst.Account != s.account) {
		return nil, ssm.NewInvalidInstanceId("Instance Id %s is not valid.", id)
	}
	return inst, err
}

// ARN returns a managed instance's ARN.
func (s *Service) ARN(id InstanceID) string {
	return "arn:aws:ssm:" + s.region + ":" + s.account + ":managed-instance/" + string(id)
}

func (s *Service) infoShape(inst *Instance, assoc *AssociationSummary) *ssm.InstanceInformation {
	latest := inst.AgentVersion != "" && inst.AgentVersion == s.agentVersion
	out := &ssm.InstanceInformation{
		InstanceId: string(inst.ID), PingStatus: s.PingStatus(inst), AgentVersion: inst.AgentVersion, IsLatestVersion: &latest,
		PlatformType: inst.PlatformType, PlatformName: inst.PlatformName, PlatformVersion: inst.PlatformVersion,
		ActivationId: inst.ActivationID, IamRole: inst.IAMRole, RegistrationDate: timestamp.Ptr(inst.RegisteredAt),
		ResourceType: ResourceTypeManagedInstance, Name: inst.Name, IPAddress: inst.IPAddress, ComputerName: inst.ComputerName,
		SourceId: string(inst.ID), SourceType: "AWS::SSM::ManagedInstance",
	}
	if !inst.LastPing.IsZero() {
		out.LastPingDateTime = timestamp.Ptr(inst.LastPing)
	}
	if assoc != nil {
		status, detail := assoc.Status()
		out.AssociationStatus = status
		out.LastAssociationExecutionDate = timestamp.Ptr(assoc.LastRun)
		if !assoc.LastSuccess.IsZero() {
			out.LastSuccessfulAssociationExecutionDate = timestamp.Ptr(assoc.LastSuccess)
		}
		out.AssociationOverview = &ssm.InstanceAggregatedAssociationOverview{DetailedStatus: detail,
			InstanceAssociationStatusAggregatedCount: map[string]int32{}}
		for k, n := range assoc.Counts {
			out.AssociationOverview.InstanceAssociationStatusAggregatedCount[k] = int32(n)
		}
	}
	return out
}

// associationStatuses are the values of DescribeInstanceInformation's
// AssociationStatus filter.
var associationStatuses = []string{"Success", "Failed", "Pending"}

// restrictToAssociationStatus narrows f to the instances whose
// association status is one of statuses.
func (s *Service) restrictToAssociationStatus(ctx context.Context, f *InstanceFilter, statuses []string) error {
	for _, v := range statuses {
		if !containsString(associationStatuses, v) {
			return ssm.NewInvalidInstanceInformationFilterValue("The AssociationStatus value %s is not valid: use Success, Failed or Pending.", v)
		}
	}
	if s.assoc == nil {
		f.None = true
		return nil
	}
	sums, err := s.assoc.AssociationSummaries(ctx, nil)
	if err != nil {
		return err
	}
	given := map[InstanceID]bool{}
	for _, id := range f.IDs {
		given[id] = true
	}
	var ids []InstanceID
	for id, sum := range sums {
		if st, _ := sum.Status(); containsString(statuses, st) && (len(f.IDs) == 0 || given[InstanceID(id)]) {
			ids = append(ids, InstanceID(id))
		}
	}
	if len(ids) == 0 {
		f.None = true
	}
	f.IDs = ids
	return nil
}

// filterFromKey adds one SSM instance filter to f.
func (s *Service) filterFromKey(f *InstanceFilter, key string, values []string) error {
	if len(values) == 0 {
		return ssm.NewInvalidInstanceInformationFilterValue("The filter %s needs at least one value.", key)
	}
	switch {
	case key == "InstanceIds":
		for _, v := range values {
			f.IDs = append(f.IDs, InstanceID(v))
		}
	case key == "AgentVersion":
		f.AgentVersions = append(f.AgentVersions, values...)
	case key == "PingStatus":
		for _, v := range values {
			switch v {
			case PingOnline:
				f.PingOnline = true
			case PingConnectionLost:
				f.PingLost = true
			case PingInactive:
				// Deregistered instances are gone; none is Inactive.
			default:
				return ssm.NewInvalidInstanceInformationFilterValue("The PingStatus value %s is not valid: use Online, ConnectionLost or Inactive.", v)
			}
		}
		if !f.PingOnline && !f.PingLost {
			f.None = true
		}
		f.OnlineSince = s.onlineSince()
	case key == "PlatformTypes":
		f.PlatformTypes = append(f.PlatformTypes, values...)
	case key == "ActivationIds":
		f.ActivationIDs = append(f.ActivationIDs, values...)
	case key == "IamRole":
		f.IAMRoles = append(f.IAMRoles, values...)
	case key == "ResourceType":
		if !containsString(values, ResourceTypeManagedInstance) {
			f.None = true // kanri has only managed instances
		}
	case key == "tag-key":
		for _, v := range values {
			f.Tags = append(f.Tags, TagFilter{Key: v})
		}
	case strings.HasPrefix(key, "tag:") && len(key) > 4:
		f.Tags = append(f.Tags, TagFilter{Key: key[4:], Values: values})
	default:
		return ssm.NewInvalidFilterKey("The filter key %s is not valid.", key)
	}
	return nil
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// DescribeInstanceInformation lists managed instances with their ping
// status and facts, filtered as SSM filters them.
func (s *Service) DescribeInstanceInformation(ctx context.Context, in *ssm.DescribeInstanceInformationInput) (*ssm.DescribeInstanceInformationOutput, error) {
	if len(in.InstanceInformationFilterList) > 0 && len(in.Filters) > 0 {
		return nil, ssm.NewInvalidFilter("InstanceInformationFilterList and Filters cannot be used together.")
	}
	f := InstanceFilter{Limit: 50}
	if in.MaxResults != nil {
		f.Limit = int(*in.MaxResults)
	}
	var assocStatuses []string
	add := func(key string, values []string) error {
		if key != "AssociationStatus" {
			return s.filterFromKey(&f, key, values)
		}
		if len(values) == 0 {
			return ssm.NewInvalidInstanceInformationFilterValue("The filter %s needs at least one value.", key)
		}
		assocStatuses = append(assocStatuses, values...)
		return nil
	}
	for _, fl := range in.InstanceInformationFilterList {
		if err := add(fl.Key, fl.ValueSet); err != nil {
			return nil, err
		}
	}
	for _, fl := range in.Filters {
		if err := add(fl.Key, fl.Values); err != nil {
			return nil, err
		}
	}
	if assocStatuses != nil {
		if err := s.restrictToAssociationStatus(ctx, &f, assocStatuses); err != nil {
			return nil, err
		}
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	f.After = InstanceID(after)
	out := &ssm.DescribeInstanceInformationOutput{InstanceInformationList: []*ssm.InstanceInformation{}}
	if f.None {
		return out, nil
	}
	limit := f.Limit
	f.Limit++
	insts, err := s.store.ListInstances(ctx, s.account, f)
	if err != nil {
		return nil, err
	}
	if len(insts) > limit {
		insts = insts[:limit]
		out.NextToken = encodeToken(string(insts[len(insts)-1].ID))
	}
	sums := map[string]*AssociationSummary{}
	if s.assoc != nil && len(insts) > 0 {
		ids := make([]string, len(insts))
		for i, inst := range insts {
			ids[i] = string(inst.ID)
		}
		if sums, err = s.assoc.AssociationSummaries(ctx, ids); err != nil {
			return nil, err
		}
	}
	for _, inst := range insts {
		out.InstanceInformationList = append(out.InstanceInformationList, s.infoShape(inst, sums[string(inst.ID)]))
	}
	return out, nil
}

// DeregisterManagedInstance removes an instance from the fleet; its agent
// key is revoked on the bus at once, so the agent cannot reconnect.
func (s *Service) DeregisterManagedInstance(ctx context.Context, in *ssm.DeregisterManagedInstanceInput) (*ssm.DeregisterManagedInstanceOutput, error) {
	inst, err := s.Instance(ctx, InstanceID(in.InstanceId))
	if err != nil {
		return nil, err
	}
	if err := s.store.DeregisterInstance(ctx, inst.ID, s.now().UTC()); err != nil {
		if errors.Is(err, awserr.NotFound) {
			return nil, ssm.NewInvalidInstanceId("Instance Id %s is not valid.", in.InstanceId)
		}
		return nil, err
	}
	if err := s.PushRevocations(ctx); err != nil {
		s.log.Error("revoke agent key on the bus", "instance_id", inst.ID, "err", err)
		return nil, err
	}
	return &ssm.DeregisterManagedInstanceOutput{}, nil
}

// PushRevocations makes the bus refuse every revoked agent key.
func (s *Service) PushRevocations(ctx context.Context) error {
	if s.bus == nil {
		return nil
	}
	revoked, err := s.store.RevokedKeys(ctx)
	if err != nil {
		return err
	}
	return s.bus.Revoke(ctx, revoked)
}
