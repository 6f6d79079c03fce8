// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/compliance"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/wire/kanri"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// newCompliance returns the compliance service of s: inventory rules,
// evaluated on the inventory and acting through Run Command, and SSM's
// compliance items.
func (s *Server) newCompliance() *compliance.Service {
	return compliance.New(compliance.Config{Store: s.db, Inventory: complianceInventory{s.db, s.inventory}, Commands: s.commands,
		Instances: inventoryInstances{s.fleet}, Account: s.account, Region: s.cfg.Region, AuthorizeAction: s.authorizeRuleAction,
		CallerInstance: callerInstance, Timing: s.cfg.Compliance, Logger: s.log})
}

// Compliance returns the compliance service.
func (s *Server) Compliance() *compliance.Service { return s.compliance }

// complianceInventory is what inventory rules read: the stored inventory,
// and its schemas from the inventory service.
type complianceInventory struct {
	*store.DB
	inv *inventory.Service
}

// GetInventorySchema returns the inventory types whose names begin with
// in.TypeName.
func (ci complianceInventory) GetInventorySchema(ctx context.Context, in *ssm.GetInventorySchemaInput) (*ssm.GetInventorySchemaOutput, error) {
	return ci.inv.GetInventorySchema(ctx, in)
}

// complianceObserver evaluates the inventory rules on inventory changes.
// It reads s.compliance when told: compliance is made after the inventory
// service, as it needs Run Command, and before any request.
type complianceObserver struct{ s *Server }

// InventoryChanged evaluates the rules on the changed types.
func (o complianceObserver) InventoryChanged(ctx context.Context, instanceID string, typeNames []string) {
	o.s.compliance.InventoryChanged(ctx, instanceID, typeNames)
}

// InventoryDeleted evaluates anew the rules on the deleted type.
func (o complianceObserver) InventoryDeleted(ctx context.Context, typeName string) {
	o.s.compliance.InventoryDeleted(ctx, typeName)
}

// authorizeRuleAction checks that the caller in ctx may send a document to
// instances (ssm:SendCommand on the document and on each instance, with
// its tags), as a rule's action will with the server's identity.
func (s *Server) authorizeRuleAction(ctx context.Context, documentName string, instanceIDs []string) error {
	c := iam.CallerFrom(ctx)
	if c == nil {
		return nil // the server's own work
	}
	doc := documentName
	if !strings.HasPrefix(doc, "arn:") {
		doc = s.commands.DocumentARN(documentName)
	}
	resources := []iam.Resource{{ARN: doc}}
	for chunk := range slices.Chunk(instanceIDs, 1000) {
		ids := make([]fleet.InstanceID, len(chunk))
		for i, id := range chunk {
			ids[i] = fleet.InstanceID(id)
		}
		insts, err := s.fleet.ListInstances(ctx, fleet.InstanceFilter{IDs: ids})
		if err != nil {
			return err
		}
		for _, inst := range insts {
			resources = append(resources, iam.Resource{ARN: s.fleet.ARN(inst.ID), Keys: fleet.ConditionKeys(inst)})
		}
	}
	return s.IAM.AuthorizeResources(ctx, c, "ssm:SendCommand", resources, nil)
}

// kanriService binds kanri's own API: inventory rules, authorized as
// kanri:<Operation> on the rule's ARN (ListInventoryRules on "*").
func kanriService(cs *compliance.Service) *api.Service {
	rule := func(name string) []string { return []string{cs.RuleARN(name)} }
	return &api.Service{Name: "kanri", Protocol: api.JSON, TargetPrefix: kanri.TargetPrefix, Operations: []*api.Operation{
		api.Resources(api.Op("PutInventoryRule", cs.PutInventoryRule), func(ctx context.Context, in *kanri.PutInventoryRuleInput) []string {
			return rule(in.Name)
		}),
		api.Op("ListInventoryRules", cs.ListInventoryRules).Read(),
		api.Resources(api.Op("DeleteInventoryRule", cs.DeleteInventoryRule), func(ctx context.Context, in *kanri.DeleteInventoryRuleInput) []string {
			return rule(in.Name)
		}),
	}}
}

// complianceSSMService binds SSM's compliance operations, beside
// ssmService's (same name and target prefix): the listings on "*", and
// PutComplianceItems on the instance it reports, as AWS authorizes them.
func complianceSSMService(cs *compliance.Service, instanceARN func(id string) string) *api.Service {
	return &api.Service{Name: "ssm", Protocol: api.JSON, TargetPrefix: ssm.TargetPrefix, Operations: []*api.Operation{
		api.Op("ListComplianceItems", cs.ListComplianceItems).Read(),
		api.Op("ListComplianceSummaries", cs.ListComplianceSummaries).Read(),
		api.Op("ListResourceComplianceSummaries", cs.ListResourceComplianceSummaries).Read(),
		api.Resources(api.Op("PutComplianceItems", cs.PutComplianceItems), func(ctx context.Context, in *ssm.PutComplianceItemsInput) []string {
			return []string{instanceARN(in.ResourceId)}
		}),
	}}
}
