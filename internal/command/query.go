// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// maxPluginOutput is how much output CommandPlugin.Output carries, as
// SSM's ListCommandInvocations.
const maxPluginOutput = 2500

// truncatedMarker ends output cut short, as SSM marks it.
const truncatedMarker = "\n---Output truncated---"

// requestTargets is how a command's targets are stored.
type requestTargets struct {
	InstanceIDs []string      `json:"InstanceIds,omitempty"`
	Targets     []*ssm.Target `json:"Targets,omitempty"`
}

// getCommand returns a command of the account.
func (s *Service) getCommand(ctx context.Context, id string) (*Command, error) {
	c, err := s.store.GetCommand(ctx, id)
	if errors.Is(err, awserr.NotFound) || (err == nil && c.Account != s.account) {
		return nil, ssm.NewInvalidCommandId("The command ID %s is not valid.", id)
	}
	return c, err
}

// shape returns a command as SSM shows it.
func (s *Service) shape(c *Command) *ssm.Command {
	var t requestTargets
	if c.Targets != "" {
		json.Unmarshal([]byte(c.Targets), &t)
	}
	return s.commandShape(c, t.InstanceIDs, t.Targets)
}

// listFilters is what ListCommands' and ListCommandInvocations'
// filters select.
type listFilters struct {
	status, details string // one of them: a status or a status detail
	docName         string
	after, before   time.Time
	stage           string // ExecutionStage: "", Executing or Complete
}

// Status filter values beyond the status enums that SSM documents: they
// select by StatusDetails.
var (
	commandDetailFilters    = []string{"AccessDenied", DetailDeliveryTimedOut, DetailExecutionTimedOut, DetailIncomplete, "NoInstancesInTag", "LimitExceeded"}
	invocationDetailFilters = []string{"AccessDenied", DetailDeliveryTimedOut, DetailExecutionTimedOut, DetailUndeliverable, "InvalidPlatform", DetailTerminated}
)

// commandFilters reads ListCommands' and ListCommandInvocations' filters.
func commandFilters(filters []*ssm.CommandFilter, invocations bool) (listFilters, error) {
	var lf listFilters
	statuses, details := ssm.CommandStatusValues(), commandDetailFilters
	if invocations {
		statuses, details = ssm.CommandInvocationStatusValues(), invocationDetailFilters
	}
	for _, f := range filters {
		switch f.Key {
		case "InvokedAfter", "InvokedBefore":
			t, err := time.Parse(time.RFC3339, f.Value)
			if err != nil {
				return lf, awserr.Validation("Filters."+f.Key, f.Value, "must be a time such as 2026-11-23T00:00:00Z")
			}
			if f.Key == "InvokedAfter" {
				lf.after = t
			} else {
				lf.before = t
			}
		case "Status":
			switch {
			case slices.Contains(statuses, f.Value):
				lf.status, lf.details = f.Value, ""
			case slices.Contains(details, f.Value):
				lf.status, lf.details = "", f.Value
			default:
				return lf, awserr.Validation("Filters.Status", f.Value, "must be one of "+strings.Join(append(slices.Clip(statuses), details...), ", "))
			}
		case "DocumentName":
			lf.docName = f.Value
		case "ExecutionStage":
			if invocations {
				return lf, ssm.NewInvalidFilterKey("The filter ExecutionStage applies to ListCommands only.")
			}
			if f.Value != "Executing" && f.Value != "Complete" {
				return lf, awserr.Validation("Filters.ExecutionStage", f.Value, "must be Executing or Complete")
			}
			lf.stage = f.Value
		default:
			return lf, ssm.NewInvalidFilterKey("The filter key %s is not valid.", f.Key)
		}
	}
	return lf, nil
}

