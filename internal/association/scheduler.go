// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Association defaults of rate control: every target at once, never
// stopping for errors.
const (
	defaultMaxConcurrency = "100%"
	defaultMaxErrors      = "100%"
)

// dueBatch bounds how many due associations one pass of the scheduler
// takes.
const dueBatch = 100

// Run runs the scheduler until ctx ends: every server runs it, and they
// share its work through the database. Each pass claims the runs that
// are due (schedules, StartAssociationsOnce, new and changed targets),
// sends their commands, and follows running executions' commands.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for {
		s.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.kick:
		}
	}
}

// pass is one round of the scheduler's work.
func (s *Service) pass(ctx context.Context) {
	s.runDue(ctx)
	s.sendUnsent(ctx)
	s.follow(ctx)
}

// logError logs a failure of the scheduler's work, unless the scheduler
// is stopping.
func (s *Service) logError(ctx context.Context, msg string, err error, attrs ...any) {
	if ctx.Err() == nil {
		s.log.Error(msg, append(attrs, "err", err)...)
	}
}

// runDue starts the runs that are due.
func (s *Service) runDue(ctx context.Context) {
	now := s.clock()
	due, err := s.store.DueAssociations(ctx, now, dueBatch)
	if err != nil {
		s.logError(ctx, "list due associations", err)
		return
	}
	for _, a := range due {
		if isDue(a.RunOnceAt, now) {
			s.run(ctx, a, Claim{Kind: ClaimOnce, Due: a.RunOnceAt}, TriggerOnce, nil)
		}
		if isDue(a.NextRunAt, now) {
			sched, err := ParseSchedule(a.ScheduleExpression, a.ScheduleOffset)
			if err != nil {
				s.logError(ctx, "association schedule", err, "association_id", a.ID)
			}
			trigger, next := TriggerSchedule, sched.Next(a.NextRunAt, now)
			if a.NextRunAt.Equal(a.UpdatedAt) && !a.ApplyOnlyAtCronInterval {
				// The run right after it was created or updated: the
				// schedule starts from there.
				trigger, next = TriggerCreate, sched.First(a.NextRunAt)
				if !next.IsZero() && !next.After(now) {
					next = sched.Next(next, now)
				}
			}
			s.run(ctx, a, Claim{Kind: ClaimSchedule, Due: a.NextRunAt, Next: next}, trigger, nil)
		}
		if isDue(a.CheckTargetsAt, now) {
			ok, err := s.store.ClaimTargetsCheck(ctx, a.ID, a.CheckTargetsAt, now.Add(s.checkTargets))
			if err != nil {
				s.logError(ctx, "claim association targets check", err, "association_id", a.ID)
			} else if ok {
				s.checkNewTargets(ctx, a)
			}
		}
	}
}

func isDue(t, now time.Time) bool { return !t.IsZero() && !t.After(now) }

// run claims a run of an association and sends its command, on the
// instances its targets select now (or on instances, when given).
func (s *Service) run(ctx context.Context, a *Association, claim Claim, trigger string, instances []string) {
	if instances == nil {
		var err error
		if instances, err = s.commands.TargetInstances(ctx, targetsOf(&a.Spec)); err != nil {
			// The run is claimed all the same, with no instances, so that
			// the schedule moves on.
			s.logError(ctx, "resolve association targets", err, "association_id", a.ID)
			instances = nil
		}
	}
	now := s.clock()
	e := &Execution{
		AssociationID: a.ID, ID: uuid.NewString(), Account: a.Account, Version: a.Version, Trigger: trigger,
		LeaseUntil: now.Add(sendLease), Status: ExecPending, DetailedStatus: ExecPending, CreatedAt: now, UpdatedAt: now,
	}
	started, err := s.store.StartExecution(ctx, e, claim, instances)
	if err != nil && !errors.Is(err, awserr.NotFound) {
		s.logError(ctx, "start association execution", err, "association_id", a.ID)
	}
	if !started {
		return
	}
	s.log.Info("association execution started", "association_id", a.ID, "execution_id", e.ID, "trigger", trigger, "instances", len(e.Instances))
	s.send(ctx, &a.Spec, e)
}

