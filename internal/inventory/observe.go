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
