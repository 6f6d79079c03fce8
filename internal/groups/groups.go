// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package groups owns resource groups, as AWS Resource Groups defines
// them: named queries of an account over its resources by tag
// (TAG_FILTERS_1_0), their descriptions and tags, and their resolution to
// the managed instances whose tags match the query, so that Run Command
// can target resource-groups:Name.
package groups

import (
	"context"
	"log/slog"
	"time"
)

// Group is a resource group of an account.
type Group struct {
	Account     string
	Name        string
	Description string
	Query       ResourceQuery
	Criticality int // 1 (most critical) to 10; 0: none
	Owner       string
	DisplayName string
	Tags        map[string]string
	CreatedAt   time.Time
}

// ResourceQuery is a group's resource query: its type and its query
// document, kept as the caller gave it.
type ResourceQuery struct {
	Type  string // QueryTypeTagFilters
	Query string // JSON, see TagQuery
}

// Update changes some attributes of a group; nil fields keep their value.
type Update struct {
	Description *string
	Criticality *int
	Owner       *string
	DisplayName *string
	Query       *ResourceQuery
}

// TagFilter matches resources with a tag Key whose value is one of Values,
// or any value when Values is empty.
type TagFilter struct {
	Key    string
	Values []string
}

// Store is the storage groups need. Every method is one transaction. Its
// names say ResourceGroup, as IAM's groups share the store.
type Store interface {
	// CreateResourceGroup stores a new group; a group of the account with
	// the same name is an error of kind Exists.
	CreateResourceGroup(ctx context.Context, g *Group) error
	// GetResourceGroup returns a group of the account (NotFound if none).
	GetResourceGroup(ctx context.Context, account, name string) (*Group, error)
	// ListResourceGroups returns the account's groups ordered by name,
	// after the group named after ("": from the first), at most limit (0:
	// no limit).
	ListResourceGroups(ctx context.Context, account, after string, limit int) ([]*Group, error)
	// UpdateResourceGroup changes the group's attributes that u sets and
	// returns the group as it is then (NotFound if none).
	UpdateResourceGroup(ctx context.Context, account, name string, u Update) (*Group, error)
	// TagResourceGroup sets the tags set and removes the keys remove of a
	// group, and returns its tags then. More than maxTags tags is an error
	// of kind LimitExceeded, and nothing changes; a missing group is
	// NotFound. Concurrent calls never lose a change or exceed maxTags.
	TagResourceGroup(ctx context.Context, account, name string, set map[string]string, remove []string, maxTags int) (map[string]string, error)
	// DeleteResourceGroup deletes a group (NotFound if none).
	DeleteResourceGroup(ctx context.Context, account, name string) error
}

// Instances finds managed instances by their tags.
type Instances interface {
	// InstanceIDsByTags returns the IDs of the account's managed
	// instances that match every filter, in ID order.
	InstanceIDsByTags(ctx context.Context, account string, tags []TagFilter) ([]string, error)
}

// Config configures a Service.
type Config struct {
	Store     Store
	Instances Instances
	Account   string
	Region    string
	Logger    *slog.Logger // nil: slog.Default()
	Now       func() time.Time
}

// Service manages the account's resource groups. It is safe for
// concurrent use.
type Service struct {
	store     Store
	instances Instances
	account   string
	region    string
	log       *slog.Logger
	now       func() time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, instances: cfg.Instances, account: cfg.Account, region: cfg.Region, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
