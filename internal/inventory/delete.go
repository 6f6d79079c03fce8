// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"errors"
	"slices"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// deletionComplete is the status message of a deletion; deletions are
// done before DeleteInventory answers.
const deletionComplete = "Deletion is successful."

// DeleteInventory deletes every instance's data of a custom type, at once,
// and answers with what it deleted. SchemaDeleteOption DisableSchema also
// refuses the type's data at its current schema version or an earlier one
// until a later version is put; DeleteSchema also deletes the type, so
// that it no longer counts against the limit of custom types. DryRun
// answers with what would be deleted and deletes nothing. A request with
// the ClientToken of an earlier deletion answers as that deletion did.
//
// Errors: InvalidTypeNameException for an AWS type or a custom type the
// account does not have; InvalidOptionException for another option;
// InvalidDeleteInventoryParametersException for a ClientToken used for
// another type.
func (s *Service) DeleteInventory(ctx context.Context, in *ssm.DeleteInventoryInput) (*ssm.DeleteInventoryOutput, error) {
	if !isCustom(in.TypeName) {
		return nil, ssm.NewInvalidTypeNameException("The inventory item type %s is not valid: only custom inventory types can be deleted.", in.TypeName)
	}
	if o := in.SchemaDeleteOption; o != "" && !slices.Contains(ssm.InventorySchemaDeleteOptionValues(), o) {
		return nil, ssm.NewInvalidOptionException("The schema delete option %s is not valid: use DisableSchema or DeleteSchema.", o)
	}
	custom, err := s.customTypes(ctx)
	if err != nil {
		return nil, err
	}
	if custom[in.TypeName] == nil {
		return nil, ssm.NewInvalidTypeNameException("The inventory item type %s is not valid: the account has no such custom type.", in.TypeName)
	}
	if in.DryRun != nil && *in.DryRun {
		counts, err := s.store.InventoryVersionCounts(ctx, s.account, in.TypeName)
		if err != nil {
			return nil, err
		}
		return &ssm.DeleteInventoryOutput{TypeName: in.TypeName, DeletionSummary: summaryShape(counts)}, nil
	}
	if in.ClientToken != "" {
		d, err := s.store.InventoryDeletion(ctx, s.account, in.ClientToken, true)
		switch {
		case err == nil:
			return repeated(d, in)
		case !errors.Is(err, awserr.NotFound):
			return nil, err
		}
	}
	d := &Deletion{ID: s.newID(), Account: s.account, TypeName: in.TypeName, ClientToken: in.ClientToken, Option: in.SchemaDeleteOption,
		StartedAt: s.now().UTC()}
	err = s.store.DeleteInventoryType(ctx, d)
	switch {
	case errors.Is(err, awserr.Exists): // the same token, at the same time
		prev, err := s.store.InventoryDeletion(ctx, s.account, in.ClientToken, true)
		if err != nil {
			return nil, err
		}
		return repeated(prev, in)
	case errors.Is(err, awserr.NotFound):
		return nil, ssm.NewInvalidTypeNameException("The inventory item type %s is not valid: the account has no such custom type.", in.TypeName)
	case err != nil:
		return nil, err
	}
	s.log.Info("inventory deleted", "deletion_id", d.ID, "type_name", d.TypeName, "option", d.Option)
	if s.observer != nil {
		s.observer.InventoryDeleted(ctx, d.TypeName)
	}
	return &ssm.DeleteInventoryOutput{DeletionId: d.ID, TypeName: d.TypeName, DeletionSummary: summaryShape(d.Summary)}, nil
}

// repeated answers a request whose ClientToken an earlier deletion had.
func repeated(d *Deletion, in *ssm.DeleteInventoryInput) (*ssm.DeleteInventoryOutput, error) {
	if d.TypeName != in.TypeName || d.Option != in.SchemaDeleteOption {
		return nil, ssm.NewInvalidDeleteInventoryParametersException(
			"The client token %s was used for another deletion (%s of %s).", in.ClientToken, d.ID, d.TypeName)
	}
	return &ssm.DeleteInventoryOutput{DeletionId: d.ID, TypeName: d.TypeName, DeletionSummary: summaryShape(d.Summary)}, nil
}

// DescribeInventoryDeletions lists the account's deletions, newest first,
// or the one DeletionId names (InvalidDeletionIdException if none).
func (s *Service) DescribeInventoryDeletions(ctx context.Context, in *ssm.DescribeInventoryDeletionsInput) (*ssm.DescribeInventoryDeletionsOutput, error) {
	if in.DeletionId != "" {
		d, err := s.store.InventoryDeletion(ctx, s.account, in.DeletionId, false)
		if errors.Is(err, awserr.NotFound) {
			return nil, ssm.NewInvalidDeletionIdException("The deletion ID %s is not valid.", in.DeletionId)
		}
		if err != nil {
			return nil, err
		}
		return &ssm.DescribeInventoryDeletionsOutput{InventoryDeletions: []*ssm.InventoryDeletionStatusItem{deletionShape(d)}}, nil
	}
	limit := defaultMaxResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after, err := decodeKey(in.NextToken)
	if err != nil {
		return nil, err
	}
	ds, err := s.store.InventoryDeletions(ctx, s.account, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &ssm.DescribeInventoryDeletionsOutput{}
	if len(ds) > limit {
		ds = ds[:limit]
		out.NextToken = encodeKey(ds[limit-1].ID)
	}
	for _, d := range ds {
		out.InventoryDeletions = append(out.InventoryDeletions, deletionShape(d))
	}
	return out, nil
}

func deletionShape(d *Deletion) *ssm.InventoryDeletionStatusItem {
	return &ssm.InventoryDeletionStatusItem{DeletionId: d.ID, TypeName: d.TypeName, DeletionStartTime: timestamp.Ptr(d.StartedAt),
		LastStatus: ssm.InventoryDeletionStatusComplete, LastStatusMessage: deletionComplete, DeletionSummary: summaryShape(d.Summary),
		LastStatusUpdateTime: timestamp.Ptr(d.StartedAt)}
}

func summaryShape(counts []VersionCount) *ssm.InventoryDeletionSummary {
	total := 0
	out := &ssm.InventoryDeletionSummary{RemainingCount: ptr(int32(0))}
	for _, c := range counts {
		total += c.Count
		out.SummaryItems = append(out.SummaryItems, &ssm.InventoryDeletionSummaryItem{Version: c.Version, Count: ptr(int32(c.Count)),
			RemainingCount: ptr(int32(0))})
	}
	out.TotalCount = ptr(int32(total))
	return out
}

func ptr[T any](v T) *T { return &v }