// ListCommands lists the account's commands, newest first.
func (s *Service) ListCommands(ctx context.Context, in *ssm.ListCommandsInput) (*ssm.ListCommandsOutput, error) {
	lf, err := commandFilters(in.Filters, false)
	if err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	pos, err := decodeToken(in.NextToken, 1)
	if err != nil {
		return nil, err
	}
	f := CommandFilter{
		CommandID: in.CommandId, InstanceID: in.InstanceId, Status: lf.status, StatusDetails: lf.details, DocumentName: lf.docName,
		InvokedAfter: lf.after, InvokedBefore: lf.before, After: pos[0], Limit: limit + 1,
	}
	out := &ssm.ListCommandsOutput{Commands: []*ssm.Command{}}
	if in.CommandId != "" {
		if _, err := s.getCommand(ctx, in.CommandId); err != nil {
			return nil, err
		}
	}
	for {
		cmds, err := s.store.ListCommands(ctx, s.account, f)
		if errors.Is(err, awserr.Invalid) {
			return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
		}
		if err != nil {
			return nil, err
		}
		more := len(cmds) > limit
		if more {
			cmds = cmds[:limit]
		}
		for _, c := range cmds {
			f.After = c.ID
			if lf.stage == "Executing" && Terminal(c.Status) || lf.stage == "Complete" && !Terminal(c.Status) {
				continue
			}
			out.Commands = append(out.Commands, s.shape(c))
			if len(out.Commands) == limit {
				if more || c != cmds[len(cmds)-1] {
					out.NextToken = encodeToken(c.ID)
				}
				return out, nil
			}
		}
		if !more {
			return out, nil
		}
	}
}

// plugins returns an invocation's step results.
func plugins(inv *Invocation) []agentproto.StepResult {
	var steps []agentproto.StepResult
	if inv.Plugins != "" {
		json.Unmarshal([]byte(inv.Plugins), &steps)
	}
	return steps
}

// urls returns where a step's whole output is, when it is kept.
func (s *Service) urls(c *Command, instanceID string, st *agentproto.StepResult) (stdout, stderr string) {
	if c.OutputBucket != "" || st.StdoutBytes > agentproto.MaxInlineStdout {
		bucket, key := s.outputKey(c, instanceID, st.Action, st.Name, "stdout")
		stdout = s.blobs.URL(bucket, key)
	}
	if c.OutputBucket != "" && st.StderrBytes > 0 || st.StderrBytes > agentproto.MaxInlineStderr {
		bucket, key := s.outputKey(c, instanceID, st.Action, st.Name, "stderr")
		stderr = s.blobs.URL(bucket, key)
	}
	return stdout, stderr
}

// pluginOutput is a step's output as CommandPlugin.Output shows it: its
// standard output and, after a marker, its standard error, cut to 2,500
// characters.
func pluginOutput(st *agentproto.StepResult) string {
	out := st.Stdout
	if st.StdoutBytes > int64(len(st.Stdout)) {
		out += truncatedMarker
	}
	if st.Stderr != "" {
		out += "\n----------ERROR-------\n" + st.Stderr
	}
	if r := []rune(out); len(r) > maxPluginOutput {
		out = string(r[:maxPluginOutput-len(truncatedMarker)]) + truncatedMarker
	}
	return out
}

// invocationShape returns an invocation as ListCommandInvocations shows
// it, with its steps when details are asked for.
func (s *Service) invocationShape(c *Command, inv *Invocation, details bool) *ssm.CommandInvocation {
	out := &ssm.CommandInvocation{
		CommandId: c.ID, InstanceId: inv.InstanceID, InstanceName: inv.InstanceName, Comment: c.Comment,
		DocumentName: c.DocumentName, DocumentVersion: c.DocumentVersion, RequestedDateTime: timestamp.Ptr(inv.RequestedAt),
		Status: inv.Status, StatusDetails: inv.StatusDetails, ServiceRole: c.ServiceRole, CommandPlugins: []*ssm.CommandPlugin{},
	}
	steps := plugins(inv)
	if len(steps) > 0 {
		out.StandardOutputUrl, out.StandardErrorUrl = s.urls(c, inv.InstanceID, &steps[0])
	}
	if !details {
		return out
	}
	for i := range steps {
		st := &steps[i]
		p := &ssm.CommandPlugin{
			Name: st.Name, Status: pluginStatus(st.Status), StatusDetails: pluginDetails(st), ResponseCode: int32Ptr(st.ResponseCode),
			Output: pluginOutput(st),
		}
		if !st.StartedAt.IsZero() {
			p.ResponseStartDateTime = timestamp.Ptr(st.StartedAt)
		}
		if !st.EndedAt.IsZero() {
			p.ResponseFinishDateTime = timestamp.Ptr(st.EndedAt)
		}
		p.StandardOutputUrl, p.StandardErrorUrl = s.urls(c, inv.InstanceID, st)
		if c.OutputBucket != "" {
			p.OutputS3BucketName, p.OutputS3KeyPrefix, p.OutputS3Region = c.OutputBucket, c.OutputPrefix, s.region
		}
		out.CommandPlugins = append(out.CommandPlugins, p)
	}
	if len(steps) == 0 {
		// Not run yet: the steps are pending, as SSM lists them.
		for _, name := range s.stepNames(c) {
			out.CommandPlugins = append(out.CommandPlugins, &ssm.CommandPlugin{
				Name: name, Status: inv.Status, StatusDetails: inv.StatusDetails, ResponseCode: int32Ptr(-1),
			})
		}
	}
	return out
}

