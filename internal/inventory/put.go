// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/kanri-dev/kanri/internal/awserr"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// PutInventory records the inventory an instance reports: each item
// replaces the instance's item of its type, all in one transaction. An
// item whose ContentHash is the stored one is acknowledged without
// rewriting its content; an item sent without Content claims exactly that,
// and is an ItemContentMismatchException when the stored hash differs.
//
// Errors, as AWS: InvalidInstanceId for an instance that is not a managed
// instance of the account (or, for a caller with an instance's role
// credentials, not that instance); InvalidTypeNameException for a type
// that is neither a built-in AWS type nor Custom:<name>;
// UnsupportedInventorySchemaVersionException for a version of a built-in
// type that is not supported or of a disabled custom type;
// UnsupportedInventoryItemContextException for a Context (only AWS
// compliance types take one); InvalidItemContentException for attributes
// that a built-in type does not have, a custom type of more than 50
// attributes or a type sent twice; ItemSizeLimitExceededException for
// content of more than 3 MiB as JSON; and
// CustomSchemaCountLimitExceededException past 20 custom types.
func (s *Service) PutInventory(ctx context.Context, in *ssm.PutInventoryInput) (*ssm.PutInventoryOutput, error) {
	if caller := s.callerInstance(ctx); caller != "" && caller != in.InstanceId {
		return nil, ssm.NewInvalidInstanceId("Instance Id %s is not valid: instance %s may only report its own inventory.", in.InstanceId, caller)
	}
	if err := s.instances.CheckInstance(ctx, in.InstanceId); err != nil {
		return nil, err
	}
	items := make([]*Item, 0, len(in.Items))
	var custom map[string]*CustomType // loaded with the first custom item
	seen := map[string]bool{}
	for _, it := range in.Items {
		if seen[it.TypeName] {
			return nil, ssm.NewInvalidItemContentException("The inventory item type %s is in the request more than once.", it.TypeName)
		}
		seen[it.TypeName] = true
		if len(it.Context) > 0 {
			return nil, ssm.NewUnsupportedInventoryItemContextException(
				"The Context attribute is not supported for the inventory item type %s.", it.TypeName)
		}
		if isCustom(it.TypeName) && custom == nil {
			var err error
			if custom, err = s.customTypes(ctx); err != nil {
				return nil, err
			}
		}
		if err := checkItem(it, custom); err != nil {
			return nil, err
		}
		item := &Item{InstanceID: in.InstanceId, TypeName: it.TypeName, SchemaVersion: it.SchemaVersion, CaptureTime: it.CaptureTime,
			ContentHash: it.ContentHash, Content: it.Content}
		if it.TypeName == TypeInstanceInformation && item.Content != nil {
			item.Content = instanceInformation(in.InstanceId, item.Content)
		}
		items = append(items, item)
	}
	if err := checkCustomLimits(items, custom); err != nil {
		return nil, err
	}
	changed, err := s.store.PutInventoryItems(ctx, s.account, in.InstanceId, items, Limits{CustomTypes: MaxCustomTypes, Attributes: MaxAttributes}, s.now())
	var mismatch *ContentMismatchError
	switch {
	case errors.As(err, &mismatch):
		return nil, ssm.NewItemContentMismatchException(
			"The inventory item %s was sent without content, but its ContentHash does not match the stored content: send the content.", mismatch.TypeName)
	case errors.Is(err, awserr.LimitExceeded):
		return nil, ssm.NewCustomSchemaCountLimitExceededException("The account already has %d custom inventory types.", MaxCustomTypes)
	case errors.Is(err, awserr.Invalid):
		return nil, ssm.NewInvalidItemContentException("A custom inventory type can have at most %d attributes.", MaxAttributes)
	case err != nil:
		return nil, err
	}
	if s.observer != nil && len(changed) > 0 {
		s.observer.InventoryChanged(ctx, in.InstanceId, changed)
	}
	return &ssm.PutInventoryOutput{}, nil
}

