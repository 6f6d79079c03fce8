// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam/policy"
	"github.com/kanri-dev/kanri/internal/timestamp"
	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// metadata returns a key as DescribeKey shows it.
func (s *Service) metadata(k *Key) *kmsapi.KeyMetadata {
	enabled := k.State == StateEnabled
	md := &kmsapi.KeyMetadata{
		AWSAccountId: k.Account, KeyId: k.ID, Arn: s.ARN(k.ID), CreationDate: timestamp.Ptr(k.CreatedAt), Enabled: &enabled,
		Description: k.Description, KeyUsage: k.Usage, KeyState: k.State, Origin: k.Origin, KeyManager: k.Manager,
		CustomerMasterKeySpec: k.Spec, KeySpec: k.Spec, EncryptionAlgorithms: []string{AlgorithmSymmetric}, MultiRegion: new(bool),
		CurrentKeyMaterialId: materialID(k.ID, k.CurrentVersion),
	}
	if k.State == StatePendingDeletion {
		md.DeletionDate = timestamp.Ptr(k.DeletionAt)
		days := int32(k.PendingWindowDays)
		md.PendingDeletionWindowInDays = &days
	}
	return md
}

// materialID names a version of a key's material, as KeyMaterialId does:
// 64 hexadecimal characters.
func materialID(keyID string, version int) string {
	u := uuid.NewSHA1(uuid.MustParse(keyID), fmt.Appendf(nil, "%d", version))
	v := uuid.NewSHA1(u, []byte("material"))
	return fmt.Sprintf("%x%x", u[:], v[:])
}

// checkPolicy validates a key policy.
func checkPolicy(doc string) error {
	if len(doc) > maxPolicySize {
		return awserr.Validation("Policy", "…", "must be at most 32768 characters")
	}
	if _, err := policy.Parse(doc, policy.Resource); err != nil {
		if e := awserr.As(err); e != nil {
			return kmsapi.NewMalformedPolicyDocumentException("%s", e.Message)
		}
		return err
	}
	return nil
}

// tagMap checks KMS tags and returns them as a map.
func tagMap(tags []*kmsapi.Tag) (map[string]string, error) {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if len(t.TagKey) > 128 || len(t.TagValue) > 256 {
			return nil, kmsapi.NewTagException("Tag keys are at most 128 characters and values at most 256.")
		}
		if len(t.TagKey) >= 4 && (t.TagKey[:4] == "aws:" || t.TagKey[:4] == "AWS:") {
			return nil, kmsapi.NewTagException("Tag keys may not start with aws:.")
		}
		m[t.TagKey] = t.TagValue
	}
	if len(m) > maxTags {
		return nil, kmsapi.NewLimitExceededException("A key has at most %d tags.", maxTags)
	}
	return m, nil
}

// CreateKey makes a symmetric encryption key with fresh material.
func (s *Service) CreateKey(ctx context.Context, in *kmsapi.CreateKeyInput) (*kmsapi.CreateKeyOutput, error) {
	switch {
	case in.KeyUsage != "" && in.KeyUsage != UsageEncryptDecrypt:
		return nil, kmsapi.NewUnsupportedOperationException("KeyUsage %s is not supported; keys are %s.", in.KeyUsage, UsageEncryptDecrypt)
	case in.KeySpec != "" && in.KeySpec != SpecSymmetric, in.CustomerMasterKeySpec != "" && in.CustomerMasterKeySpec != SpecSymmetric:
		return nil, kmsapi.NewUnsupportedOperationException("Only %s keys are supported.", SpecSymmetric)
	case in.KeySpec != "" && in.CustomerMasterKeySpec != "":
		return nil, awserr.Validation("CustomerMasterKeySpec", in.CustomerMasterKeySpec, "cannot be given with KeySpec")
	case in.Origin != "" && in.Origin != OriginKMS:
		return nil, kmsapi.NewUnsupportedOperationException("Origin %s is not supported; keys are made with origin %s.", in.Origin, OriginKMS)
	case in.CustomKeyStoreId != "" || in.XksKeyId != "":
		return nil, kmsapi.NewUnsupportedOperationException("Custom key stores are not supported.")
	case in.MultiRegion != nil && *in.MultiRegion:
		return nil, kmsapi.NewUnsupportedOperationException("Multi-Region keys are not supported.")
	}
	doc := in.Policy
	if doc == "" {
		doc = defaultPolicy(s.account)
	} else if err := checkPolicy(doc); err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	k := &Key{
		ID: uuid.NewString(), Account: s.account, Description: in.Description, Usage: UsageEncryptDecrypt, Spec: SpecSymmetric,
		Origin: OriginKMS, Manager: ManagerCustomer, State: StateEnabled, Policy: doc, Tags: tags, CreatedAt: now, CurrentVersion: 1,
	}
	m, err := s.newMaterial(k.ID, 1, "", now)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateKey(ctx, k, m); err != nil {
		return nil, err
	}
	return &kmsapi.CreateKeyOutput{KeyMetadata: s.metadata(k)}, nil
}