// checkNewTargets runs an association on the instances that came to match
// its targets since it last ran on them (they registered, or their tags
// changed), and forgets the instances that no longer match, so that it
// runs on them again if they match again.
func (s *Service) checkNewTargets(ctx context.Context, a *Association) {
	start := s.clock()
	ids, err := s.commands.TargetInstances(ctx, targetsOf(&a.Spec))
	if err != nil {
		s.logError(ctx, "resolve association targets", err, "association_id", a.ID)
		return
	}
	known, err := s.store.ListTargets(ctx, a.ID)
	if err != nil {
		s.logError(ctx, "list association targets", err, "association_id", a.ID)
		return
	}
	match := map[string]bool{}
	for _, id := range ids {
		match[id] = true
	}
	var gone []string
	for _, t := range known {
		if !match[t.InstanceID] {
			gone = append(gone, t.InstanceID)
		}
		delete(match, t.InstanceID)
	}
	if len(gone) > 0 {
		if err := s.store.DeleteTargets(ctx, a.ID, gone, start); err != nil {
			s.logError(ctx, "forget association targets", err, "association_id", a.ID)
		}
	}
	if len(match) == 0 {
		return
	}
	s.run(ctx, a, Claim{Kind: ClaimTargets}, TriggerTargets, slices.Sorted(maps.Keys(match)))
}

// send sends an execution's command and records it, or records why it
// could not be sent. The command's ID is the execution's, so that a
// server sending it again (the first stopped before recording it) sends
// nothing: each run's command is sent once.
func (s *Service) send(ctx context.Context, sp *Spec, e *Execution) {
	in := &ssm.SendCommandInput{
		DocumentName: sp.Name, DocumentVersion: sp.DocumentVersion, Parameters: sp.Parameters,
		Targets:        []*ssm.Target{{Key: targetInstanceIDs, Values: e.Instances}},
		MaxConcurrency: firstNonEmpty(sp.MaxConcurrency, defaultMaxConcurrency), MaxErrors: firstNonEmpty(sp.MaxErrors, defaultMaxErrors),
		Comment: "State Manager association " + e.AssociationID,
	}
	if loc := sp.OutputLocation; loc != nil && loc.S3Location != nil {
		in.OutputS3BucketName, in.OutputS3KeyPrefix = loc.S3Location.OutputS3BucketName, loc.S3Location.OutputS3KeyPrefix
	}
	_, err := s.commands.SendCommandWithID(ctx, e.ID, in)
	if errors.Is(err, awserr.Exists) {
		s.log.Info("association command was sent before", "association_id", e.AssociationID, "execution_id", e.ID)
		err = nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return // another server sends it once the lease ends
		}
		detail := ExecFailed
		if ae := awserr.As(err); ae != nil {
			detail = ae.Code
		}
		s.log.Warn("association command not sent", "association_id", e.AssociationID, "execution_id", e.ID, "err", err)
		e.Status, e.DetailedStatus, e.UpdatedAt = ExecFailed, detail, s.clock()
		targets := make([]TargetStatus, len(e.Instances))
		e.ResourceCounts = map[string]int{TargetFailed: len(e.Instances)}
		for i, id := range e.Instances {
			targets[i] = TargetStatus{InstanceID: id, Status: TargetFailed, DetailedStatus: detail}
		}
		if err := s.store.UpdateExecution(ctx, e, targets); err != nil && !errors.Is(err, awserr.NotFound) {
			s.logError(ctx, "record association execution", err, "execution_id", e.ID)
		}
		return
	}
	if err := s.store.SetExecutionCommand(ctx, e.AssociationID, e.ID, e.ID); err != nil && !errors.Is(err, awserr.NotFound) {
		s.logError(ctx, "record association command", err, "execution_id", e.ID, "command_id", e.ID)
	}
}