// customTypes returns the account's custom types by name.
func (s *Service) customTypes(ctx context.Context) (map[string]*CustomType, error) {
	list, err := s.store.CustomInventoryTypes(ctx, s.account)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*CustomType, len(list))
	for _, ct := range list {
		out[ct.TypeName] = ct
	}
	return out, nil
}

// checkItem checks an item's type, schema version, attributes and size.
func checkItem(it *ssm.InventoryItem, custom map[string]*CustomType) error {
	if isCustom(it.TypeName) {
		if !validCustomName(it.TypeName) {
			return ssm.NewInvalidTypeNameException(
				"The inventory item type %s is not valid: custom type names are Custom: followed by letters, digits, _, - or .", it.TypeName)
		}
		if ct := custom[it.TypeName]; ct != nil && ct.DisabledVersion != "" && CompareValues(it.SchemaVersion, ct.DisabledVersion) <= 0 {
			return ssm.NewUnsupportedInventorySchemaVersionException(
				"The schema of %s is disabled at version %s: put a later schema version to enable it again.", it.TypeName, ct.DisabledVersion)
		}
	} else {
		sc := builtinSchema(it.TypeName)
		if sc == nil {
			return ssm.NewInvalidTypeNameException("The inventory item type %s is not valid: it is not an AWS inventory type.", it.TypeName)
		}
		if !slices.Contains(sc.Versions, it.SchemaVersion) {
			return ssm.NewUnsupportedInventorySchemaVersionException(
				"The schema version %s of %s is not supported: supported versions are %v.", it.SchemaVersion, it.TypeName, sc.Versions)
		}
		for _, e := range it.Content {
			for k := range e {
				if !sc.has(k) {
					return ssm.NewInvalidItemContentException("The attribute %s is not in the schema of %s.", k, it.TypeName)
				}
			}
		}
	}
	if it.Content != nil {
		b, err := json.Marshal(it.Content)
		if err != nil {
			return err
		}
		if len(b) > MaxItemBytes {
			return ssm.NewItemSizeLimitExceededException("The inventory item %s is %d bytes, more than the limit of %d bytes.",
				it.TypeName, len(b), MaxItemBytes)
		}
	}
	return nil
}

// checkCustomLimits checks, before writing, the limits that the store
// enforces again in its transaction: the number of custom types and of
// attributes of each.
func checkCustomLimits(items []*Item, custom map[string]*CustomType) error {
	count := len(custom)
	for _, it := range items {
		if !isCustom(it.TypeName) {
			continue
		}
		attrs := map[string]bool{}
		if ct := custom[it.TypeName]; ct != nil {
			for _, a := range ct.Attributes {
				attrs[a] = true
			}
		} else {
			count++
		}
		for _, e := range it.Content {
			for k := range e {
				attrs[k] = true
			}
		}
		if len(attrs) > MaxAttributes {
			return ssm.NewInvalidItemContentException("The custom inventory type %s would have %d attributes, more than %d.",
				it.TypeName, len(attrs), MaxAttributes)
		}
	}
	if count > MaxCustomTypes {
		return ssm.NewCustomSchemaCountLimitExceededException(
			"The account can have at most %d custom inventory types: delete one with DeleteInventory (DeleteSchema) first.", MaxCustomTypes)
	}
	return nil
}

// instanceInformation returns AWS:InstanceInformation content with the
// attributes AWS fills in itself when the instance did not send them:
// its ID, its status (Active) and its resource type (ManagedInstance).
func instanceInformation(id string, content []map[string]string) []map[string]string {
	out := make([]map[string]string, len(content))
	for i, e := range content {
		c := maps.Clone(e)
		if c == nil {
			c = map[string]string{}
		}
		for k, v := range map[string]string{"InstanceId": id, "InstanceStatus": "Active", "ResourceType": "ManagedInstance"} {
			if _, ok := c[k]; !ok {
				c[k] = v
			}
		}
		out[i] = c
	}
	return out
}
