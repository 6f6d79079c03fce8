// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"fmt"
	pathpkg "path"
	"sort"
	"strings"

	"github.com/kanri-dev/kanri/internal/iam/policy"
)

//go:embed managed/*.json
var managedFiles embed.FS

// ProviderPolicy is a provider-managed policy shipped with kanri, with its
// whole version history: Versions[0] is v1, the last is the default. A
// kanri release that changes a policy appends a version; the store keeps
// the history and every identity the policy is attached to follows the new
// default without any action of its owner.
type ProviderPolicy struct {
	Name        string
	Path        string
	Description string
	Versions    []string
}

// ARN returns the policy's ARN, arn:aws:iam::aws:policy/<path><name>.
func (p ProviderPolicy) ARN() string { return "arn:aws:iam::aws:policy" + p.Path + p.Name }

// ProviderPolicies returns the provider-managed policies kanri ships.
func ProviderPolicies() []ProviderPolicy {
	entries, err := managedFiles.ReadDir("managed")
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []ProviderPolicy
	for _, e := range entries {
		b, err := managedFiles.ReadFile("managed/" + e.Name())
		if err != nil {
			panic(err)
		}
		var f struct {
			Path        string
			Description string
			Versions    []json.RawMessage
		}
		if err := json.Unmarshal(b, &f); err != nil {
			panic(fmt.Sprintf("managed policy %s: %v", e.Name(), err)) // checked by a test
		}
		p := ProviderPolicy{Name: strings.TrimSuffix(e.Name(), pathpkg.Ext(e.Name())), Path: f.Path, Description: f.Description}
		for _, v := range f.Versions {
			p.Versions = append(p.Versions, string(v))
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SyncProviderPolicies makes the store hold every provider policy with its
// versions, the last one the default. It runs at every start and is safe
// when several replicas run it at once.
func (s *Service) SyncProviderPolicies(ctx context.Context) error {
	now := s.now().UTC()
	for _, pp := range s.provider {
		if len(pp.Versions) == 0 {
			return fmt.Errorf("provider policy %s has no versions", pp.Name)
		}
		for i, doc := range pp.Versions {
			if _, err := policy.Parse(doc, policy.Identity); err != nil {
				return fmt.Errorf("provider policy %s v%d: %w", pp.Name, i+1, err)
			}
		}
		sum := sha256.Sum256([]byte(pp.ARN()))
		id := "ANPA"
		for _, b := range sum[:17] {
			id += string(idAlphabet[int(b)%len(idAlphabet)])
		}
		mp := &ManagedPolicy{
			ARN: pp.ARN(), Account: ProviderAccount, Name: pp.Name, ID: id, Path: pp.Path, Description: pp.Description,
			DefaultVersion: "v1", NextVersion: 2, CreateDate: now, UpdateDate: now,
		}
		for i, doc := range pp.Versions {
			last := i == len(pp.Versions)-1
			if err := s.store.EnsurePolicyVersion(ctx, mp, fmt.Sprintf("v%d", i+1), doc, last); err != nil {
				return fmt.Errorf("provider policy %s: %w", pp.Name, err)
			}
		}
	}
	s.changed()
	return nil
}
