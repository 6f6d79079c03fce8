// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/datasync"
	"github.com/kanri-dev/kanri/internal/inventory"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// newDataSync returns the resource data syncs of s, which export the
// inventory to its object store.
func (s *Server) newDataSync() *datasync.Service {
	return datasync.New(datasync.Config{Store: s.db, Inventory: s.db, Objects: syncObjects{s.blobs}, Account: s.account,
		Region: s.cfg.Region, Logger: s.log})
}

// DataSync returns the resource data syncs.
func (s *Server) DataSync() *datasync.Service { return s.dataSync }

// syncObjects is the object store as the syncs use it.
type syncObjects struct{ blob.Store }

// Keys returns the keys of the bucket's objects that begin with prefix.
func (o syncObjects) Keys(ctx context.Context, bucket, prefix string) ([]string, error) {
	objs, err := o.List(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(objs))
	for i, obj := range objs {
		keys[i] = obj.Key
	}
	return keys, nil
}

// dataSyncObserver tells the resource data syncs of inventory changes. It
// reads s.dataSync when told: the syncs are made after the inventory
// service, as they need the object store, and before any request.
type dataSyncObserver struct{ s *Server }

// InventoryChanged exports the items to every sync.
func (o dataSyncObserver) InventoryChanged(ctx context.Context, instanceID string, typeNames []string) {
	o.s.dataSync.InventoryChanged(ctx, instanceID, typeNames)
}

// InventoryDeleted deletes the type's exports from every sync.
func (o dataSyncObserver) InventoryDeleted(ctx context.Context, typeName string) {
	o.s.dataSync.InventoryDeleted(ctx, typeName)
}

// inventoryObservers tells each of its observers of inventory changes, in
// order.
type inventoryObservers []inventory.Observer

// InventoryChanged tells each observer.
func (o inventoryObservers) InventoryChanged(ctx context.Context, instanceID string, typeNames []string) {
	for _, ob := range o {
		ob.InventoryChanged(ctx, instanceID, typeNames)
	}
}

// InventoryDeleted tells each observer.
func (o inventoryObservers) InventoryDeleted(ctx context.Context, typeName string) {
	for _, ob := range o {
		ob.InventoryDeleted(ctx, typeName)
	}
}

// dataSyncService binds SSM's resource data sync operations, beside
// ssmService's (same name and target prefix), on "*" as AWS authorizes
// them.
func dataSyncService(ds *datasync.Service) *api.Service {
	return &api.Service{Name: "ssm", Protocol: api.JSON, TargetPrefix: ssm.TargetPrefix, Operations: []*api.Operation{
		api.Op("CreateResourceDataSync", ds.CreateResourceDataSync),
		api.Op("ListResourceDataSync", ds.ListResourceDataSync).Read(),
		api.Op("DeleteResourceDataSync", ds.DeleteResourceDataSync),
		api.Op("UpdateResourceDataSync", ds.UpdateResourceDataSync),
	}}
}
