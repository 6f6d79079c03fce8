// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/awserr"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// targetInstanceIDs is the target key of instances by ID; its value "*"
// targets every managed instance of the account.
const targetInstanceIDs = "InstanceIds"

// CreateAssociation makes an association and leaves its runs to the
// scheduler: right away (unless ApplyOnlyAtCronInterval), on instances
// that come to match its targets, and on its schedule.
func (s *Service) CreateAssociation(ctx context.Context, in *ssm.CreateAssociationInput) (*ssm.CreateAssociationOutput, error) {
	if len(in.TargetLocations) > 0 {
		return nil, unsupported("targetLocations", "associations run in this installation's own account and region")
	}
	if len(in.CalendarNames) > 0 {
		return nil, unsupported("calendarNames", "change calendars are not available")
	}
	if in.AlarmConfiguration != nil {
		return nil, unsupported("alarmConfiguration", "CloudWatch alarms are not available")
	}
	sp := Spec{
		Name: in.Name, DocumentVersion: in.DocumentVersion, InstanceID: in.InstanceId, AssociationName: in.AssociationName,
		Parameters: in.Parameters, Targets: in.Targets, ScheduleExpression: in.ScheduleExpression, ScheduleOffset: intOf(in.ScheduleOffset),
		OutputLocation: in.OutputLocation, MaxConcurrency: in.MaxConcurrency, MaxErrors: in.MaxErrors,
		ComplianceSeverity: in.ComplianceSeverity, SyncCompliance: in.SyncCompliance, ApplyOnlyAtCronInterval: boolOf(in.ApplyOnlyAtCronInterval),
		Duration: intOf(in.Duration), AutomationTargetParameterName: in.AutomationTargetParameterName,
	}
	sched, err := s.check(ctx, &sp, in.TargetMaps)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	a := &Association{ID: uuid.NewString(), Account: s.account, Version: 1, Spec: sp, Tags: ssm.TagMap(in.Tags), CreatedAt: now, UpdatedAt: now}
	s.schedule(a, sched, now)
	switch err := s.store.CreateAssociation(ctx, a, MaxAssociations); {
	case errors.Is(err, awserr.Exists):
		return nil, ssm.NewAssociationAlreadyExists("The association of %s with %s already exists.", sp.Name, sp.InstanceID)
	case errors.Is(err, awserr.LimitExceeded):
		return nil, ssm.NewAssociationLimitExceeded("You can have at most %d associations.", MaxAssociations)
	case err != nil:
		return nil, err
	}
	s.wake()
	return &ssm.CreateAssociationOutput{AssociationDescription: s.describe(a, a.Version, &a.Spec)}, nil
}

// CreateAssociationBatch makes each association of a batch as
// CreateAssociation would, independently: those that cannot be made are
// listed as Failed with why, the others as Successful.
func (s *Service) CreateAssociationBatch(ctx context.Context, in *ssm.CreateAssociationBatchInput) (*ssm.CreateAssociationBatchOutput, error) {
	if in.AssociationDispatchAssumeRole != "" {
		return nil, unsupported("associationDispatchAssumeRole", "associations run as the service itself")
	}
	out := &ssm.CreateAssociationBatchOutput{Successful: []*ssm.AssociationDescription{}, Failed: []*ssm.FailedCreateAssociation{}}
	for _, e := range in.Entries {
		made, err := s.CreateAssociation(ctx, &ssm.CreateAssociationInput{
			Name: e.Name, InstanceId: e.InstanceId, Parameters: e.Parameters, AutomationTargetParameterName: e.AutomationTargetParameterName,
			DocumentVersion: e.DocumentVersion, Targets: e.Targets, ScheduleExpression: e.ScheduleExpression, OutputLocation: e.OutputLocation,
			AssociationName: e.AssociationName, MaxErrors: e.MaxErrors, MaxConcurrency: e.MaxConcurrency,
			ComplianceSeverity: e.ComplianceSeverity, SyncCompliance: e.SyncCompliance, ApplyOnlyAtCronInterval: e.ApplyOnlyAtCronInterval,
			CalendarNames: e.CalendarNames, TargetLocations: e.TargetLocations, ScheduleOffset: e.ScheduleOffset, Duration: e.Duration,
			TargetMaps: e.TargetMaps, AlarmConfiguration: e.AlarmConfiguration,
		})
		aerr := awserr.As(err)
		switch {
		case err == nil:
			out.Successful = append(out.Successful, made.AssociationDescription)
		case aerr != nil:
			fault := "Client"
			if aerr.HTTPStatus() >= 500 {
				fault = "Server"
			}
			out.Failed = append(out.Failed, &ssm.FailedCreateAssociation{Entry: e, Message: aerr.Message, Fault: fault})
		default:
			// A failure of the server (its store): the entry is listed as
			// the server's fault, without the details, which go to the log.
			s.log.ErrorContext(ctx, "CreateAssociationBatch: entry failed", "document", e.Name, "err", err)
			out.Failed = append(out.Failed, &ssm.FailedCreateAssociation{Entry: e, Message: "An internal error occurred.", Fault: "Server"})
		}
	}
	return out, nil
}

