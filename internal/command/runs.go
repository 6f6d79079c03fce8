// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"context"
	"fmt"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command/document"
	"github.com/kanri-dev/kanri/internal/fleet"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// This file is Run Command as other domains use it: State Manager checks
// an association's document and targets when it is made, and runs it as
// commands.

// CheckRun checks, as SendCommand does, that a document version exists,
// is a Command document and takes the parameters, and that the caller in
// ctx may read the Parameter Store values they reference. Its errors are
// InvalidDocument, InvalidDocumentVersion and InvalidParameters.
func (s *Service) CheckRun(ctx context.Context, name, version string, parameters map[string][]string) error {
	r, err := s.resolve(ctx, name, version, "")
	if err != nil {
		return err
	}
	if r.Parsed.Type != document.Command {
		return ssm.NewInvalidDocument("The document %s is a %s document; only Command documents can be run on instances.", r.Document.Name, r.Parsed.Type)
	}
	values, err := r.Parsed.ResolveParameters(parameters)
	if err != nil {
		return err
	}
	if len(r.Parsed.References(values)) == 0 {
		_, err = r.Parsed.Render(values, nil)
		return err
	}
	return s.checkReferences(ctx, r.Parsed, values)
}

// TargetInstances returns the IDs of the account's instances that every
// one of targets selects, ordered; none is not an error. Besides
// SendCommand's target keys it takes InstanceIds with the one value "*",
// which selects every instance, as State Manager's targets do. No
// targets select no instance.
func (s *Service) TargetInstances(ctx context.Context, targets []*ssm.Target) ([]string, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	var rest []*ssm.Target
	for _, t := range targets {
		if t.Key == targetInstanceIDs && len(t.Values) == 1 && t.Values[0] == "*" {
			continue
		}
		rest = append(rest, t)
	}
	var insts []*fleet.Instance
	var err error
	if len(rest) == 0 {
		insts, err = s.fleet.ListInstances(ctx, fleet.InstanceFilter{})
	} else {
		insts, err = s.matchTargets(ctx, rest)
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(insts))
	for i, inst := range insts {
		ids[i] = string(inst.ID)
	}
	return ids, nil
}

// Command returns a command of the account, with its counters. A
// missing command is an error of kind awserr.NotFound.
func (s *Service) Command(ctx context.Context, commandID string) (*Command, error) {
	c, err := s.store.GetCommand(ctx, commandID)
	if err == nil && c.Account != s.account {
		err = fmt.Errorf("command %s: %w", commandID, awserr.NotFound)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Progress returns a command of the account and its invocations, ordered
// by instance. A missing command is an error of kind awserr.NotFound.
func (s *Service) Progress(ctx context.Context, commandID string) (*Command, []*Invocation, error) {
	c, err := s.Command(ctx, commandID)
	if err != nil {
		return nil, nil, err
	}
	invs, err := s.store.ListInvocations(ctx, s.account, InvocationFilter{CommandID: commandID})
	if err != nil {
		return nil, nil, err
	}
	return c, invs, nil
}
