// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command/document"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Defaults of SendCommand, as SSM's.
const (
	DefaultMaxConcurrency = "50"
	DefaultMaxErrors      = "0"
	// DefaultDeliveryTimeout is how long a command waits to be delivered
	// when TimeoutSeconds is not given.
	DefaultDeliveryTimeout = 3600 * time.Second
)

// SendCommand runs a document on the instances a request targets: it
// checks the document and the parameters, resolves the targets, stores the
// command with one Pending invocation per instance, and leaves the rest to
// the dispatchers of every server.
func (s *Service) SendCommand(ctx context.Context, in *ssm.SendCommandInput) (*ssm.SendCommandOutput, error) {
	return s.SendCommandWithID(ctx, uuid.NewString(), in)
}

// SendCommandWithID is SendCommand with the command's ID chosen by the
// caller, for the server's own work that must send a command exactly once
// however often it tries: with the ID of a command already stored it
// stores nothing and returns an error of kind awserr.Exists.
func (s *Service) SendCommandWithID(ctx context.Context, id string, in *ssm.SendCommandInput) (*ssm.SendCommandOutput, error) {
	r, err := s.resolve(ctx, in.DocumentName, in.DocumentVersion, "")
	if err != nil {
		return nil, err
	}
	if r.Parsed.Type != document.Command {
		return nil, ssm.NewInvalidDocument("The document %s is a %s document; SendCommand runs Command documents.", r.Document.Name, r.Parsed.Type)
	}
	if in.DocumentHash != "" && in.DocumentHash != r.Version.Hash {
		return nil, ssm.NewInvalidDocument("The DocumentHash does not match the document %s version %d.", r.Document.Name, r.Version.Version)
	}
	if in.DocumentHashType != "" && in.DocumentHashType != "Sha256" {
		return nil, awserr.Validation("DocumentHashType", in.DocumentHashType, "must be Sha256")
	}
	values, err := r.Parsed.ResolveParameters(in.Parameters)
	if err != nil {
		return nil, err
	}
	if len(r.Parsed.References(values)) == 0 {
		// Without Parameter Store references the plan is known now: a
		// value that renders badly (a timeout out of range) is the
		// caller's error, not every invocation's.
		if _, err := r.Parsed.Render(values, nil); err != nil {
			return nil, err
		}
	} else if err := s.checkReferences(ctx, r.Parsed, values); err != nil {
		return nil, err
	}
	concurrency := firstNonEmpty(in.MaxConcurrency, DefaultMaxConcurrency)
	if _, err := parseRate("MaxConcurrency", concurrency, false); err != nil {
		return nil, err
	}
	maxErrs := firstNonEmpty(in.MaxErrors, DefaultMaxErrors)
	if _, err := parseRate("MaxErrors", maxErrs, true); err != nil {
		return nil, err
	}
	timeout := DefaultDeliveryTimeout
	if in.TimeoutSeconds != nil {
		timeout = time.Duration(*in.TimeoutSeconds) * time.Second
	}
	if in.OutputS3BucketName != "" {
		if err := checkOutputFolder(in.OutputS3BucketName, in.OutputS3KeyPrefix); err != nil {
			return nil, err
		}
	} else if in.OutputS3KeyPrefix != "" {
		return nil, ssm.NewInvalidOutputFolder("OutputS3KeyPrefix needs OutputS3BucketName.")
	}
	if nc := in.NotificationConfig; nc != nil && nc.NotificationArn != "" && in.ServiceRoleArn == "" {
		return nil, ssm.NewInvalidRole("NotificationConfig needs a ServiceRoleArn.")
	}
	insts, err := s.resolveTargets(ctx, in.InstanceIds, in.Targets)
	if err != nil {
		return nil, err
	}
	if len(in.Targets) > 0 {
		// The targets resolved to instances the caller may not have
		// been allowed to name one by one.
		resources := make([]iam.Resource, len(insts))
		for i, inst := range insts {
			resources[i] = iam.Resource{ARN: s.fleet.ARN(inst.ID), Keys: fleet.ConditionKeys(inst)}
		}
		if err := s.authorize(ctx, "ssm:SendCommand", resources); err != nil {
			return nil, err
		}
	}

	now := s.now().UTC()
	c := &Command{
		ID: id, Account: s.account, DocumentName: r.Document.Name, DocumentVersion: itoa(r.Version.Version),
		DocumentHash: r.Version.Hash, Comment: in.Comment, Parameters: in.Parameters, Targets: jsonOf(requestTargets{InstanceIDs: in.InstanceIds, Targets: in.Targets}),
		RequestedAt: now, ExpiresAt: now.Add(timeout), TimeoutSeconds: int(timeout / time.Second),
		MaxConcurrency: concurrency, MaxErrors: maxErrs, OutputBucket: in.OutputS3BucketName, OutputPrefix: in.OutputS3KeyPrefix,
		ServiceRole: in.ServiceRoleArn, Notification: jsonOf(in.NotificationConfig), Status: StatusPending,
		StatusDetails: DetailPending, TargetCount: len(insts),
	}
	caller := iam.CallerFrom(ctx)
	if caller != nil {
		c.RequestedBy = caller.Principal.ARN
	}
	invs := make([]*Invocation, len(insts))
	for i, inst := range insts {
		invs[i] = &Invocation{
			CommandID: c.ID, InstanceID: string(inst.ID), InstanceName: firstNonEmpty(inst.Name, inst.ComputerName),
			Status: StatusPending, StatusDetails: DetailPending, RequestedAt: now, ResponseCode: -1,
		}
	}
	if err := s.store.CreateCommand(ctx, c, invs); err != nil {
		return nil, err
	}
	if caller == nil {
		// The server's own command: no request recorded it.
		arns := []string{s.DocumentARN(c.DocumentName)}
		for _, inst := range insts {
			arns = append(arns, s.fleet.ARN(inst.ID))
		}
		ev := audit.ServiceEvent(now, s.account, s.region, "ssm.amazonaws.com", "SendCommand", arns...)
		if err := s.audit(ctx, ev); err != nil {
			s.log.Error("audit record of the server's own command not written", "command_id", c.ID, "err", err)
		}
	}
	s.wake()
	return &ssm.SendCommandOutput{Command: s.commandShape(c, in.InstanceIds, in.Targets)}, nil
}

