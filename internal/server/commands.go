// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/command"
	"github.com/kanri-dev/kanri/internal/iam"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// openCommands opens the object store and makes the Run Command service.
func (s *Server) openCommands(ctx context.Context) error {
	cfg := s.cfg.Blobs
	if cfg.S3 == nil && cfg.Dir == "" {
		cfg.Dir = filepath.Join(s.cfg.DataDir, "blobs")
	}
	blobs, err := blob.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("server: object store: %w", err)
	}
	s.blobs = blobs
	s.commands = command.New(command.Config{
		Store: s.db, Fleet: s.fleet, Groups: s.groups, Blobs: blobs, References: paramReferences{s}, Account: s.account, Region: s.cfg.Region,
		OutputBucket: s.cfg.CommandOutputBucket, Authorize: s.authorizeCaller, Audit: s.recordOwnAction, Logger: s.log,
	})
	return nil
}

// authorizeCaller checks that the caller of the request in ctx may
// perform action on resources, for checks a domain makes once it knows
// the resources (the instances a command's targets resolve to).
func (s *Server) authorizeCaller(ctx context.Context, action string, resources []iam.Resource) error {
	c := iam.CallerFrom(ctx)
	if c == nil {
		return nil // the server's own work
	}
	return s.IAM.AuthorizeResources(ctx, c, action, resources, nil)
}

// Commands returns the Run Command service.
func (s *Server) Commands() *command.Service { return s.commands }

// Blobs returns the object store.
func (s *Server) Blobs() blob.Store { return s.blobs }

// documentTagger tags documents.
type documentTagger struct{ c *command.Service }

func (d documentTagger) Tags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	return d.c.DocumentTags(ctx, id)
}
func (d documentTagger) AddTags(ctx context.Context, id string, tags []*ssm.Tag) error {
	return d.c.SetDocumentTags(ctx, id, tags, nil)
}
func (d documentTagger) RemoveTags(ctx context.Context, id string, keys []string) error {
	return d.c.SetDocumentTags(ctx, id, nil, keys)
}
func (d documentTagger) ARN(id string) string { return d.c.DocumentARN(id) }

// commandOperations are the Run Command operations of SSM.
func commandOperations(c *command.Service, instanceARN func(id string) string) []*api.Operation {
	doc := func(name string) []string { return []string{c.DocumentARN(name)} }
	return []*api.Operation{
		api.Context(api.Resources(api.Op("CreateDocument", c.CreateDocument), func(ctx context.Context, in *ssm.CreateDocumentInput) []string {
			return doc(in.Name)
		}), func(ctx context.Context, in *ssm.CreateDocumentInput) map[string][]string {
			return ssmTagContext(in.Tags)
		}),
		api.Resources(api.Op("UpdateDocument", c.UpdateDocument), func(ctx context.Context, in *ssm.UpdateDocumentInput) []string {
			return doc(in.Name)
		}),
		api.Resources(api.Op("GetDocument", c.GetDocument).Read(), func(ctx context.Context, in *ssm.GetDocumentInput) []string {
			return doc(in.Name)
		}),
		api.Resources(api.Op("DescribeDocument", c.DescribeDocument).Read(), func(ctx context.Context, in *ssm.DescribeDocumentInput) []string {
			return doc(in.Name)
		}),
		api.Op("ListDocuments", c.ListDocuments).Read(),
		api.Resources(api.Op("ListDocumentVersions", c.ListDocumentVersions).Read(), func(ctx context.Context, in *ssm.ListDocumentVersionsInput) []string {
			return doc(in.Name)
		}),
		api.Resources(api.Op("UpdateDocumentDefaultVersion", c.UpdateDocumentDefaultVersion), func(ctx context.Context, in *ssm.UpdateDocumentDefaultVersionInput) []string {
			return doc(in.Name)
		}),
		api.Resources(api.Op("DeleteDocument", c.DeleteDocument), func(ctx context.Context, in *ssm.DeleteDocumentInput) []string {
			return doc(in.Name)
		}),
		api.Resources(api.Op("SendCommand", c.SendCommand), func(ctx context.Context, in *ssm.SendCommandInput) []string {
			// The instances named; those Targets resolve to are checked
			// once resolved.
			out := doc(in.DocumentName)
			for _, id := range in.InstanceIds {
				out = append(out, instanceARN(id))
			}
			return out
		}),
		api.Op("ListCommands", c.ListCommands).Read(),
		api.Op("ListCommandInvocations", c.ListCommandInvocations).Read(),
		api.Op("GetCommandInvocation", c.GetCommandInvocation).Read(),
		api.Op("CancelCommand", c.CancelCommand),
	}
}