// pluginStatus maps a step's status to SSM's CommandPluginStatus (a
// skipped step is a successful one there).
func pluginStatus(status string) string {
	if status == agentproto.StatusSkipped {
		return StatusSuccess
	}
	return status
}

func pluginDetails(st *agentproto.StepResult) string {
	if st.StatusDetails != "" {
		return st.StatusDetails
	}
	return pluginStatus(st.Status)
}

// stepNames returns the names of a command's steps.
func (s *Service) stepNames(c *Command) []string {
	p := s.render(context.Background(), c)
	names := make([]string, len(p.steps))
	for i, st := range p.steps {
		names[i] = st.Name
	}
	return names
}

// ListCommandInvocations lists invocations: a command's, an instance's,
// or the account's.
func (s *Service) ListCommandInvocations(ctx context.Context, in *ssm.ListCommandInvocationsInput) (*ssm.ListCommandInvocationsOutput, error) {
	lf, err := commandFilters(in.Filters, true)
	if err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	pos, err := decodeToken(in.NextToken, 2)
	if err != nil {
		return nil, err
	}
	if in.CommandId != "" {
		if _, err := s.getCommand(ctx, in.CommandId); err != nil {
			return nil, err
		}
	}
	invs, err := s.store.ListInvocations(ctx, s.account, InvocationFilter{
		CommandID: in.CommandId, InstanceID: in.InstanceId, Status: lf.status, StatusDetails: lf.details, DocumentName: lf.docName,
		InvokedAfter: lf.after, InvokedBefore: lf.before, AfterCommand: pos[0], AfterInstance: pos[1], Limit: limit + 1,
	})
	if errors.Is(err, awserr.Invalid) {
		return nil, ssm.NewInvalidNextToken("The NextToken is not valid.")
	}
	if err != nil {
		return nil, err
	}
	out := &ssm.ListCommandInvocationsOutput{CommandInvocations: []*ssm.CommandInvocation{}}
	if len(invs) > limit {
		invs = invs[:limit]
		last := invs[limit-1]
		out.NextToken = encodeToken(last.CommandID, last.InstanceID)
	}
	cmds := map[string]*Command{}
	details := in.Details != nil && *in.Details
	for _, inv := range invs {
		c := cmds[inv.CommandID]
		if c == nil {
			if c, err = s.store.GetCommand(ctx, inv.CommandID); err != nil {
				return nil, err
			}
			cmds[inv.CommandID] = c
		}
		out.CommandInvocations = append(out.CommandInvocations, s.invocationShape(c, inv, details))
	}
	return out, nil
}

