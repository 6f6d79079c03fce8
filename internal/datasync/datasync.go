// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package datasync owns SSM's resource data syncs: an account's syncs
// (CreateResourceDataSync, ListResourceDataSync, DeleteResourceDataSync)
// and the export of its inventory that each keeps in the object store, as
// AWS lays it out for Athena: one object of JSON lines per instance and
// inventory type, under
//
//	<prefix>/<type>/accountid=<account>/region=<region>/resourcetype=ManagedInstanceInventory/<instance>.json
//
// A sync exports the whole inventory when it is made (and again after a
// failed export), then each instance's item of a type as PutInventory
// writes new content for it or DeleteInventory deletes it. Every export
// writes what the database holds at the time and reads it again after
// writing, so an export that read older data, on this server or another,
// cannot leave its object behind a newer one.
package datasync

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/kanri-dev/kanri/internal/inventory"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// The sync types of SyncType. Only TypeToDestination, the export of
// inventory to a bucket, is supported; TypeFromSource is Explorer's.
const (
	TypeToDestination = "SyncToDestination"
	TypeFromSource    = "SyncFromSource"
)

// ResourceType is the resourcetype partition of every exported object:
// the inventory of managed instances.
const ResourceType = "ManagedInstanceInventory"

// MaxSyncs is AWS's limit on an account's resource data syncs (per
// region).
const MaxSyncs = 5

// Sync is a resource data sync of an account: where it exports, how its
// last export went and when its next full export is due.
type Sync struct {
	Account     string
	Name        string
	Type        string // TypeToDestination
	Destination ssm.ResourceDataSyncS3Destination
	CreatedAt   time.Time
	// LastSyncAt is when the last export started, LastSuccessAt when the
	// last one that succeeded ended (zero: none yet).
	LastSyncAt    time.Time
	LastSuccessAt time.Time
	LastStatus    string // an ssm.LastResourceDataSyncStatus value
	LastMessage   string // why the last export failed ("" after a success)
	// FullDue is when a full export is due (zero: none): right after the
	// sync is made, and a while after an export failed. While a server
	// runs one, it is when that server's lease ends.
	FullDue time.Time
}

// Outcome is how an export of a sync went.
type Outcome struct {
	At      time.Time // when the export started (a full one: ended)
	Err     string    // why it failed; "" when it succeeded
	RetryAt time.Time // when a full export is due, if one is needed
}

// Store is the storage of resource data syncs. Every method is one
// transaction.
type Store interface {
	// CreateResourceDataSync adds s, counting it against its account's
	// limit: a sync of the same name is an error of kind Exists; max
	// syncs already, of kind LimitExceeded.
	CreateResourceDataSync(ctx context.Context, s *Sync, max int) error
	// ResourceDataSync returns a sync of the account (NotFound if none).
	ResourceDataSync(ctx context.Context, account, name string) (*Sync, error)
	// ResourceDataSyncs returns the account's syncs of syncType ("": of
	// any type) in name order, after the name after ("": from the first),
	// at most limit (0: no limit).
	ResourceDataSyncs(ctx context.Context, account, syncType, after string, limit int) ([]*Sync, error)
	// DeleteResourceDataSync deletes a sync of the account, of syncType
	// unless it is "" (NotFound if there is none).
	DeleteResourceDataSync(ctx context.Context, account, name, syncType string) error
	// DueResourceDataSyncs returns the account's syncs whose full export
	// is due at now, earliest first, at most limit.
	DueResourceDataSyncs(ctx context.Context, account string, now time.Time, limit int) ([]*Sync, error)
	// ClaimResourceDataSync takes a sync's due full export: if its
	// FullDue is still due, it becomes until (the claimer's lease), its
	// status InProgress and its LastSyncAt now. It reports whether it
	// did: of any number of servers, one claims each due export.
	ClaimResourceDataSync(ctx context.Context, account, name string, due, until, now time.Time) (bool, error)
	// RenewResourceDataSync moves the lease of a claimed full export from
	// lease to until, reporting whether the lease was still lease (false:
	// the sync was deleted, or another server took the export over).
	RenewResourceDataSync(ctx context.Context, account, name string, lease, until time.Time) (bool, error)
	// FinishResourceDataSync records the outcome of a full export if its
	// lease is still lease, reporting whether it did: after a success,
	// LastSuccessAt o.At and status Successful with FullDue cleared,
	// unless an export of some items failed meanwhile (the status is
	// Failed, no longer InProgress: then FullDue becomes o.RetryAt, as
	// the export may have passed those items before); after a failure,
	// status Failed and FullDue o.RetryAt.
	FinishResourceDataSync(ctx context.Context, account, name string, lease time.Time, o Outcome) (bool, error)
	// RecordResourceDataSync records the outcome of an export of some
	// items: LastSyncAt o.At and, after a success, LastSuccessAt o.At and
	// status Successful unless it is Failed or InProgress (a full export
	// is due or running, which decides it); after a failure, status
	// Failed and, unless one is already due, a full export due at
	// o.RetryAt. A sync that no longer exists is not an error.
	RecordResourceDataSync(ctx context.Context, account, name string, o Outcome) error
	// PendingExports returns the account's items a PutInventory changed
	// while it had a sync and no export has written since: those of keys
	// (only InstanceID and TypeName are read), or with nil keys those
	// changed before before; at most limit.
	PendingExports(ctx context.Context, account string, keys []PendingExport, before time.Time, limit int) ([]PendingExport, error)
	// ClearPendingExports removes pending items an export wrote, each
	// only if it has the same Token still (it did not change since).
	ClearPendingExports(ctx context.Context, account string, done []PendingExport) error
}