// checkReferences checks that the caller may read every Parameter Store
// value the command references; they are read when the command is
// dispatched, and never stored with it.
func (s *Service) checkReferences(ctx context.Context, doc *document.Document, values map[string]document.Value) error {
	refs := doc.References(values)
	if s.refs == nil {
		return ssm.NewInvalidParameters("The command references Parameter Store (%s), which this server does not provide.", refs[0])
	}
	for _, ref := range refs {
		if err := s.refs.Check(ctx, ref); err != nil {
			return err
		}
	}
	return nil
}

// checkOutputFolder checks an output bucket and key prefix.
func checkOutputFolder(bucket, prefix string) error {
	if len(bucket) < 3 || len(bucket) > 63 {
		return ssm.NewInvalidOutputFolder("The bucket name %q is not valid: 3 to 63 characters.", bucket)
	}
	for _, c := range bucket {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return ssm.NewInvalidOutputFolder("The bucket name %q is not valid: lowercase letters, digits, hyphens and dots.", bucket)
		}
	}
	if len(prefix) > 500 {
		return ssm.NewInvalidOutputFolder("The key prefix is longer than 500 characters.")
	}
	return nil
}

// commandShape returns a command as SSM shows it.
func (s *Service) commandShape(c *Command, ids []string, targets []*ssm.Target) *ssm.Command {
	out := &ssm.Command{
		CommandId: c.ID, DocumentName: c.DocumentName, DocumentVersion: c.DocumentVersion, Comment: c.Comment,
		ExpiresAfter: timestamp.Ptr(c.ExpiresAt), Parameters: c.Parameters, InstanceIds: ids, Targets: targets,
		RequestedDateTime: timestamp.Ptr(c.RequestedAt), Status: c.Status, StatusDetails: c.StatusDetails,
		OutputS3BucketName: c.OutputBucket, OutputS3KeyPrefix: c.OutputPrefix, MaxConcurrency: c.MaxConcurrency, MaxErrors: c.MaxErrors,
		TargetCount: int32Ptr(c.TargetCount), CompletedCount: int32Ptr(c.CompletedCount), ErrorCount: int32Ptr(c.ErrorCount),
		DeliveryTimedOutCount: int32Ptr(c.DeliveryTimedOutCount), ServiceRole: c.ServiceRole, TimeoutSeconds: int32Ptr(c.TimeoutSeconds),
	}
	if c.OutputBucket != "" {
		out.OutputS3Region = s.region
	}
	if out.Parameters == nil {
		out.Parameters = map[string][]string{}
	}
	if out.InstanceIds == nil {
		out.InstanceIds = []string{}
	}
	if out.Targets == nil {
		out.Targets = []*ssm.Target{}
	}
	if c.Notification != "" && c.Notification != "null" {
		var nc ssm.NotificationConfig
		if json.Unmarshal([]byte(c.Notification), &nc) == nil {
			out.NotificationConfig = &nc
		}
	}
	return out
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func int32Ptr(n int) *int32 {
	v := int32(n)
	return &v
}

func itoa(n int) string { return jsonOf(n) }
