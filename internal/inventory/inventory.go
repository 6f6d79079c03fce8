// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package inventory owns SSM Inventory's data plane: the inventory types
// and their schemas (AWS's built-in ones and an account's custom ones),
// ingest of what instances report (PutInventory, skipping items whose
// content hash is unchanged), queries over the fleet's inventory with
// filters and aggregators (GetInventory), one instance's entries
// (ListInventoryEntries), and the deletion of custom types' data.
package inventory

import (
	"context"
	"log/slog"
	"time"
)

// Item is an instance's inventory of one type, as it was last reported.
type Item struct {
	InstanceID    string
	TypeName      string
	SchemaVersion string
	CaptureTime   string // InventoryItemCaptureTime's layout, UTC
	ContentHash   string
	// Content is the item's entries. On a write, nil means the item was
	// sent without content: it claims the stored content is unchanged.
	Content []map[string]string
	// Entries is the number of entries stored (on reads).
	Entries   int
	UpdatedAt time.Time
}

// Entry is one content entry of a stored item.
type Entry struct {
	InstanceID string
	Seq        int // the entry's position in its item, from 0
	Content    map[string]string
}

// Column names an entry attribute that the store indexes, so that
// conditions on it are answered from the index.
type Column string

// The indexed attributes, present in most AWS types.
const (
	ColumnName    Column = "Name"
	ColumnVersion Column = "Version"
)

// Cond is a condition on an indexed attribute: its value equals one of
// Values or, with Prefix, begins with one of them. Comparisons are by
// bytes (case-sensitive). An entry without the attribute never matches.
type Cond struct {
	Column Column
	Prefix bool
	Values []string
}

// EntryQuery selects the content entries of one type of an account.
type EntryQuery struct {
	Account  string
	TypeName string
	Conds    []Cond // every one must hold
	// Instances, when not nil, restricts the entries to these instances'.
	Instances []string
}

// CustomType is a custom inventory type of an account: its latest schema
// version and the attribute names its entries have had.
type CustomType struct {
	Account       string
	TypeName      string
	SchemaVersion string
	Attributes    []string // sorted
	// DisabledVersion is set by DeleteInventory's DisableSchema: data of
	// this version or an earlier one is refused until a later version is
	// put.
	DisabledVersion string
	CreatedAt       time.Time
}

// VersionCount is a number of items of one schema version.
type VersionCount struct {
	Version string
	Count   int
}

// Deletion is a DeleteInventory operation: the data of a custom type,
// deleted at once.
type Deletion struct {
	ID          string
	Account     string
	TypeName    string
	ClientToken string // "" when none was given
	Option      string // SchemaDeleteOption, "" to delete the data only
	StartedAt   time.Time
	Summary     []VersionCount // the items deleted, by schema version
}

// Limits are an account's limits on custom types, which the store
// enforces in the transaction that adds to them.
type Limits struct {
	CustomTypes int // custom types per account
	Attributes  int // attributes per custom type
}

// ContentMismatchError reports an item sent without content whose
// ContentHash is not the hash of the stored content.
type ContentMismatchError struct{ TypeName string }

// Error returns a description of the mismatch.
func (e *ContentMismatchError) Error() string {
	return "content hash of " + e.TypeName + " does not match the stored content"
}