// Inventory reads the inventory that syncs export.
type Inventory interface {
	// InventoryItems returns the stored items of instanceIDs, of types
	// (nil: every type), with their content when withContent is set.
	InventoryItems(ctx context.Context, account string, instanceIDs, types []string, withContent bool) ([]*inventory.Item, error)
	// InventoryInstances returns the IDs of the account's instances with
	// inventory ("" typeName: of any type), in order, after the ID after,
	// at most limit.
	InventoryInstances(ctx context.Context, account, typeName, after string, limit int) ([]string, error)
}

// Objects is the object store that syncs export to.
type Objects interface {
	// Put stores body (size bytes) under bucket and key, replacing what is
	// there, once complete; of concurrent Puts of a key, the last to
	// complete wins.
	Put(ctx context.Context, bucket, key string, body io.Reader, size int64, contentType string) error
	// Delete removes an object; a missing one is not an error.
	Delete(ctx context.Context, bucket, key string) error
	// Keys returns the keys of the bucket's objects that begin with
	// prefix, in order.
	Keys(ctx context.Context, bucket, prefix string) ([]string, error)
}

// Timing is the pace of exports. Its zero value is the defaults.
type Timing struct {
	// Poll is how often a server looks for due full exports; zero means
	// DefaultPoll. A sync made on this server is exported at once.
	Poll time.Duration
	// Retry is how long after a failed export a full export is due; zero
	// means DefaultRetry.
	Retry time.Duration
	// Lease is how long a server that claimed a full export has before
	// another may take it over, renewed as the export goes on; zero means
	// DefaultLease.
	Lease time.Duration
	// Pending is how long after PutInventory changed an item any server
	// exports it if no export has written it (its server stopped first,
	// or the export failed); zero means DefaultPending.
	Pending time.Duration
}

// PendingExport is an item waiting for its export: PutInventory changed
// it, with Token, at PutAt.
type PendingExport struct {
	InstanceID, TypeName, Token string
	PutAt                       time.Time
}

// Timing defaults.
const (
	DefaultPoll  = 10 * time.Second
	DefaultRetry = time.Minute
	DefaultLease = 2 * time.Minute
	// DefaultPending is Timing.Pending's default.
	DefaultPending = time.Minute
	// staleBatch bounds the items one pass exports for stopped servers.
	staleBatch = 500
)

// Config configures a Service.
type Config struct {
	Store     Store
	Inventory Inventory
	Objects   Objects
	Account   string
	// Region is the region of the inventory, its objects' region
	// partition.
	Region string
	Timing Timing
	Logger *slog.Logger     // nil: slog.Default()
	Now    func() time.Time // nil: time.Now
}

// Service is the resource data syncs of an account and their exports. It
// is safe for concurrent use. Run runs the full exports; the inventory
// service tells it of changes (it is an inventory.Observer).
type Service struct {
	store   Store
	inv     Inventory
	objects Objects
	account string
	region  string
	timing  Timing
	log     *slog.Logger
	now     func() time.Time

	// kick wakes this server's Run when a sync is made here.
	kick chan struct{}
}

// Service follows the inventory's changes; it records the outcome of the
// exports they cause itself.
var _ inventory.Observer = (*Service)(nil)

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, inv: cfg.Inventory, objects: cfg.Objects, account: cfg.Account, region: cfg.Region,
		timing: cfg.Timing, log: cfg.Logger, now: cfg.Now, kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timing.Poll <= 0 {
		s.timing.Poll = DefaultPoll
	}
	if s.timing.Retry <= 0 {
		s.timing.Retry = DefaultRetry
	}
	if s.timing.Lease <= 0 {
		s.timing.Lease = DefaultLease
	}
	if s.timing.Pending <= 0 {
		s.timing.Pending = DefaultPending
	}
	return s
}