// DescribeKey returns a key's metadata.
func (s *Service) DescribeKey(ctx context.Context, in *kmsapi.DescribeKeyInput) (*kmsapi.DescribeKeyOutput, error) {
	k, err := s.resolve(ctx, in.KeyId, true)
	if err != nil {
		return nil, err
	}
	return &kmsapi.DescribeKeyOutput{KeyMetadata: s.metadata(k)}, nil
}

// encodeMarker and decodeMarker turn a listing position into an opaque
// Marker and back.
func encodeMarker(after string) string { return base64.RawURLEncoding.EncodeToString([]byte(after)) }

func decodeMarker(marker string) (string, error) {
	if marker == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil || len(b) == 0 {
		return "", kmsapi.NewInvalidMarkerException("The marker %q is not valid.", marker)
	}
	return string(b), nil
}

// listLimit returns a listing's page size: 1 to 1000, default 100.
func listLimit(limit *int32) (int, error) {
	if limit == nil {
		return 100, nil
	}
	if *limit < 1 || *limit > 1000 {
		return 0, awserr.Validation("Limit", *limit, "must be 1 to 1000")
	}
	return int(*limit), nil
}

// ListKeys lists the account's keys by ID.
func (s *Service) ListKeys(ctx context.Context, in *kmsapi.ListKeysInput) (*kmsapi.ListKeysOutput, error) {
	n, err := listLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListKeys(ctx, s.account, after, n+1)
	if err != nil {
		return nil, err
	}
	truncated := len(keys) > n
	out := &kmsapi.ListKeysOutput{Keys: []*kmsapi.KeyListEntry{}, Truncated: &truncated}
	if truncated {
		keys = keys[:n]
		out.NextMarker = encodeMarker(keys[n-1].ID)
	}
	for _, k := range keys {
		out.Keys = append(out.Keys, &kmsapi.KeyListEntry{KeyId: k.ID, KeyArn: s.ARN(k.ID)})
	}
	return out, nil
}

// customerKey returns the customer managed key keyID names: AWS managed
// keys refuse changes.
func (s *Service) customerKey(ctx context.Context, keyID, what string) (*Key, error) {
	k, err := s.resolve(ctx, keyID, false)
	if err != nil {
		return nil, err
	}
	if k.Manager == ManagerAWS {
		return nil, kmsapi.NewUnsupportedOperationException("%s is an AWS managed key: %s is not allowed on it.", s.ARN(k.ID), what)
	}
	return k, nil
}

// setState moves a key between Enabled and Disabled.
func (s *Service) setState(ctx context.Context, keyID, state, what string) error {
	k, err := s.customerKey(ctx, keyID, what)
	if err != nil {
		return err
	}
	if k.State == StatePendingDeletion {
		return kmsapi.NewKMSInvalidStateException("%s is pending deletion.", s.ARN(k.ID))
	}
	_, err = s.store.UpdateKey(ctx, k.ID, KeyUpdate{State: &state})
	return err
}

