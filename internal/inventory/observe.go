// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import "context"

// Observer is told of changes to the inventory once they are committed,
// so that what derives from it (compliance with rules over it) can follow.
// Its methods run in the request that made the change, after the store's
// transaction; they report their own failures (the change stands).
type Observer interface {
	// InventoryChanged reports that PutInventory replaced the content of
	// an instance's items of typeNames: items sent with content whose
	// schema version or content hash differs from what was stored, or
	// that the instance did not have.
	InventoryChanged(ctx context.Context, instanceID string, typeNames []string)
	// InventoryDeleted reports that DeleteInventory deleted every
	// instance's data of a custom type.
	InventoryDeleted(ctx context.Context, typeName string)
}

// changedTypes returns the types of items whose content a write replaces:
// those sent with content that differ from the stored ones (stored), as
// the store decides which items to rewrite.
func changedTypes(items []*Item, stored []*Item) []string {
	old := make(map[string]*Item, len(stored))
	for _, it := range stored {
		old[it.TypeName] = it
	}
	var out []string
	for _, it := range items {
		if it.Content == nil {
			continue // unchanged, or refused
		}
		o := old[it.TypeName]
		if o != nil && it.ContentHash != "" && o.ContentHash == it.ContentHash && o.SchemaVersion == it.SchemaVersion {
			continue
		}
		out = append(out, it.TypeName)
	}
	return out
}