// schedule sets when a new or updated association runs: right away, or
// with ApplyOnlyAtCronInterval only at its schedule's first time; and
// when its targets are checked for newcomers (never with
// ApplyOnlyAtCronInterval).
func (s *Service) schedule(a *Association, sched Schedule, now time.Time) {
	if a.ApplyOnlyAtCronInterval {
		a.NextRunAt, a.CheckTargetsAt = sched.First(now), time.Time{}
		return
	}
	a.NextRunAt, a.CheckTargetsAt = now, now.Add(s.checkTargets)
}

// check checks an association's spec as CreateAssociation and
// UpdateAssociation take it and returns its schedule.
func (s *Service) check(ctx context.Context, sp *Spec, targetMaps []map[string][]string) (Schedule, error) {
	var sched Schedule
	switch {
	case len(targetMaps) > 0 && len(sp.Targets) > 0:
		return sched, ssm.NewInvalidTargetMaps("Targets and TargetMaps can't be specified together.")
	case len(targetMaps) > 0:
		return sched, unsupported("targetMaps", "associations run Command documents, on Targets")
	case sp.InstanceID != "" && len(sp.Targets) > 0:
		return sched, awserr.Validation("targets", "[...]", "cannot be used together with InstanceId")
	case sp.InstanceID == "" && len(sp.Targets) == 0:
		return sched, awserr.Validation("targets", "[]", "must name the instances to associate: use Targets (or the deprecated InstanceId)")
	case sp.InstanceID != "":
		for _, f := range [][2]string{{"associationName", sp.AssociationName}, {"documentVersion", sp.DocumentVersion},
			{"maxErrors", sp.MaxErrors}, {"maxConcurrency", sp.MaxConcurrency}, {"scheduleExpression", sp.ScheduleExpression}} {
			if f[1] != "" {
				return sched, awserr.Validation(f[0], f[1], "cannot be used with InstanceId: use Targets")
			}
		}
		if sp.OutputLocation != nil {
			return sched, awserr.Validation("outputLocation", "{...}", "cannot be used with InstanceId: use Targets")
		}
	}
	sched, err := ParseSchedule(sp.ScheduleExpression, sp.ScheduleOffset)
	if err != nil {
		return sched, err
	}
	switch {
	case sp.ApplyOnlyAtCronInterval && sched.IsRate():
		return sched, ssm.NewInvalidSchedule("ApplyOnlyAtCronInterval is not supported for rate expressions.")
	case sp.ApplyOnlyAtCronInterval && sched.IsZero():
		return sched, ssm.NewInvalidSchedule("ApplyOnlyAtCronInterval needs a cron or at ScheduleExpression.")
	case sp.ScheduleOffset != 0 && !sp.ApplyOnlyAtCronInterval:
		return sched, ssm.NewInvalidSchedule("ScheduleOffset needs ApplyOnlyAtCronInterval: an association with an offset does not run when it is created.")
	}
	if err := checkOutputLocation(sp.OutputLocation); err != nil {
		return sched, err
	}
	if err := s.commands.CheckRun(ctx, sp.Name, sp.DocumentVersion, sp.Parameters); err != nil {
		return sched, err
	}
	ids, err := s.commands.TargetInstances(ctx, targetsOf(sp))
	if err != nil {
		return sched, err
	}
	if sp.InstanceID != "" && len(ids) == 0 {
		return sched, ssm.NewInvalidInstanceId("Instances [%s] not in a valid state for account %s.", sp.InstanceID, s.account)
	}
	return sched, nil
}