// Store is the storage inventory needs. Every method is one transaction.
type Store interface {
	// PutInventoryItems writes an instance's items, each replacing the
	// instance's item of its type with its entries, in one transaction
	// that serializes writers of the same instance and type. An item
	// whose ContentHash equals the stored one (of the same schema
	// version) keeps its entries: only its CaptureTime is updated; one
	// without content (nil) whose hash differs is a
	// *ContentMismatchError and nothing is written. The first item of a
	// custom type records the type, an error of kind LimitExceeded beyond
	// limits.CustomTypes; its entries' attribute names are added to the
	// type's, an error of kind Invalid beyond limits.Attributes. It
	// returns the types whose content it replaced, as decided under those
	// locks: items with content whose schema version or content hash
	// differs from what was stored, or that the instance did not have.
	PutInventoryItems(ctx context.Context, account, instanceID string, items []*Item, limits Limits, now time.Time) ([]string, error)
	// InventoryItems returns the stored items of instanceIDs, of types
	// (nil: every type), with their content when withContent is set,
	// ordered by instance and type.
	InventoryItems(ctx context.Context, account string, instanceIDs, types []string, withContent bool) ([]*Item, error)
	// InventoryInstances returns the IDs of the account's instances with
	// an item of typeName ("": of any type), in order, after the ID after
	// ("": from the first), at most limit (0: no limit).
	InventoryInstances(ctx context.Context, account, typeName, after string, limit int) ([]string, error)
	// InventoryEntries returns the entries that q selects, ordered by
	// instance and position.
	InventoryEntries(ctx context.Context, q EntryQuery) ([]*Entry, error)
	// InventoryEntryInstances returns the IDs of the instances with an
	// entry that q selects, in order.
	InventoryEntryInstances(ctx context.Context, q EntryQuery) ([]string, error)
	// CountInventoryEntries returns, for each value of col among the
	// entries q selects that have it, the number of instances with such
	// an entry.
	CountInventoryEntries(ctx context.Context, q EntryQuery, col Column) (map[string]int, error)
	// CustomInventoryTypes returns the account's custom types by name.
	CustomInventoryTypes(ctx context.Context, account string) ([]*CustomType, error)
	// InventoryVersionCounts returns the number of the account's items of
	// typeName by schema version, in version order.
	InventoryVersionCounts(ctx context.Context, account, typeName string) ([]VersionCount, error)
	// DeleteInventoryType deletes every item of d's custom type, sets
	// d.Summary to what it deleted, applies d.Option to the type
	// (DisableSchema, DeleteSchema) and records d, in one transaction. A
	// type the account does not have is an error of kind NotFound; a
	// deletion of the account with d's ClientToken, of kind Exists.
	DeleteInventoryType(ctx context.Context, d *Deletion) error
	// InventoryDeletions returns the account's deletions, newest first,
	// after the one with ID after ("": from the newest), at most limit.
	InventoryDeletions(ctx context.Context, account, after string, limit int) ([]*Deletion, error)
	// InventoryDeletion returns a deletion of the account by its ID, or
	// by its client token when byToken is set (NotFound if none).
	InventoryDeletion(ctx context.Context, account, key string, byToken bool) (*Deletion, error)
}

// Instances checks the managed instances of the account.
type Instances interface {
	// CheckInstance returns nil if id is a managed instance of the
	// account, an InvalidInstanceId error if it is not.
	CheckInstance(ctx context.Context, id string) error
}

// Config configures a Service.
type Config struct {
	Store     Store
	Instances Instances
	Account   string
	// CallerInstance returns the managed instance whose role credentials
	// sign the request in ctx ("" when the caller is not an instance): an
	// instance may report only its own inventory. Nil: no caller is an
	// instance.
	CallerInstance func(ctx context.Context) string
	// Observer is told of committed changes; nil: none.
	Observer Observer
	Logger   *slog.Logger // nil: slog.Default()
	Now      func() time.Time
	NewID    func() string // deletion IDs; nil: random UUIDs
}

// Service is the inventory of the account. It is safe for concurrent use.
type Service struct {
	store          Store
	instances      Instances
	account        string
	callerInstance func(ctx context.Context) string
	observer       Observer
	log            *slog.Logger
	now            func() time.Time
	newID          func() string
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, instances: cfg.Instances, account: cfg.Account, callerInstance: cfg.CallerInstance,
		log: cfg.Logger, now: cfg.Now, newID: cfg.NewID}
	s.observer = cfg.Observer
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = newUUID
	}
	if s.callerInstance == nil {
		s.callerInstance = func(context.Context) string { return "" }
	}
	return s
}