// sendUnsent sends the commands of executions whose server claimed them
// and stopped before sending, once their lease ends.
func (s *Service) sendUnsent(ctx context.Context) {
	now := s.clock()
	execs, err := s.store.UnsentExecutions(ctx, now)
	if err != nil {
		s.logError(ctx, "list unsent association executions", err)
		return
	}
	for _, e := range execs {
		ok, err := s.store.ClaimExecution(ctx, e.AssociationID, e.ID, e.LeaseUntil, now.Add(sendLease))
		if err != nil {
			s.logError(ctx, "claim association execution", err, "execution_id", e.ID)
		}
		if !ok {
			continue
		}
		v, err := s.store.GetAssociationVersion(ctx, e.Account, e.AssociationID, e.Version)
		if err != nil {
			if !errors.Is(err, awserr.NotFound) {
				s.logError(ctx, "association version", err, "execution_id", e.ID)
			}
			continue
		}
		s.send(ctx, &v.Spec, e)
	}
}

// follow brings running executions up to date with their commands.
func (s *Service) follow(ctx context.Context) {
	execs, err := s.store.ActiveExecutions(ctx)
	if err != nil {
		s.logError(ctx, "list running association executions", err)
		return
	}
	now := s.clock()
	active := make(map[string]bool, len(execs))
	for _, e := range execs {
		active[e.ID] = true
		c, err := s.commands.Command(ctx, e.CommandID)
		var counters string
		if err == nil {
			counters = fmt.Sprint(c.Status, c.StatusDetails, c.CompletedCount, c.ErrorCount, c.DeliveryTimedOutCount)
			s.mu.Lock()
			last, ok := s.followed[e.ID]
			s.mu.Unlock()
			if ok && last.counters == counters && now.Sub(last.at) < refollow {
				continue
			}
		}
		var invs []*command.Invocation
		if err == nil {
			c, invs, err = s.commands.Progress(ctx, e.CommandID)
		}
		if err != nil {
			if !errors.Is(err, awserr.NotFound) {
				s.logError(ctx, "association command progress", err, "execution_id", e.ID, "command_id", e.CommandID)
				continue
			}
			c = &command.Command{Status: command.StatusFailed, StatusDetails: "CommandNotFound"}
		}
		s.mu.Lock()
		s.followed[e.ID] = followMark{counters: counters, at: now}
		s.mu.Unlock()
		status, detail := execStatus(c)
		counts := map[string]int{}
		var targets []TargetStatus
		for _, inv := range invs {
			st, det := targetStatus(inv)
			counts[st]++
			targets = append(targets, TargetStatus{InstanceID: inv.InstanceID, Status: st, DetailedStatus: det})
		}
		if status == e.Status && detail == e.DetailedStatus && maps.Equal(counts, e.ResourceCounts) {
			continue
		}
		e.Status, e.DetailedStatus, e.ResourceCounts, e.UpdatedAt = status, detail, counts, s.clock()
		if err := s.store.UpdateExecution(ctx, e, targets); err != nil && !errors.Is(err, awserr.NotFound) {
			s.logError(ctx, "record association execution", err, "execution_id", e.ID)
			s.mu.Lock()
			delete(s.followed, e.ID) // to be written again
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	for id := range s.followed {
		if !active[id] {
			delete(s.followed, id)
		}
	}
	s.mu.Unlock()
}

// execStatus is an execution's status as its command's makes it.
func execStatus(c *command.Command) (status, detail string) {
	switch c.Status {
	case command.StatusPending:
		return ExecPending, ExecPending
	case command.StatusInProgress, command.StatusCancelling:
		return ExecInProgress, ExecInProgress
	case command.StatusSuccess:
		return ExecSuccess, ExecSuccess
	case command.StatusTimedOut:
		return ExecTimedOut, c.StatusDetails
	case command.StatusCancelled:
		return ExecCancelled, c.StatusDetails
	}
	return ExecFailed, firstNonEmpty(c.StatusDetails, ExecFailed)
}

// targetStatus is an execution target's status as its invocation's
// makes it.
func targetStatus(inv *command.Invocation) (status, detail string) {
	switch inv.Status {
	case command.StatusPending, command.StatusDelayed:
		return TargetPending, inv.StatusDetails
	case command.StatusInProgress, command.StatusCancelling:
		return TargetInProgress, inv.StatusDetails
	case command.StatusSuccess:
		return TargetSuccess, inv.StatusDetails
	}
	return TargetFailed, inv.StatusDetails
}