// checkOutputLocation checks an association's S3 output location (kept
// in the object store, as Run Command keeps outputs).
func checkOutputLocation(loc *ssm.InstanceAssociationOutputLocation) error {
	if loc == nil {
		return nil
	}
	if loc.S3Location == nil || loc.S3Location.OutputS3BucketName == "" {
		return ssm.NewInvalidOutputLocation("The output location needs an S3Location with an OutputS3BucketName.")
	}
	b := loc.S3Location.OutputS3BucketName
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return ssm.NewInvalidOutputLocation("The bucket name %q is not valid: lowercase letters, digits, hyphens and dots.", b)
		}
	}
	return nil
}

// targetsOf returns the targets an association resolves: its Targets,
// or its one instance.
func targetsOf(sp *Spec) []*ssm.Target {
	if sp.InstanceID != "" {
		return []*ssm.Target{{Key: targetInstanceIDs, Values: []string{sp.InstanceID}}}
	}
	return sp.Targets
}

// unsupported is the error of a request member kanri does not provide.
func unsupported(field, why string) error {
	return awserr.Validation(field, "[...]", "is not supported: "+why)
}

// lookup returns the association a request names by ID, or by document
// and instance (legacy associations).
func (s *Service) lookup(ctx context.Context, id, name, instanceID string) (*Association, error) {
	var a *Association
	var err error
	switch {
	case id != "":
		a, err = s.store.GetAssociation(ctx, s.account, id)
	case name != "" && instanceID != "":
		a, err = s.store.GetLegacyAssociation(ctx, s.account, name, instanceID)
	default:
		return nil, awserr.Validation("associationId", "", "name the association: an AssociationId, or a Name and an InstanceId")
	}
	if errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewAssociationDoesNotExist("The association %s does not exist.", firstNonEmpty(id, name+" "+instanceID))
	}
	return a, err
}

// UpdateAssociation makes a new version of an association from the
// request — members it leaves out are cleared, as AWS clears them, but
// the document and the targets — and runs it right away unless
// ApplyOnlyAtCronInterval.
func (s *Service) UpdateAssociation(ctx context.Context, in *ssm.UpdateAssociationInput) (*ssm.UpdateAssociationOutput, error) {
	if len(in.TargetLocations) > 0 {
		return nil, unsupported("targetLocations", "associations run in this installation's own account and region")
	}
	if len(in.CalendarNames) > 0 {
		return nil, unsupported("calendarNames", "change calendars are not available")
	}
	if in.AlarmConfiguration != nil {
		return nil, unsupported("alarmConfiguration", "CloudWatch alarms are not available")
	}
	a, err := s.lookup(ctx, in.AssociationId, "", "")
	if err != nil {
		return nil, err
	}
	if v := in.AssociationVersion; v != "" && v != "$LATEST" && v != strconv.Itoa(a.Version) {
		return nil, ssm.NewInvalidAssociationVersion("The association version %s is not the latest, %d: specify $LATEST or the latest version.", v, a.Version)
	}
	sp := Spec{
		Name: firstNonEmpty(in.Name, a.Name), DocumentVersion: in.DocumentVersion, InstanceID: a.InstanceID,
		AssociationName: in.AssociationName, Parameters: in.Parameters, Targets: in.Targets, ScheduleExpression: in.ScheduleExpression,
		ScheduleOffset: intOf(in.ScheduleOffset), OutputLocation: in.OutputLocation, MaxConcurrency: in.MaxConcurrency, MaxErrors: in.MaxErrors,
		ComplianceSeverity: in.ComplianceSeverity, SyncCompliance: in.SyncCompliance, ApplyOnlyAtCronInterval: boolOf(in.ApplyOnlyAtCronInterval),
		Duration: intOf(in.Duration), AutomationTargetParameterName: in.AutomationTargetParameterName,
	}
	if len(sp.Targets) == 0 && a.InstanceID == "" {
		sp.Targets = a.Targets
	}
	if a.InstanceID != "" && len(in.Targets) > 0 {
		return nil, ssm.NewInvalidUpdate("The association %s was made for the instance %s; its targets cannot be changed.", a.ID, a.InstanceID)
	}
	sched, err := s.check(ctx, &sp, in.TargetMaps)
	if err != nil {
		return nil, err
	}
	prev := a.Version
	now := s.clock()
	a.Spec, a.UpdatedAt = sp, now
	s.schedule(a, sched, now)
	switch err := s.store.UpdateAssociation(ctx, a, prev, MaxVersions); {
	case errors.Is(err, awserr.NotFound):
		return nil, ssm.NewAssociationDoesNotExist("The association %s does not exist.", a.ID)
	case errors.Is(err, awserr.Conflict):
		return nil, ssm.NewTooManyUpdates("The association %s was updated at the same time by another request; try again.", a.ID)
	case errors.Is(err, awserr.LimitExceeded):
		return nil, ssm.NewAssociationVersionLimitExceeded("The association %s has %d versions, the most it can have.", a.ID, MaxVersions)
	case err != nil:
		return nil, err
	}
	s.wake()
	return &ssm.UpdateAssociationOutput{AssociationDescription: s.describe(a, a.Version, &a.Spec)}, nil
}

