// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package compliance owns compliance: the compliance items of managed
// instances in SSM's shapes (ListComplianceItems, the compliance
// summaries, PutComplianceItems for other compliance types), and inventory
// rules, kanri's own: a filter over one inventory type that marks an
// instance non-compliant when it has a matching entry (Forbidden) or lacks
// one (Required). Rules are evaluated on every inventory change of an
// instance and, when put, on every instance in batches that any server may
// continue; their results are compliance items of the type
// Custom:InventoryRule. A rule's action, a Command document, runs once
// each time an instance becomes non-compliant: the transition and the
// claim of the action are one database transaction, and only the server
// that made it sends the command, with the server's own identity.
package compliance