// EnableKey lets a disabled key be used again.
func (s *Service) EnableKey(ctx context.Context, in *kmsapi.EnableKeyInput) (*kmsapi.EnableKeyOutput, error) {
	if err := s.setState(ctx, in.KeyId, StateEnabled, "EnableKey"); err != nil {
		return nil, err
	}
	return &kmsapi.EnableKeyOutput{}, nil
}

// DisableKey stops a key from encrypting and decrypting until enabled.
func (s *Service) DisableKey(ctx context.Context, in *kmsapi.DisableKeyInput) (*kmsapi.DisableKeyOutput, error) {
	if err := s.setState(ctx, in.KeyId, StateDisabled, "DisableKey"); err != nil {
		return nil, err
	}
	return &kmsapi.DisableKeyOutput{}, nil
}

// UpdateKeyDescription sets a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, in *kmsapi.UpdateKeyDescriptionInput) (*kmsapi.UpdateKeyDescriptionOutput, error) {
	k, err := s.customerKey(ctx, in.KeyId, "UpdateKeyDescription")
	if err != nil {
		return nil, err
	}
	_, err = s.store.UpdateKey(ctx, k.ID, KeyUpdate{Description: &in.Description})
	if err != nil {
		return nil, err
	}
	return &kmsapi.UpdateKeyDescriptionOutput{}, nil
}

// ScheduleKeyDeletion makes a key PendingDeletion for 7 to 30 days
// (default 30), after which it and everything it encrypted is gone.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, in *kmsapi.ScheduleKeyDeletionInput) (*kmsapi.ScheduleKeyDeletionOutput, error) {
	days := defaultDeletionDays
	if in.PendingWindowInDays != nil {
		days = int(*in.PendingWindowInDays)
		if days < minDeletionDays || days > maxDeletionDays {
			return nil, awserr.Validation("PendingWindowInDays", days, "must be 7 to 30")
		}
	}
	k, err := s.customerKey(ctx, in.KeyId, "ScheduleKeyDeletion")
	if err != nil {
		return nil, err
	}
	if k.State == StatePendingDeletion {
		return nil, kmsapi.NewKMSInvalidStateException("%s is pending deletion.", s.ARN(k.ID))
	}
	state, at := StatePendingDeletion, s.now().UTC().AddDate(0, 0, days)
	if k, err = s.store.UpdateKey(ctx, k.ID, KeyUpdate{State: &state, DeletionAt: &at, PendingWindowDays: &days}); err != nil {
		return nil, err
	}
	w := int32(days)
	return &kmsapi.ScheduleKeyDeletionOutput{KeyId: s.ARN(k.ID), DeletionDate: timestamp.Ptr(k.DeletionAt), KeyState: k.State,
		PendingWindowInDays: &w}, nil
}

// CancelKeyDeletion keeps a key PendingDeletion; it is Disabled then.
func (s *Service) CancelKeyDeletion(ctx context.Context, in *kmsapi.CancelKeyDeletionInput) (*kmsapi.CancelKeyDeletionOutput, error) {
	k, err := s.customerKey(ctx, in.KeyId, "CancelKeyDeletion")
	if err != nil {
		return nil, err
	}
	if k.State != StatePendingDeletion {
		return nil, kmsapi.NewKMSInvalidStateException("%s is not pending deletion.", s.ARN(k.ID))
	}
	state, none, zero := StateDisabled, time.Time{}, 0
	if _, err := s.store.UpdateKey(ctx, k.ID, KeyUpdate{State: &state, DeletionAt: &none, PendingWindowDays: &zero}); err != nil {
		return nil, err
	}
	return &kmsapi.CancelKeyDeletionOutput{KeyId: s.ARN(k.ID)}, nil
}