// DeleteAssociation deletes an association, its versions and its history
// of executions. Commands it started run on.
func (s *Service) DeleteAssociation(ctx context.Context, in *ssm.DeleteAssociationInput) (*ssm.DeleteAssociationOutput, error) {
	a, err := s.lookup(ctx, in.AssociationId, in.Name, in.InstanceId)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteAssociation(ctx, s.account, a.ID); errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewAssociationDoesNotExist("The association %s does not exist.", a.ID)
	} else if err != nil {
		return nil, err
	}
	return &ssm.DeleteAssociationOutput{}, nil
}

// StartAssociationsOnce runs associations once, now, besides their
// schedules.
func (s *Service) StartAssociationsOnce(ctx context.Context, in *ssm.StartAssociationsOnceInput) (*ssm.StartAssociationsOnceOutput, error) {
	for _, id := range in.AssociationIds {
		if _, err := s.lookup(ctx, id, "", ""); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	for _, id := range in.AssociationIds {
		if err := s.store.RequestRun(ctx, s.account, id, now); errors.Is(err, awserr.NotFound) {
			return nil, ssm.NewAssociationDoesNotExist("The association %s does not exist.", id)
		} else if err != nil {
			return nil, err
		}
	}
	s.wake()
	return &ssm.StartAssociationsOnceOutput{}, nil
}

// Tags returns an association's tags.
func (s *Service) Tags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	a, err := s.taggable(ctx, id)
	if err != nil {
		return nil, err
	}
	return ssm.TagList(a.Tags), nil
}

// SetTags adds tags to an association and removes the keys remove.
func (s *Service) SetTags(ctx context.Context, id string, add []*ssm.Tag, remove []string) error {
	a, err := s.taggable(ctx, id)
	if err != nil {
		return err
	}
	tags := map[string]string{}
	for k, v := range a.Tags {
		tags[k] = v
	}
	for _, t := range add {
		tags[t.Key] = t.Value
	}
	for _, k := range remove {
		delete(tags, k)
	}
	if len(tags) > 1000 {
		return ssm.NewTooManyTagsError("An association can have at most 1000 tags.")
	}
	return s.store.SetAssociationTags(ctx, s.account, id, tags)
}

// taggable returns the association a tagging request names; a missing
// one is InvalidResourceId, as for other SSM resources.
func (s *Service) taggable(ctx context.Context, id string) (*Association, error) {
	a, err := s.store.GetAssociation(ctx, s.account, id)
	if errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewInvalidResourceId("The association %s does not exist.", id)
	}
	return a, err
}

func intOf(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func boolOf(p *bool) bool { return p != nil && *p }

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// statusString formats counts by status as State Manager does:
// "{Failed=1, Success=2}".
func statusString(counts map[string]int) string {
	b := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(counts)) {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%s=%d", k, counts[k])
	}
	return string(append(b, '}'))
}
