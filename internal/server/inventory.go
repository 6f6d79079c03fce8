// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"regexp"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/inventory"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// inventoryInstances checks instances with the fleet.
type inventoryInstances struct{ f *fleet.Service }

// CheckInstance returns InvalidInstanceId unless id is a managed instance
// of the account.
func (i inventoryInstances) CheckInstance(ctx context.Context, id string) error {
	_, err := i.f.Instance(ctx, fleet.InstanceID(id))
	return err
}

// managedInstanceID matches the IDs of managed instances, which are the
// session names of their role credentials.
var managedInstanceID = regexp.MustCompile(`^mi-[0-9a-f]{17}$`)

// callerInstance returns the managed instance whose role credentials sign
// the request in ctx: a role session named after an instance, as the
// server names the sessions it vends to agents; "" for other callers.
func callerInstance(ctx context.Context) string {
	c := iam.CallerFrom(ctx)
	if c == nil || c.Principal.Session.Kind != iam.SessionAssumeRole || !managedInstanceID.MatchString(c.Principal.Session.SessionName) {
		return ""
	}
	return c.Principal.Session.SessionName
}

// newInventory returns the inventory service of s.
func (s *Server) newInventory() *inventory.Service {
	return inventory.New(inventory.Config{Store: s.db, Instances: inventoryInstances{s.fleet}, Account: s.account,
		CallerInstance: callerInstance, Logger: s.log,
		Observer: inventoryObservers{dataSyncObserver{s}, complianceObserver{s}}})
}

// Inventory returns the inventory service.
func (s *Server) Inventory() *inventory.Service { return s.inventory }

// inventoryOperations are the Inventory operations of SSM: PutInventory
// and ListInventoryEntries act on the instance they name, the others on
// "*", as AWS authorizes them.
func inventoryOperations(inv *inventory.Service, instanceARN func(id string) string) []*api.Operation {
	return []*api.Operation{
		api.Resources(api.Op("PutInventory", inv.PutInventory), func(ctx context.Context, in *ssm.PutInventoryInput) []string {
			return []string{instanceARN(in.InstanceId)}
		}),
		api.Op("GetInventory", inv.GetInventory).Read(),
		api.Resources(api.Op("ListInventoryEntries", inv.ListInventoryEntries).Read(), func(ctx context.Context, in *ssm.ListInventoryEntriesInput) []string {
			return []string{instanceARN(in.InstanceId)}
		}),
		api.Op("GetInventorySchema", inv.GetInventorySchema).Read(),
		api.Op("DeleteInventory", inv.DeleteInventory),
		api.Op("DescribeInventoryDeletions", inv.DescribeInventoryDeletions).Read(),
	}
}