// EnableKeyRotation rotates a key's material every RotationPeriodInDays
// (90 to 2560, default 365); what the old material encrypted still
// decrypts.
func (s *Service) EnableKeyRotation(ctx context.Context, in *kmsapi.EnableKeyRotationInput) (*kmsapi.EnableKeyRotationOutput, error) {
	days := defaultRotationDays
	if in.RotationPeriodInDays != nil {
		days = int(*in.RotationPeriodInDays)
		if days < minRotationDays || days > maxRotationDays {
			return nil, awserr.Validation("RotationPeriodInDays", days, "must be 90 to 2560")
		}
	}
	k, err := s.customerKey(ctx, in.KeyId, "EnableKeyRotation")
	if err != nil {
		return nil, err
	}
	if k.State != StateEnabled {
		return nil, kmsapi.NewKMSInvalidStateException("%s is %s.", s.ARN(k.ID), k.State)
	}
	next := s.now().UTC().AddDate(0, 0, days)
	_, err = s.store.UpdateKey(ctx, k.ID, KeyUpdate{RotationPeriodDays: &days, NextRotationAt: &next})
	if err != nil {
		return nil, err
	}
	return &kmsapi.EnableKeyRotationOutput{}, nil
}

// DisableKeyRotation stops a key's automatic rotation.
func (s *Service) DisableKeyRotation(ctx context.Context, in *kmsapi.DisableKeyRotationInput) (*kmsapi.DisableKeyRotationOutput, error) {
	k, err := s.customerKey(ctx, in.KeyId, "DisableKeyRotation")
	if err != nil {
		return nil, err
	}
	if k.State != StateEnabled {
		return nil, kmsapi.NewKMSInvalidStateException("%s is %s.", s.ARN(k.ID), k.State)
	}
	zero, none := 0, time.Time{}
	_, err = s.store.UpdateKey(ctx, k.ID, KeyUpdate{RotationPeriodDays: &zero, NextRotationAt: &none})
	if err != nil {
		return nil, err
	}
	return &kmsapi.DisableKeyRotationOutput{}, nil
}

