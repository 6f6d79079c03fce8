// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// checkAliasName accepts a name for a customer alias: "alias/" and up to
// 250 more characters of letters, digits, /, _ and -, not under
// alias/aws/ (AWS's own).
func checkAliasName(name string) error {
	switch {
	case len(name) > 256 || !aliasNamePattern.MatchString(name):
		return kmsapi.NewInvalidAliasNameException("Alias %s must be alias/ followed by 1 to 250 letters, digits, /, _ or -.", name)
	case strings.HasPrefix(strings.ToLower(name), "alias/aws/"):
		return kmsapi.NewInvalidAliasNameException("Alias %s: names starting with alias/aws/ are reserved for AWS managed keys.", name)
	}
	return nil
}

// AliasARN returns the ARN of an alias name ("alias/…"), or of an alias
// ARN itself.
func (s *Service) AliasARN(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return s.aliasARN(name)
}

// CreateAlias names a customer managed key.
func (s *Service) CreateAlias(ctx context.Context, in *kmsapi.CreateAliasInput) (*kmsapi.CreateAliasOutput, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	k, err := s.customerKey(ctx, in.TargetKeyId, "CreateAlias")
	if err != nil {
		return nil, err
	}
	if kind, _ := s.parseKeyID(in.TargetKeyId); kind == refAlias {
		return nil, awserr.Validation("TargetKeyId", in.TargetKeyId, "must be a key ID or key ARN, not an alias")
	}
	if k.State == StatePendingDeletion {
		return nil, kmsapi.NewKMSInvalidStateException("%s is pending deletion.", s.ARN(k.ID))
	}
	now := s.now().UTC()
	err = s.store.CreateAlias(ctx, &Alias{Account: s.account, Name: in.AliasName, KeyID: k.ID, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, awserr.Exists) {
		return nil, kmsapi.NewAlreadyExistsException("An alias with the name %s already exists", s.aliasARN(in.AliasName))
	}
	if err != nil {
		return nil, err
	}
	return &kmsapi.CreateAliasOutput{}, nil
}

// UpdateAlias points an alias at another customer managed key.
func (s *Service) UpdateAlias(ctx context.Context, in *kmsapi.UpdateAliasInput) (*kmsapi.UpdateAliasOutput, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	if _, err := s.store.GetAlias(ctx, s.account, in.AliasName); errors.Is(err, awserr.NotFound) {
		return nil, kmsapi.NewNotFoundException("Alias %s is not found.", s.aliasARN(in.AliasName))
	} else if err != nil {
		return nil, err
	}
	k, err := s.customerKey(ctx, in.TargetKeyId, "UpdateAlias")
	if err != nil {
		return nil, err
	}
	if k.State == StatePendingDeletion {
		return nil, kmsapi.NewKMSInvalidStateException("%s is pending deletion.", s.ARN(k.ID))
	}
	err = s.store.UpdateAlias(ctx, s.account, in.AliasName, k.ID, s.now().UTC())
	if errors.Is(err, awserr.NotFound) {
		return nil, kmsapi.NewNotFoundException("Alias %s is not found.", s.aliasARN(in.AliasName))
	}
	if err != nil {
		return nil, err
	}
	return &kmsapi.UpdateAliasOutput{}, nil
}

// DeleteAlias deletes a customer alias; its key stays.
func (s *Service) DeleteAlias(ctx context.Context, in *kmsapi.DeleteAliasInput) (*kmsapi.DeleteAliasOutput, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	err := s.store.DeleteAlias(ctx, s.account, in.AliasName)
	if errors.Is(err, awserr.NotFound) {
		return nil, kmsapi.NewNotFoundException("Alias %s is not found.", s.aliasARN(in.AliasName))
	}
	if err != nil {
		return nil, err
	}
	return &kmsapi.DeleteAliasOutput{}, nil
}

// ListAliases lists the account's aliases by name (of one key with
// KeyId), with the AWS managed aliases not yet used, as KMS lists them
// without a target key.
func (s *Service) ListAliases(ctx context.Context, in *kmsapi.ListAliasesInput) (*kmsapi.ListAliasesOutput, error) {
	n, err := listLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	var keyID string
	if in.KeyId != "" {
		k, err := s.resolve(ctx, in.KeyId, false)
		if err != nil {
			return nil, err
		}
		keyID = k.ID
	}
	aliases, err := s.store.ListAliases(ctx, s.account, keyID, "", 0)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, a := range aliases {
		have[a.Name] = true
	}
	if keyID == "" {
		for name := range managedAliases {
			if !have[name] {
				aliases = append(aliases, &Alias{Account: s.account, Name: name})
			}
		}
	}
	slices.SortFunc(aliases, func(a, b *Alias) int { return strings.Compare(a.Name, b.Name) })
	var page []*Alias
	for _, a := range aliases {
		if a.Name > after {
			page = append(page, a)
		}
	}
	truncated := len(page) > n
	out := &kmsapi.ListAliasesOutput{Aliases: []*kmsapi.AliasListEntry{}, Truncated: &truncated}
	if truncated {
		page = page[:n]
		out.NextMarker = encodeMarker(page[n-1].Name)
	}
	for _, a := range page {
		e := &kmsapi.AliasListEntry{AliasName: a.Name, AliasArn: s.aliasARN(a.Name)}
		if a.KeyID != "" {
			e.TargetKeyId = a.KeyID
			e.CreationDate, e.LastUpdatedDate = timestamp.Ptr(a.CreatedAt), timestamp.Ptr(a.UpdatedAt)
		}
		out.Aliases = append(out.Aliases, e)
	}
	return out, nil
}