// GetCommandInvocation returns how one step of an invocation went, with
// its inline output (24,000 characters of standard output, 8,000 of
// standard error).
func (s *Service) GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput) (*ssm.GetCommandInvocationOutput, error) {
	c, err := s.getCommand(ctx, in.CommandId)
	if err != nil {
		return nil, err
	}
	inv, err := s.store.GetInvocation(ctx, in.CommandId, in.InstanceId)
	if errors.Is(err, awserr.NotFound) {
		return nil, ssm.NewInvocationDoesNotExist("The command %s has no invocation on %s.", in.CommandId, in.InstanceId)
	}
	if err != nil {
		return nil, err
	}
	out := &ssm.GetCommandInvocationOutput{
		CommandId: c.ID, InstanceId: inv.InstanceID, Comment: c.Comment, DocumentName: c.DocumentName,
		DocumentVersion: c.DocumentVersion, Status: inv.Status, StatusDetails: inv.StatusDetails, ResponseCode: int32Ptr(inv.ResponseCode),
	}
	steps := plugins(inv)
	names := make([]string, 0, len(steps))
	for _, st := range steps {
		names = append(names, st.Name)
	}
	if len(steps) == 0 {
		names = s.stepNames(c)
	}
	name := in.PluginName
	if name == "" {
		if len(names) > 1 {
			return nil, ssm.NewInvalidPluginName("The document %s has %d steps (%s): name one with PluginName.", c.DocumentName, len(names), strings.Join(names, ", "))
		}
		if len(names) == 1 {
			name = names[0]
		}
	} else if !slices.Contains(names, name) {
		name = stepByAction(steps, name)
	}
	if in.PluginName != "" && name == "" {
		return nil, ssm.NewInvalidPluginName("The document %s has no step %s; its steps are %s.", c.DocumentName, in.PluginName, strings.Join(names, ", "))
	}
	out.PluginName = name
	for i := range steps {
		st := &steps[i]
		if st.Name != name {
			continue
		}
		out.Status, out.StatusDetails, out.ResponseCode = pluginStatus(st.Status), pluginDetails(st), int32Ptr(st.ResponseCode)
		out.StandardOutputContent, out.StandardErrorContent = st.Stdout, st.Stderr
		out.StandardOutputUrl, out.StandardErrorUrl = s.urls(c, inv.InstanceID, st)
		if !st.StartedAt.IsZero() {
			out.ExecutionStartDateTime = st.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		if !st.EndedAt.IsZero() {
			out.ExecutionEndDateTime = st.EndedAt.UTC().Format("2006-01-02T15:04:05.000Z")
			out.ExecutionElapsedTime = elapsed(st.EndedAt.Sub(st.StartedAt))
		}
	}
	if len(steps) == 0 && !inv.StartedAt.IsZero() {
		out.ExecutionStartDateTime = inv.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return out, nil
}

// stepByAction returns the name of the only step that runs the action
// (such as aws:runShellScript), "" when none or several do: scripts
// written for SSM's schema 1.2 documents name a plugin by its action.
func stepByAction(steps []agentproto.StepResult, action string) string {
	found := ""
	for _, st := range steps {
		if st.Action == action {
			if found != "" {
				return ""
			}
			found = st.Name
		}
	}
	return found
}

// elapsed formats a duration as SSM's ExecutionElapsedTime: PT1.234S.
func elapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("PT%.3fS", d.Seconds())
}

// CancelCommand stops a command on all its instances, or on those named:
// invocations not yet sent end Cancelled at once; running ones are
// Cancelling until their agents confirm.
func (s *Service) CancelCommand(ctx context.Context, in *ssm.CancelCommandInput) (*ssm.CancelCommandOutput, error) {
	c, err := s.getCommand(ctx, in.CommandId)
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, id := range in.InstanceIds {
		if only[id] {
			return nil, ssm.NewDuplicateInstanceId("The instance ID %s is given more than once.", id)
		}
		only[id] = true
		if _, err := s.store.GetInvocation(ctx, c.ID, id); errors.Is(err, awserr.NotFound) {
			return nil, ssm.NewInvalidInstanceId("The command %s does not run on %s.", c.ID, id)
		} else if err != nil {
			return nil, err
		}
	}
	now := s.now()
	running := map[string]bool{}
	err = s.finish(ctx, c.ID, func(inv *Invocation) bool {
		if len(only) > 0 && !only[inv.InstanceID] {
			return false
		}
		switch inv.Status {
		case StatusPending, StatusDelayed:
			return setStatus(inv, StatusCancelled, DetailCancelled, now)
		case StatusInProgress:
			inv.Status, inv.StatusDetails = StatusCancelling, DetailCancelling
			running[inv.InstanceID] = true
			return true
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	s.sendCancels(c.ID, slices.Sorted(maps.Keys(running)))
	return &ssm.CancelCommandOutput{}, nil
}