// GetKeyRotationStatus says whether a key rotates automatically, and
// when next.
func (s *Service) GetKeyRotationStatus(ctx context.Context, in *kmsapi.GetKeyRotationStatusInput) (*kmsapi.GetKeyRotationStatusOutput, error) {
	k, err := s.resolve(ctx, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	enabled := k.RotationPeriodDays > 0
	out := &kmsapi.GetKeyRotationStatusOutput{KeyRotationEnabled: &enabled, KeyId: s.ARN(k.ID)}
	if enabled {
		days := int32(k.RotationPeriodDays)
		out.RotationPeriodInDays = &days
		out.NextRotationDate = timestamp.Ptr(k.NextRotationAt)
	}
	return out, nil
}

// RotateKeyOnDemand gives a key new material now; what the old material
// encrypted still decrypts. A key rotates on demand at most 10 times.
func (s *Service) RotateKeyOnDemand(ctx context.Context, in *kmsapi.RotateKeyOnDemandInput) (*kmsapi.RotateKeyOnDemandOutput, error) {
	k, err := s.customerKey(ctx, in.KeyId, "RotateKeyOnDemand")
	if err != nil {
		return nil, err
	}
	if k.State != StateEnabled {
		return nil, kmsapi.NewKMSInvalidStateException("%s is %s.", s.ARN(k.ID), k.State)
	}
	ms, err := s.store.ListMaterial(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	if n := len(slices.DeleteFunc(ms, func(m *Material) bool { return m.RotationType != RotationOnDemand })); n >= maxOnDemandRotations {
		return nil, kmsapi.NewLimitExceededException("%s has been rotated on demand %d times, the most allowed.", s.ARN(k.ID), n)
	}
	if _, err := s.rotate(ctx, k, RotationOnDemand, time.Time{}); err != nil {
		return nil, err
	}
	return &kmsapi.RotateKeyOnDemandOutput{KeyId: s.ARN(k.ID)}, nil
}

// rotate gives k its next material and reports whether it did. due, when
// not zero, is the automatic rotation this is: when another server made
// it first, that is all (false). An on-demand rotation that meets another
// retries on the key as it is then.
func (s *Service) rotate(ctx context.Context, k *Key, rotation string, due time.Time) (bool, error) {
	for range 3 {
		now := s.now().UTC()
		m, err := s.newMaterial(k.ID, k.CurrentVersion+1, rotation, now)
		if err != nil {
			return false, err
		}
		var next time.Time
		if k.RotationPeriodDays > 0 {
			next = now.AddDate(0, 0, k.RotationPeriodDays)
		}
		got, err := s.store.RotateKey(ctx, m, due, next)
		if err != nil || got != nil || !due.IsZero() {
			return got != nil, err
		}
		if k, err = s.store.GetKey(ctx, k.ID); err != nil {
			return false, err
		}
	}
	return false, kmsapi.NewConflictException("%s is being rotated by another request; retry.", s.ARN(k.ID))
}

// ListKeyRotations lists a key's rotations, oldest first.
func (s *Service) ListKeyRotations(ctx context.Context, in *kmsapi.ListKeyRotationsInput) (*kmsapi.ListKeyRotationsOutput, error) {
	n, err := listLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	k, err := s.resolve(ctx, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.ListMaterial(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	var rotations []*Material
	for _, m := range ms {
		if m.RotationType != "" && (after == "" || fmt.Sprint(m.Version) > after) {
			rotations = append(rotations, m)
		}
	}
	truncated := len(rotations) > n
	out := &kmsapi.ListKeyRotationsOutput{Rotations: []*kmsapi.RotationsListEntry{}, Truncated: &truncated}
	if truncated {
		rotations = rotations[:n]
		out.NextMarker = encodeMarker(fmt.Sprint(rotations[n-1].Version))
	}
	for _, m := range rotations {
		out.Rotations = append(out.Rotations, &kmsapi.RotationsListEntry{KeyId: s.ARN(k.ID), KeyMaterialId: materialID(k.ID, m.Version),
			RotationDate: timestamp.Ptr(m.CreatedAt), RotationType: m.RotationType})
	}
	return out, nil
}

// checkPolicyName accepts the one key policy name, "default".
func checkPolicyName(name string) error {
	if name != "" && name != "default" {
		return kmsapi.NewNotFoundException("The key policy %s does not exist; a key has one policy, named default.", name)
	}
	return nil
}

// GetKeyPolicy returns a key's policy.
func (s *Service) GetKeyPolicy(ctx context.Context, in *kmsapi.GetKeyPolicyInput) (*kmsapi.GetKeyPolicyOutput, error) {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	k, err := s.resolve(ctx, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	return &kmsapi.GetKeyPolicyOutput{Policy: k.Policy, PolicyName: "default"}, nil
}

// PutKeyPolicy replaces a key's policy.
func (s *Service) PutKeyPolicy(ctx context.Context, in *kmsapi.PutKeyPolicyInput) (*kmsapi.PutKeyPolicyOutput, error) {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	if err := checkPolicy(in.Policy); err != nil {
		return nil, err
	}
	k, err := s.customerKey(ctx, in.KeyId, "PutKeyPolicy")
	if err != nil {
		return nil, err
	}
	_, err = s.store.UpdateKey(ctx, k.ID, KeyUpdate{Policy: &in.Policy})
	if err != nil {
		return nil, err
	}
	return &kmsapi.PutKeyPolicyOutput{}, nil
}

// ListKeyPolicies lists a key's policy names: "default".
func (s *Service) ListKeyPolicies(ctx context.Context, in *kmsapi.ListKeyPoliciesInput) (*kmsapi.ListKeyPoliciesOutput, error) {
	if _, err := s.resolve(ctx, in.KeyId, false); err != nil {
		return nil, err
	}
	f := false
	return &kmsapi.ListKeyPoliciesOutput{PolicyNames: []string{"default"}, Truncated: &f}, nil
}

// TagResource sets tags of a key.
func (s *Service) TagResource(ctx context.Context, in *kmsapi.TagResourceInput) (*kmsapi.TagResourceOutput, error) {
	set, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	k, err := s.customerKey(ctx, in.KeyId, "TagResource")
	if err != nil {
		return nil, err
	}
	_, err = s.store.TagKey(ctx, k.ID, set, nil, maxTags)
	if errors.Is(err, awserr.LimitExceeded) {
		return nil, kmsapi.NewLimitExceededException("A key has at most %d tags.", maxTags)
	}
	if err != nil {
		return nil, err
	}
	return &kmsapi.TagResourceOutput{}, nil
}

// UntagResource removes tags of a key.
func (s *Service) UntagResource(ctx context.Context, in *kmsapi.UntagResourceInput) (*kmsapi.UntagResourceOutput, error) {
	k, err := s.customerKey(ctx, in.KeyId, "UntagResource")
	if err != nil {
		return nil, err
	}
	_, err = s.store.TagKey(ctx, k.ID, nil, in.TagKeys, maxTags)
	if err != nil {
		return nil, err
	}
	return &kmsapi.UntagResourceOutput{}, nil
}

// ListResourceTags lists a key's tags by key.
func (s *Service) ListResourceTags(ctx context.Context, in *kmsapi.ListResourceTagsInput) (*kmsapi.ListResourceTagsOutput, error) {
	n, err := listLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	k, err := s.resolve(ctx, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	var keys []string
	for key := range k.Tags {
		if key > after {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	truncated := len(keys) > n
	out := &kmsapi.ListResourceTagsOutput{Tags: []*kmsapi.Tag{}, Truncated: &truncated}
	if truncated {
		keys = keys[:n]
		out.NextMarker = encodeMarker(keys[n-1])
	}
	for _, key := range keys {
		out.Tags = append(out.Tags, &kmsapi.Tag{TagKey: key, TagValue: k.Tags[key]})
	}
	return out, nil
}

// Tags returns a key's tags, for the aws:ResourceTag condition keys; nil
// for a key that does not exist.
func (s *Service) Tags(ctx context.Context, keyID string) map[string]string {
	k, err := s.store.GetKey(ctx, keyID)
	if err != nil || k.Account != s.account {
		return nil
	}
	return k.Tags
}

// Policy returns the key policy of a key of the account, false when there
// is no such key.
func (s *Service) Policy(ctx context.Context, keyID string) (string, bool) {
	k, err := s.store.GetKey(ctx, keyID)
	if err != nil || k.Account != s.account {
		return "", false
	}
	return k.Policy, true
}

// Run deletes the keys whose pending deletion ends and rotates the keys
// whose automatic rotation is due, every interval, until ctx ends. Any
// number of servers may run it.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.runDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recordOwnAction writes an action the service took on its own on a key
// to the audit trail, as CloudTrail records one (see audit.ServiceEvent).
// The action is done: a trail that cannot take the record is logged.
func (s *Service) recordOwnAction(ctx context.Context, name, keyID string) {
	ev := audit.ServiceEvent(s.now(), s.account, s.region, "kms.amazonaws.com", name, s.ARN(keyID))
	if err := s.audit(ctx, ev); err != nil {
		s.log.Error("audit record of the service's own action not written", "event", name, "key_id", keyID, "err", err)
	}
}

func (s *Service) runDue(ctx context.Context) {
	now := s.now()
	deletions, rotations, err := s.store.DueKeys(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("list keys due for deletion or rotation", "err", err)
		}
		return
	}
	for _, id := range deletions {
		deleted, err := s.store.DeleteDueKey(ctx, id, now)
		if err != nil {
			s.log.Error("delete key", "key_id", id, "err", err)
			continue
		}
		if !deleted {
			continue // cancelled meanwhile, or another server deleted it
		}
		s.log.Info("key deleted at the end of its waiting period", "key_id", id)
		s.recordOwnAction(ctx, "DeleteKey", id)
	}
	for _, id := range rotations {
		k, err := s.store.GetKey(ctx, id)
		if err != nil {
			continue
		}
		rotated, err := s.rotate(ctx, k, RotationAutomatic, k.NextRotationAt)
		if err != nil {
			s.log.Error("rotate key", "key_id", id, "err", err)
			continue
		}
		if !rotated {
			continue // another server made this rotation
		}
		s.log.Info("key rotated", "key_id", id)
		s.recordOwnAction(ctx, "RotateKey", id)
	}
}
